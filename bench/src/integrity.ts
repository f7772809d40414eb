import type { AuditLog } from '@auditkit/core';
import { benchEvent, declareBenchSchemas, ORGANIZATIONS, organizationOf } from './events.js';
import type { Counts, Result } from './scenarios.js';
import { type Figure, percentile, summarize } from './stats.js';
import type { BenchTarget } from './target.js';

type Side = 'on' | 'off';
type Fresh = () => Promise<AuditLog>;

const OFF_NAME = 'integrity off: unsequenced writes, schema before 0004';
const perSecond = (count: number, started: number) => count / ((performance.now() - started) / 1000);

/**
 * Measures `measure` with integrity on and off in alternating order (on/off, then off/on, …)
 * after one warm-up of each, so the shared machine's drift hits both sides alike. Each side
 * gets a fresh database per run; `check` then confirms the side was what it claims.
 */
async function sideBySide(
  runs: number,
  fresh: Record<Side, Fresh>,
  measure: (auditLog: AuditLog, warmUp: boolean) => Promise<number>,
  check: (auditLog: AuditLog, side: Side) => Promise<void>,
): Promise<Record<Side, Figure>> {
  const rates: Record<Side, number[]> = { on: [], off: [] };
  for (let run = -1; run < runs; run++) {
    for (const side of run % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
      const auditLog = await fresh[side]();
      await declareBenchSchemas(auditLog);
      const rate = await measure(auditLog, run < 0);
      await check(auditLog, side);
      await auditLog.close();
      if (run >= 0) rates[side].push(rate);
    }
  }
  return { on: summarize(rates.on), off: summarize(rates.off) };
}

/**
 * On: the organizations' heads cover `written` events in all (some, when not given); off: no
 * event has a position. Confirms each side is what its row says.
 */
async function checkSide(auditLog: AuditLog, side: Side, organizations: readonly string[], written?: number) {
  let sealed = 0;
  for (const organizationId of organizations) {
    sealed += (await auditLog.getSequenceHead(organizationId))?.position ?? 0;
  }
  const right = side === 'off' ? sealed === 0 : written === undefined ? sealed > 0 : sealed === written;
  if (!right) {
    throw new Error(
      `integrity ${side}: ${sealed} events sequenced, expected ${side === 'off' ? 0 : (written ?? 'some')}`,
    );
  }
}

/** Sends `total` items through `call` from `callers` concurrent callers; returns items/s. */
async function fromCallers(callers: number, total: number, call: (i: number) => Promise<unknown>) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < total) await call(next++);
    }),
  );
  return perSecond(total, started);
}

/**
 * Tamper evidence's cost on the write path (issue 15): batched and concurrent single ingest with
 * integrity on (the commit-ordered sequence and hash chain, as shipped) and off (the write path
 * before the sequence, through kysely-store's benchmark-only switch), side by side; what the
 * per-organization head lock costs one organization's write rate against many; and the time
 * from commit (createEvent resolved) to sealed (the organization's head covering the event).
 */
