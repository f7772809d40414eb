import { mongoStore } from '@auditkit/adapter-mongo';
import { useTestDatabases } from '../../adapter-mongo/test/test-databases.js';
import { cliCases } from './cli-cases.js';

// One database per test on the server the adapter-mongo global setup started (FerretDB).
const databases = useTestDatabases();

cliCases(
  'MongoDB (FerretDB)',
  async () => {
    const dbName = databases.next();
    const url = new URL(databases.url);
    url.pathname = `/${dbName}`;
    return { url: url.toString(), openStore: () => mongoStore({ url: databases.url, dbName }) };
  },
  {
    // The export case took 8 s before MongoDB events were sealed; sealing its 1,241 events while
    // the exports run made it 100 s at load 13 (2026-12-01), verify 32 s.
    timeoutMs: 300_000,
  },
);
