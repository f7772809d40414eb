import { afterAll, describe, expect, it } from 'vitest';
import { type AuditLog, createAuditLog } from '../audit-log.js';
import type { AuditStore } from '../store.js';
import { countEvents } from './fixtures.js';
import { processTransactionCases } from './process-transaction-cases.js';
import { crashBatch, type WorkerTransactionHooks } from './process-worker.js';
import { runTypeScriptProcess, startTypeScriptProcess } from './processes.js';
import { expectWholeSequence } from './sequence-check.js';

/** How {@link runProcessConformance} reaches the store from several OS processes. */
export interface ProcessConformanceOptions {
  /** A script that calls `runConformanceWorker(openStore)`. */
  workerScript: string;
  /** A new, empty database location (file, schema, database name) the worker and the test share. */
  freshLocation(): string | Promise<string>;
  /** Opens the store at a location, in the test process. */
  openStore(location: string): AuditStore;
  /**
   * `atomic` when a batch interrupted by a crash is never partly stored (a transaction);
   * `converges` when it may be, but retrying the same batch completes it exactly once.
   */
  crashedBatches: 'atomic' | 'converges';
  /** Racing processes; default 8. */
  processes?: number;
  /**
   * Runs the caller-transaction cases (a crash before `COMMIT`, two transactions racing one key);
   * the worker script must pass {@link WorkerTransactionHooks} to `runConformanceWorker`.
   */
  transactions?: boolean;
}

const RACE_EVENTS = Number(process.env.AUDITKIT_RACE_EVENTS ?? 10_000);
// Real processes on a small machine: generous, so only a hang fails the test.
const PROCESS_TEST_TIMEOUT = 600_000;

function lines(stdout: string): unknown[] {
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as unknown);
}

/**
 * Runs `processes` workers at once, each `workload location organizationId <its index>`, and
 * expects every one to exit 0; resolves with the first JSON line each printed, in worker order.
 */
async function runWorkers(
  workerScript: string,
  processes: number,
  args: { workload: string; location: string; organizationId: string },
): Promise<unknown[]> {
  const results = await Promise.all(
    Array.from({ length: processes }, (_, p) =>
      runTypeScriptProcess(workerScript, [args.workload, args.location, args.organizationId, String(p)]),
    ),
  );
  for (const result of results) expect(result.code, result.stderr).toBe(0);
  return results.map((result) => lines(result.stdout)[0]);
}

/**
 * The guarantees that need real OS processes: racing writers, racing conflicts and crashes.
 * Each adapter calls it with a worker script and a way to make fresh locations.
 *
 * @example
 * ```ts
 * runProcessConformance({
 *   workerScript: fileURLToPath(new URL('./fixtures/worker.ts', import.meta.url)),
 *   freshLocation: () => join(mkdtempSync(join(tmpdir(), 'race-')), 'audit.db'),
 *   openStore: (filename) => sqliteStore({ filename }),
 *   crashedBatches: 'atomic',
 * });
 * ```
 */