export async function integrityBenchmarks(
  target: BenchTarget,
  counts: Counts,
  log: (line: string) => void,
): Promise<Result[]> {
  const results: Result[] = [];
  const unsequenced = target.freshUnsequencedAuditLog?.bind(target);
  if (unsequenced) {
    const fresh = (options: Parameters<BenchTarget['freshAuditLog']>[0] = {}): Record<Side, Fresh> => ({
      on: async () => (await target.freshAuditLog(options)).auditLog,
      off: async () => (await unsequenced(options)).auditLog,
    });
    const row = (measure: string, figures: Record<Side, Figure>, goal?: number): Result => ({
      adapter: target.name,
      measure,
      unit: 'events/s',
      auditKit: figures.on,
      baseline: figures.off,
      baselineName: OFF_NAME,
      ...(goal === undefined ? {} : { goal }),
    });

    // Batched: the ingest rows' workload, 1,000-event batches over four organizations.
    const batchEvents = Math.round(counts.batchEvents * (target.ingestScale ?? 1));
    const batches = Array.from({ length: Math.ceil(batchEvents / 1000) }, (_, b) => ({
      organizationId: organizationOf(b),
      events: Array.from({ length: Math.min(1000, batchEvents - b * 1000) }, (_, i) =>
        benchEvent(b * 1000 + i),
      ),
    }));
    log(`${target.name}: integrity on vs off, batched ingest of ${batchEvents} events`);
    const batched = await sideBySide(
      counts.runs,
      fresh(),
      async (auditLog) => {
        const started = performance.now();
        for (const batch of batches) await auditLog.createEvents(batch.organizationId, batch.events);
        return perSecond(batchEvents, started);
      },
      (auditLog, side) => checkSide(auditLog, side, ORGANIZATIONS, batchEvents),
    );
    results.push(
      row(
        `integrity on vs off: batched ingest, ${batchEvents.toLocaleString('en-US')} events (1,000/batch)`,
        batched,
        0.8,
      ),
    );

    // Concurrent single createEvent calls (group commit on, as by default), four organizations.
    const singles = counts.integritySingles;
    const events = Array.from({ length: singles }, (_, i) => benchEvent(20_000_000 + i));
    for (const callers of [8, 64]) {
      log(`${target.name}: integrity on vs off, ${singles} createEvent calls from ${callers} callers`);
      const figures = await sideBySide(
        counts.runs,
        fresh(),
        (auditLog, warmUp) =>
          fromCallers(callers, warmUp ? Math.min(singles, 200) : singles, (i) =>
            auditLog.createEvent(organizationOf(i), events[i] as (typeof events)[number]),
          ),
        (auditLog, side) => checkSide(auditLog, side, ORGANIZATIONS),
      );
      results.push(
        row(
          `integrity on vs off: concurrent createEvent, ${callers} callers, ${singles.toLocaleString('en-US')} events`,
          figures,
          0.8,
        ),
      );
    }

    // The per-organization lock: 8 writers, each its own createEvents calls of 10 events (no
    // group commit: one transaction per call), all into one organization or one each.
    const writers = 8;
    const lockEvents = counts.integrityLockEvents;
    const calls = Math.ceil(lockEvents / 10);
    const lockFigures: Record<string, Record<Side, Figure>> = {};
    for (const spread of [1, writers]) {
      const organizations = Array.from({ length: spread }, (_, k) => `org_lock_${k}`);
      log(
        `${target.name}: integrity on vs off, ${writers} writers × batches of 10 into ${spread} organization(s)`,
      );
      lockFigures[spread] = await sideBySide(
        counts.runs,
        fresh(),
        async (auditLog, warmUp) => {
          const total = warmUp ? Math.min(calls, 20) : calls;
          let next = 0;
          const started = performance.now();
          await Promise.all(
            Array.from({ length: writers }, async (_, writer) => {
              while (next < total) {
                const call = next++;
                await auditLog.createEvents(
                  organizations[writer % spread] as string,
                  Array.from({ length: 10 }, (_, i) => benchEvent(30_000_000 + call * 10 + i)),
                );
              }
            }),
          );
          return perSecond(total * 10, started);
        },
        (auditLog, side) => checkSide(auditLog, side, organizations),
      );
    }
    const one = lockFigures[1] as Record<Side, Figure>;
    const many = lockFigures[writers] as Record<Side, Figure>;
    const lockRow = (measure: string, auditKit: Figure, baseline: Figure, baselineName: string): Result => ({
      adapter: target.name,
      measure,
      unit: 'events/s',
      auditKit,
      baseline,
      baselineName,
    });
    results.push(
      row(`integrity on vs off: ${writers} writers × createEvents of 10, one organization`, one),
      row(
        `integrity on vs off: ${writers} writers × createEvents of 10, ${writers} organizations (one each)`,
        many,
      ),
      lockRow(
        `per-organization lock: ${writers} writers into one organization vs one each, integrity on`,
        one.on,
        many.on,
        `${writers} organizations, integrity on`,
      ),
      lockRow(
        `per-organization lock: ${writers} writers into one organization vs one each, integrity off`,
        one.off,
        many.off,
        `${writers} organizations, integrity off`,
      ),
    );
  } else {
    log(`${target.name}: no unsequenced switch, integrity on vs off not measured`);
  }

  results.push(...(await commitToSealed(target, counts, log)));
  return results;
}

/**
 * Time from commit (createEvent resolved) to sealed: after each call, the organization's head is
 * read until it covers the event (every 1 ms), recording when the read that first saw it began.
 * SQL stores assign the position inside the write's own transaction, so the first read after
 * commit sees it; a sealer store (MongoDB) seals after commit, and the wait shows here.
 */
async function commitToSealed(target: BenchTarget, counts: Counts, log: (line: string) => void) {
  const total = counts.sealedCalls;
  const organizationId = 'org_sealed';
  const { auditLog } = await target.freshAuditLog();
  await declareBenchSchemas(auditLog);
  log(`${target.name}: commit → sealed over ${total} sequential createEvent calls`);
  const lags: number[] = [];
  let atFirstRead = 0;
  let unsealed: string | undefined;
  try {
    for (let i = 0; i < total && !unsealed; i++) {
      await auditLog.createEvent(organizationId, benchEvent(40_000_000 + i));
      const committed = performance.now();
      for (let reads = 0; ; reads++) {
        const began = performance.now();
        const head = await auditLog.getSequenceHead(organizationId);
        if ((head?.position ?? 0) >= i + 1) {
          lags.push(began - committed);
          if (reads === 0) atFirstRead += 1;
          break;
        }
        if (began - committed > 10_000) {
          unsealed = `event ${i + 1} not sealed 10 s after its commit (no sealer running for this store)`;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    }
  } finally {
    await auditLog.close();
  }
  lags.sort((a, b) => a - b);
  const fixed = (value: number): Figure => ({ median: value, min: value, max: value });
  const note =
    unsealed ??
    `${atFirstRead.toLocaleString('en-US')} of ${lags.length.toLocaleString('en-US')} sealed at the first read after commit`;
  return [
    {
      adapter: target.name,
      measure: `commit → sealed, p50 (${total.toLocaleString('en-US')} sequential createEvent calls)`,
      unit: 'ms',
      auditKit: fixed(percentile(lags, 50)),
      note,
    },
    {
      adapter: target.name,
      measure: 'commit → sealed, p99',
      unit: 'ms',
      auditKit: fixed(percentile(lags, 99)),
      note,
    },
  ] satisfies Result[];
}
