import type { BenchTarget } from '../target.js';
import { sqliteTarget } from './sqlite.js';

/** The benchmark target for an adapter name. */
export async function openTarget(name: string): Promise<BenchTarget> {
  switch (name) {
    case 'sqlite':
      return sqliteTarget();
    default:
      throw new Error(`unknown or unavailable adapter "${name}" (known: sqlite)`);
  }
}
