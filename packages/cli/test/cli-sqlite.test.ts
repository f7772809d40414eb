import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteStore } from '@auditkit/adapter-sqlite';
import { cliCases } from './cli-cases.js';

cliCases('SQLite', async () => {
  const filename = join(await mkdtemp(join(tmpdir(), 'auditkit-cli-')), 'audit.db');
  return { url: `sqlite:${filename}`, openStore: () => sqliteStore({ filename }) };
});
