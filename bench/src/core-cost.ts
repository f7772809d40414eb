// Core's own cost per event: createEvents against a store that stores nothing (it reports every
// row as inserted and returns core's decision), so the figure is validation, identification,
// ids and row building alone. Used by `pnpm bench` (the `core` target) and runnable alone:
//   cd bench && node --conditions=@auditkit/source --import tsx src/core-cost.ts [events] [runs] [warm-up events]
// The warm-up's size changes the steady state: V8 may pretenure the batch's objects (see the ninth
// round in docs/benchmarks.md), which a first run of 60,000 events or more tends to trigger.
import { type AuditStore, createAuditLog, memoryStore } from '@auditkit/core';
import { benchEvent, declareBenchSchemas, organizationOf } from './events.js';

/** A memory store whose `insertEvents` writes nothing: every row is reported as new. */
export function noOpStore(): AuditStore {
  const store = memoryStore();
  // One fact for every row: the store's own allocations are not core's cost.
  const inserted = { inserted: true } as const;
  return {
    ...store,
    name: 'no-op',
    async insertEvents(rows, decide) {
      return decide(rows.map(() => inserted));
    },
  };
}

/** Microseconds per event of `createEvents` in batches of 1,000 against {@link noOpStore}. */
export async function coreMicrosecondsPerEvent(total: number): Promise<number> {
  const auditLog = await createAuditLog({ store: noOpStore() });
  await declareBenchSchemas(auditLog);
  // 10,000 distinct events, reused with fresh keys (core never changes its input): an application's
  // events are short-lived, so a harness holding every input alive would charge core for marking them.
  const events = Array.from({ length: 10_000 }, (_, i) => benchEvent(i));
  const batches = Array.from({ length: Math.ceil(total / 1000) }, (_, b) => ({
    organizationId: organizationOf(b),
    items: Array.from({ length: 1000 }, (_, i) => ({
      event: events[(b * 1000 + i) % events.length] as (typeof events)[number],
      idempotencyKey: `key-${b}-${i}`,
    })),
  }));
  // CPU time of this process (user + system), not wall time: on a shared machine, time spent
  // waiting for a core is not core's cost. Nothing here waits for I/O.
  const started = process.cpuUsage();
  for (const batch of batches) await auditLog.createEvents(batch.organizationId, batch.items);
  const used = process.cpuUsage(started);
  const micros = (used.user + used.system) / (batches.length * 1000);
  await auditLog.close();
  return micros;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const total = Number(process.argv[2] ?? 50_000);
  const runs = Number(process.argv[3] ?? 5);
  const warmUp = Number(process.argv[4] ?? Math.min(total, 10_000));
  if (warmUp > 0) await coreMicrosecondsPerEvent(warmUp);
  const figures: number[] = [];
  for (let run = 0; run < runs; run++) figures.push(await coreMicrosecondsPerEvent(total));
  figures.sort((a, b) => a - b);
  console.log(
    `core per event (no-op store): median ${figures[Math.floor(runs / 2)]?.toFixed(2)} µs, runs ${figures.map((f) => f.toFixed(2)).join(' ')}`,
  );
}
