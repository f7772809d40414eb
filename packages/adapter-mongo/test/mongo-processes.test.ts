import { fileURLToPath } from 'node:url';
import { mongoStore } from '@auditkit/adapter-mongo';
import { createAuditLog } from '@auditkit/core';
import { countEvents, runTypeScriptProcess, sequenceProcessCase } from '@auditkit/core/testing';
import { expect, it } from 'vitest';
import { brokenKeyLinks, rawCollections, useRawClient } from './raw-collections.js';
import { useTestDatabases } from './test-databases.js';

const writer = fileURLToPath(new URL('./fixtures/race-writer.ts', import.meta.url));
const databases = useTestDatabases();
// Worker processes inherit this process's environment.
process.env.AUDITKIT_TEST_MONGODB_URL = databases.url;
const raw = useRawClient(databases.url);
const PROCESSES = 8;
// 300 keys by default: 8 processes × 300 sequential calls still race on every key, and FerretDB
// (one SQLite file behind it) took 4–14 minutes for 1,000 on the loaded CI machine. The larger
// run: AUDITKIT_MONGO_RACE_KEYS=1000.
const KEYS = Number(process.env.AUDITKIT_MONGO_RACE_KEYS ?? 300);
const GROUPED_KEYS = 200;

for (const [keys, callers] of [
  [KEYS, 1],
  [GROUPED_KEYS, 16],
] as const) {
  const how = callers === 1 ? '' : ` from ${callers} concurrent callers each (group commit)`;
  it(`stores each key once when ${PROCESSES} processes race createEvent on the same ${keys} keys${how}`, async () => {
    await race(keys, callers);
  }, 900_000);
}

async function race(keyCount: number, callers: number) {
  const dbName = databases.next();
  const started = Date.now();
  const results = await Promise.all(
    Array.from({ length: PROCESSES }, () =>
      runTypeScriptProcess(
        writer,
        [databases.url, dbName, 'org_race', String(keyCount), String(PROCESSES), String(callers)],
        {
          timeoutMs: 840_000,
        },
      ),
    ),
  );
  const elapsed = Date.now() - started;
  for (const result of results) expect(result.code, result.stderr).toBe(0);
  const outputs = results.map((result) => JSON.parse(result.stdout) as { ids: string[]; created: number });
  const [first] = outputs;
  for (const { ids } of outputs) expect(ids).toEqual(first?.ids);
  expect(new Set(first?.ids).size).toBe(keyCount);
  // Exactly one caller per key stored it; every other one was told it replayed.
  expect(outputs.reduce((sum, { created }) => sum + created, 0)).toBe(keyCount);

  const auditLog = await createAuditLog({ store: mongoStore({ url: databases.url, dbName }) });
  try {
    expect(await countEvents(auditLog, 'org_race')).toBe(keyCount);
  } finally {
    await auditLog.close();
  }
  const { keys } = rawCollections(raw, dbName);
  expect(await keys.countDocuments()).toBe(keyCount);
  expect(await brokenKeyLinks(raw, dbName)).toEqual([]);
  // Keys a process found before their event was written, and so wrote it on the owner's behalf.
  const repaired = await keys.countDocuments({ claimed: true });
  console.info(
    `${PROCESSES} processes × ${keyCount} keys (${callers} caller(s) each) in ${elapsed} ms; events created per process: ` +
      `${outputs.map(({ created }) => created).join(', ')}; keys found without their event: ${repaired}`,
  );
}

// Without caller transactions (FerretDB has none): 8 processes, each with its own sealer competing
// for the sealing lease, writing singles and batches to two organizations.
sequenceProcessCase({
  workerScript: fileURLToPath(new URL('./fixtures/conformance-worker.ts', import.meta.url)),
  freshLocation: () => databases.next(),
  openStore: (dbName) => mongoStore({ url: databases.url, dbName }),
});
