import type { BenchTarget } from '../target.js';

/** The benchmark target for an adapter name (each loaded only when asked for). */
export async function openTarget(name: string): Promise<BenchTarget> {
  switch (name) {
    case 'sqlite':
      return (await import('./sqlite.js')).sqliteTarget('full');
    case 'sqlite-normal':
      return (await import('./sqlite.js')).sqliteTarget('normal');
    case 'postgres':
      return (await import('./postgres.js')).postgresTarget();
    case 'mongo':
      return (await import('./mongo.js')).mongoTarget();
    default:
      throw new Error(`unknown adapter "${name}" (known: sqlite, sqlite-normal, postgres, mongo)`);
  }
}
