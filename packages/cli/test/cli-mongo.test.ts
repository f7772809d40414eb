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
    sequenceMissing:
      'MongoDB events get no position yet (the sealer is not wired in, issue 15), so there is no chain to verify',
  },
);
