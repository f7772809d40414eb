import { mongoStore } from '@auditkit/adapter-mongo';
import { runStoreConformance } from '@auditkit/core/testing';
import { describe, inject } from 'vitest';
import { useTestDatabases } from './test-databases.js';

const databases = useTestDatabases();

// FerretDB 1.24 answers every filtered query by scanning and sorting the whole collection, so in
// the cases that page while another task writes, an unthrottled writer outruns the reader and the
// case never ends. One connection per store makes the server take reader and writer in turns: the
// cases still interleave writes between pages, which is what they check. MongoDB gets a full pool.
const clientOptions = inject('mongoIsFerretDB') ? { maxPoolSize: 1 } : {};

describe('mongo store on its own client', () => {
  runStoreConformance({
    makeStore: () => mongoStore({ url: databases.url, dbName: databases.next(), clientOptions }),
    reopenStore: () => mongoStore({ url: databases.url, dbName: databases.last(), clientOptions }),
  });
});
