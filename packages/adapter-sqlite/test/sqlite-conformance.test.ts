import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteStore } from '@auditkit/adapter-sqlite';
import { runStoreConformance } from '@auditkit/core/testing';
import { describe } from 'vitest';

const directory = mkdtempSync(join(tmpdir(), 'auditkit-sqlite-'));
let filename = '';
let files = 0;

describe('sqlite file database', () => {
  runStoreConformance({
    makeStore: () => {
      filename = join(directory, `audit-${files++}.db`);
      return sqliteStore({ filename });
    },
    reopenStore: () => sqliteStore({ filename }),
  });
});

describe('sqlite :memory:', () => {
  runStoreConformance({ makeStore: () => sqliteStore({ filename: ':memory:' }) });
});