export function runProcessConformance(options: ProcessConformanceOptions): void {
  const processes = options.processes ?? 8;
  const open = async (location: string): Promise<AuditLog> =>
    createAuditLog({ store: options.openStore(location) });

  if (options.transactions) {
    processTransactionCases({
      workerScript: options.workerScript,
      freshLocation: options.freshLocation,
      open,
    });
  }

  describe('process conformance', () => {
    const started: ReturnType<typeof startTypeScriptProcess>[] = [];
    afterAll(() => {
      for (const child of started)
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });

    for (const workload of ['race-keys', 'race-content', 'race-concurrent'] as const) {
      const keys = {
        'race-keys': 'explicit keys',
        'race-content': 'content-derived keys',
        'race-concurrent': 'single calls from 32 concurrent callers each, grouped',
      }[workload];
      const events = workload === 'race-concurrent' ? RACE_EVENTS / 50 : RACE_EVENTS;
      it(
        `stores ${events} events once each when ${processes} processes send them all (${keys})`,
        async () => {
          const location = await options.freshLocation();
          // Migrate first, so the race is about ingestion (migration races have their own test).
          await (await open(location)).close();
          const idLists = (await runWorkers(options.workerScript, processes, {
            workload,
            location,
            organizationId: 'org_race',
          })) as string[][];
          for (const ids of idLists) {
            expect(ids).toHaveLength(events);
            expect(ids).toEqual(idLists[0]);
          }
          expect(new Set(idLists[0]).size).toBe(events);
          const auditLog = await open(location);
          expect(await countEvents(auditLog, 'org_race')).toBe(events);
          // Each event once in the sequence too: positions 1…n, every link recomputing.
          await auditLog.sealPendingEvents();
          const sequence = await expectWholeSequence(auditLog, 'org_race');
          expect(new Set(sequence.map((sequenced) => sequenced.event.id))).toEqual(new Set(idLists[0]));
          await auditLog.close();
        },
        PROCESS_TEST_TIMEOUT,
      );
    }

    sequenceProcessCase(options);

    it(
      `lets exactly one of ${processes} processes racing one key with different content win`,
      async () => {
        const location = await options.freshLocation();
        await (await open(location)).close();
        const outputs = (await runWorkers(options.workerScript, processes, {
          workload: 'conflict',
          location,
          organizationId: 'org_conflict',
        })) as { outcome: string }[];
        const outcomes = outputs.map((output) => output.outcome);
        expect(outcomes.filter((outcome) => outcome === 'stored')).toHaveLength(1);
        expect(outcomes.filter((outcome) => outcome === 'idempotency_conflict')).toHaveLength(processes - 1);
        const auditLog = await open(location);
        expect(await countEvents(auditLog, 'org_conflict')).toBe(1);
        await auditLog.close();
      },
      PROCESS_TEST_TIMEOUT,
    );

    it(
      'keeps every batch whole (or completes it on retry) when a writer is killed with SIGKILL mid-batch',
      async () => {
        const location = await options.freshLocation();
        await (await open(location)).close();
        for (let round = 0; round < 3; round++) {
          const child = startTypeScriptProcess(options.workerScript, [
            'crash-batches',
            location,
            'org_crash',
            String(round),
          ]);
          started.push(child);
          let batchesDone = 0;
          await new Promise<void>((resolve) => {
            child.stdout.on('data', (data: Buffer) => {
              batchesDone += data.toString().split('"done"').length - 1;
              // Kill at a different point of a batch each round, after a few batches completed.
              if (batchesDone >= 2) {
                setTimeout(() => child.kill('SIGKILL'), 3 + round * 7);
              }
            });
            child.on('close', () => resolve());
          });
          expect(child.signalCode).toBe('SIGKILL');
        }
        const auditLog = await open(location);
        const sizes = await batchSizes(auditLog);
        expect(sizes.size).toBeGreaterThan(0);
        if (options.crashedBatches === 'atomic') {
          for (const [batch, size] of sizes) expect(size, `batch ${batch}`).toBe(500);
        } else {
          for (const [batch] of sizes) {
            const [round, index] = batch.split('/').map(Number) as [number, number];
            await auditLog.createEvents('org_crash', crashBatch(round, index));
          }
          for (const [batch, size] of await batchSizes(auditLog))
            expect(size, `batch ${batch} after retry`).toBe(500);
        }
        // The store still reads and exports after the crashes.
        let exported = 0;
        for await (const chunk of auditLog.exportEvents(
          {
            organizationId: 'org_crash',
            rangeStart: new Date('2024-01-01'),
            rangeEnd: new Date('2025-01-01'),
          },
          { format: 'ndjson' },
        )) {
          exported += chunk.split('\n').filter(Boolean).length;
        }
        expect(exported).toBe(await countEvents(auditLog, 'org_crash'));
        await auditLog.close();
      },
      PROCESS_TEST_TIMEOUT,
    );
  });
}

/** Events per crash batch, keyed `round/batch` from their metadata. */
async function batchSizes(auditLog: AuditLog): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  let after: string | undefined;
  for (;;) {
    const page = await auditLog.listEvents({
      organizationId: 'org_crash',
      limit: 1000,
      ...(after ? { after } : {}),
    });
    for (const event of page.data) {
      const key = `${event.metadata?.round}/${event.metadata?.batch}`;
      sizes.set(key, (sizes.get(key) ?? 0) + 1);
    }
    if (!page.listMetadata.after) return sizes;
    after = page.listMetadata.after;
  }
}

/**
 * The process case of the commit-ordered sequence alone (part of {@link runProcessConformance}):
 * `processes` worker processes write to two organizations at once (with `transactions`, some in
 * caller transactions that commit or roll back); afterwards each organization's positions are
 * gapless, unique, every link recomputes, and they hold exactly the committed events. For a store
 * whose other process cases are too slow to run by default (MongoDB on FerretDB).
 *
 * @example
 * ```ts
 * sequenceProcessCase({ workerScript, freshLocation: () => databases.next(), openStore: (dbName) => mongoStore({ url, dbName }) });
 * ```
 */
export function sequenceProcessCase(
  options: Pick<
    ProcessConformanceOptions,
    'workerScript' | 'freshLocation' | 'openStore' | 'processes' | 'transactions'
  >,
): void {
  const processes = options.processes ?? 8;
  const open = async (location: string): Promise<AuditLog> =>
    createAuditLog({ store: options.openStore(location) });
  it(
    `sequences the events of ${processes} processes writing to the same organizations${options.transactions ? ' (some in transactions that commit or roll back)' : ''} gaplessly, each link recomputing`,
    async () => {
      const location = await options.freshLocation();
      await (await open(location)).close();
      const outputs = (await runWorkers(options.workerScript, processes, {
        workload: 'sequence-mix',
        location,
        organizationId: 'org_seq',
      })) as { committed: string[]; rolledBack: string[] }[];
      const committed = new Set(outputs.flatMap((output) => output.committed));
      const rolledBack = outputs.flatMap((output) => output.rolledBack);
      if (options.transactions) expect(rolledBack.length).toBeGreaterThan(0);
      const auditLog = await open(location);
      try {
        await auditLog.sealPendingEvents();
        const sequenced = [
          ...(await expectWholeSequence(auditLog, 'org_seq_a')),
          ...(await expectWholeSequence(auditLog, 'org_seq_b')),
        ].map((event) => event.event.id);
        expect(sequenced).toHaveLength(committed.size);
        expect(new Set(sequenced)).toEqual(committed);
      } finally {
        await auditLog.close();
      }
    },
    PROCESS_TEST_TIMEOUT,
  );
}
