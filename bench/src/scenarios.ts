import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { coreMicrosecondsPerEvent } from './core-cost.js';
import { benchEvent, declareBenchSchemas, organizationOf } from './events.js';
import { type Figure, percentile, repeat, repeatAlternating, summarize } from './stats.js';
import { type BenchTarget, toRawRow } from './target.js';

export interface Counts {
  batchEvents: number;
  singleEvents: number;
  /** Events sent as single createEvent calls at each level of concurrency. */
  concurrentEvents: number;
  /** Single createEvent calls per integrity on/off row, and events per row of the lock rows. */
  integritySingles: number;
  integrityLockEvents: number;
  exportSmall: number;
  exportLarge: number;
  /** `verify` loads this share of the (target-scaled) export counts: 1, or 0.2 under `--quick`. */
  verifyShare: number;
  /** Sequential createEvent calls timed from commit to sealed. */
  sealedCalls: number;
  runs: number;
}

/** One line of the results table. */
export interface Result {
  adapter: string;
  measure: string;
  unit: string;
  auditKit: Figure;
  baseline?: Figure;
  baselineName?: string;
  /** Minimum ratio AuditKit/baseline the goals ask for. */
  goal?: number;
  note?: string;
}

const BATCH = 1000;

function batches(total: number, offset = 0) {
  return Array.from({ length: Math.ceil(total / BATCH) }, (_, b) => ({
    organizationId: organizationOf(b),
    events: Array.from({ length: Math.min(BATCH, total - b * BATCH) }, (_, i) =>
      benchEvent(offset + b * BATCH + i),
    ),
  }));
}

const perSecond = (count: number, started: number) => count / ((performance.now() - started) / 1000);

export async function ingestBenchmarks(
  target: BenchTarget,
  counts: Counts,
  log: (line: string) => void,
): Promise<Result[]> {
  const batchEvents = Math.round(counts.batchEvents * (target.ingestScale ?? 1));
  const input = batches(batchEvents);
  const keyed = input.map(({ organizationId, events }, b) => ({
    organizationId,
    items: events.map((event, i) => ({ event, idempotencyKey: `key-${b}-${i}` })),
  }));
  // Both sides start from the application's event objects: turning them into rows (ids, JSON
  // columns) is part of the baseline's timed work, as it is part of AuditKit's.
  const toRawRows = (batch: (typeof keyed)[number]) =>
    batch.items.map(({ event, idempotencyKey }) => toRawRow(batch.organizationId, event, idempotencyKey));

  const replayRates: number[] = [];
  const rawReplayRates: number[] = [];
  log(`${target.name}: batched ingest of ${batchEvents} events`);
  // AuditKit's runs and the baseline's alternate (see repeatAlternating).
  const [batched, rawBatched] = await repeatAlternating(
    counts.runs,
    async (run) => {
      const { auditLog } = await target.freshAuditLog();
      await declareBenchSchemas(auditLog);
      let started = performance.now();
      for (const batch of keyed) await auditLog.createEvents(batch.organizationId, batch.items);
      const rate = perSecond(batchEvents, started);
      started = performance.now();
      for (const batch of keyed) await auditLog.createEvents(batch.organizationId, batch.items);
      if (run >= 0) replayRates.push(perSecond(batchEvents, started));
      await auditLog.close();
      return rate;
    },
    async (run) => {
      const raw = await target.freshRawDriver();
      let started = performance.now();
      for (const batch of keyed) await raw.insertBatch(toRawRows(batch));
      const rate = perSecond(batchEvents, started);
      started = performance.now();
      for (const batch of keyed) await raw.insertBatchIgnoringDuplicates(toRawRows(batch));
      if (run >= 0) rawReplayRates.push(perSecond(batchEvents, started));
      await raw.close();
      return rate;
    },
  );

  log(`${target.name}: ${counts.singleEvents} sequential single events`);
  const singles = Array.from({ length: counts.singleEvents }, (_, i) => benchEvent(10_000_000 + i));
  const latencies: number[] = [];
  const [single, rawSingle] = await repeatAlternating(
    counts.runs,
    async (run) => {
      const { auditLog } = await target.freshAuditLog();
      await declareBenchSchemas(auditLog);
      const started = performance.now();
      for (const [i, event] of singles.entries()) {
        const callStarted = performance.now();
        await auditLog.createEvent(organizationOf(i), event);
        if (run >= 0) latencies.push(performance.now() - callStarted);
      }
      const rate = perSecond(singles.length, started);
      await auditLog.close();
      return rate;
    },
    async () => {
      const raw = await target.freshRawDriver();
      const started = performance.now();
      for (const [i, event] of singles.entries())
        await raw.insertOne(toRawRow(organizationOf(i), event, `single-${i}`));
      const rate = perSecond(singles.length, started);
      await raw.close();
      return rate;
    },
  );
  latencies.sort((a, b) => a - b);

  return [
    {
      adapter: target.name,
      measure: `batched ingest, ${batchEvents.toLocaleString('en-US')} events (1,000/batch)`,
      unit: 'events/s',
      auditKit: batched,
      baseline: rawBatched,
      baselineName: 'raw multi-row insert',
      goal: 0.8,
    },
    {
      adapter: target.name,
      measure: `single ingest, ${counts.singleEvents.toLocaleString('en-US')} sequential events`,
      unit: 'events/s',
      auditKit: single,
      baseline: rawSingle,
      baselineName: 'raw single-row insert',
      goal: 0.6,
    },
    {
      adapter: target.name,
      measure: `replayed batches, ${batchEvents.toLocaleString('en-US')} events (all duplicates)`,
      unit: 'events/s',
      auditKit: summarize(replayRates),
      baseline: summarize(rawReplayRates),
      baselineName: 'raw insert, ignore conflicts',
    },
    {
      adapter: target.name,
      measure: 'single createEvent latency p50 / p99',
      unit: 'ms',
      auditKit: {
        median: percentile(latencies, 50),
        min: percentile(latencies, 50),
        max: percentile(latencies, 99),
      },
      note: `p50 ${percentile(latencies, 50).toFixed(3)} ms, p99 ${percentile(latencies, 99).toFixed(3)} ms over ${latencies.length} calls`,
    },
  ];
}

/** The concurrency levels of the concurrent-callers rows. */
export const CALLERS = [1, 8, 64] as const;

/** Sends events 0…count-1 through `call` from `callers` concurrent callers; returns events/s. */
async function fromCallers(
  callers: number,
  count: number,
  call: (i: number) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < count) {
        await call(next++);
      }
    }),
  );
  return perSecond(count, started);
}

/**
 * Concurrent single `createEvent` calls (a web server's requests) at 1, 8 and 64 callers,
 * with group commit on (the default) and off, beside the raw driver doing one insert per call at
 * the same concurrency; and the lone call's latency with group commit on and off.
 */
export async function concurrencyBenchmarks(
  target: BenchTarget,
  counts: Counts,
  log: (line: string) => void,
): Promise<Result[]> {
  const total = counts.concurrentEvents;
  const events = Array.from({ length: total }, (_, i) => benchEvent(20_000_000 + i));
  const results: Result[] = [];
  // Warm-ups send WARM_UP events (JIT, connections, first schema reads), not the full count, so
  // the quick run stays short.
  const WARM_UP = Math.min(total, 50);
  const kitRun = async (callers: number, groupCommit: boolean, count = total) => {
    const { auditLog } = await target.freshAuditLog({ groupCommit });
    await declareBenchSchemas(auditLog);
    const rate = await fromCallers(callers, count, (i) =>
      auditLog.createEvent(organizationOf(i), events[i] as (typeof events)[number]),
    );
    await auditLog.close();
    return rate;
  };
  const rawRun = async (callers: number, count = total) => {
    const raw = await target.freshRawDriver();
    const rate = await fromCallers(callers, count, (i) =>
      raw.insertOne(toRawRow(organizationOf(i), events[i] as (typeof events)[number], `concurrent-${i}`)),
    );
    await raw.close();
    return rate;
  };

  // One caller: calls alternate between an audit log with group commit and one without (each
  // on its own fresh database), so the machine's drift and other work hit both alike.
  log(`${target.name}: ${total} createEvent calls from 1 caller, group commit on and off alternating`);
  const lone = { on: [] as number[], off: [] as number[] };
  const loneRates = { on: [] as number[], off: [] as number[] };
  for (let run = -1; run < counts.runs; run++) {
    const logs = {
      on: (await target.freshAuditLog({ groupCommit: true })).auditLog,
      off: (await target.freshAuditLog({ groupCommit: false })).auditLog,
    };
    await declareBenchSchemas(logs.on);
    await declareBenchSchemas(logs.off);
    const spent = { on: 0, off: 0 };
    for (let i = 0; i < (run < 0 ? WARM_UP : total); i++) {
      const order = i % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const);
      for (const mode of order) {
        const callStarted = performance.now();
        await logs[mode].createEvent(organizationOf(i), events[i] as (typeof events)[number]);
        const took = performance.now() - callStarted;
        spent[mode] += took;
        if (run >= 0) lone[mode].push(took);
      }
    }
    await logs.on.close();
    await logs.off.close();
    if (run >= 0) {
      loneRates.on.push(total / (spent.on / 1000));
      loneRates.off.push(total / (spent.off / 1000));
    }
  }
  const sequential = summarize(loneRates.on);
  const measured = async (measure: () => Promise<number>, warmUp: () => Promise<number>) => {
    await warmUp();
    const rates: number[] = [];
    for (let run = 0; run < counts.runs; run++) rates.push(await measure());
    return summarize(rates);
  };
  const rawSequential = await measured(
    () => rawRun(1),
    () => rawRun(1, WARM_UP),
  );
  results.push({
    adapter: target.name,
    measure: `concurrent createEvent, 1 caller, ${total.toLocaleString('en-US')} events`,
    unit: 'events/s',
    auditKit: sequential,
    baseline: rawSequential,
    baselineName: 'raw single-row insert per call, 1 caller',
  });
  for (const callers of CALLERS.filter((n) => n > 1)) {
    log(`${target.name}: ${total} createEvent calls from ${callers} concurrent callers`);
    const kit = await measured(
      () => kitRun(callers, true),
      () => kitRun(callers, true, WARM_UP),
    );
    const raw = await measured(
      () => rawRun(callers),
      () => rawRun(callers, WARM_UP),
    );
    results.push({
      adapter: target.name,
      measure: `concurrent createEvent, ${callers} callers, ${total.toLocaleString('en-US')} events`,
      unit: 'events/s',
      auditKit: kit,
      baseline: raw,
      baselineName: `raw single-row insert per call, ${callers} callers`,
    });
    if (callers === 64) {
      const off = await measured(
        () => kitRun(callers, false),
        () => kitRun(callers, false, WARM_UP),
      );
      results.push({
        adapter: target.name,
        measure: '64 callers: group commit on vs off',
        unit: 'events/s',
        auditKit: kit,
        baseline: off,
        baselineName: 'AuditKit, groupCommit: false',
      });
      results.push({
        adapter: target.name,
        measure: "64 callers vs AuditKit's sequential throughput (1 caller)",
        unit: 'events/s',
        auditKit: kit,
        baseline: sequential,
        baselineName: 'AuditKit, 1 caller',
        ...(target.name === 'postgres' ? { goal: 5 } : {}),
      });
    }
  }
  lone.on.sort((a, b) => a - b);
  lone.off.sort((a, b) => a - b);
  const on = percentile(lone.on, 50);
  const off = percentile(lone.off, 50);
  const change = (on / off - 1) * 100;
  results.push({
    adapter: target.name,
    measure: 'lone createEvent latency p50, group commit on vs off',
    unit: 'ms',
    auditKit: { median: on, min: on, max: percentile(lone.on, 99) },
    baseline: { median: off, min: off, max: percentile(lone.off, 99) },
    baselineName: 'groupCommit: false',
    note: `p50 ${on.toFixed(3)} vs ${off.toFixed(3)} ms (${change >= 0 ? '+' : ''}${change.toFixed(1)} %; goal ≤ +10 %) ${change <= 10 ? '✅' : '❌'}; (min–max) shows p50–p99`,
  });
  return results;
}

interface ChildFigure {
  rows: number;
  seconds: number;
  peakRssMb: number;
}

const require = createRequire(import.meta.url);
const child = fileURLToPath(new URL('./export-child.ts', import.meta.url));

function runExportChild(
  adapter: string,
  mode: string,
  location: string,
  organizationId: string,
  env: NodeJS.ProcessEnv = {},
): Promise<ChildFigure> {
  return new Promise((resolve, reject) => {
    // The child resolves packages as this process does (built output, or sources with --conditions).
    const conditions = process.execArgv.filter((arg) => arg.startsWith('--conditions'));
    const args = [
      ...conditions,
      '--import',
      require.resolve('tsx'),
      child,
      adapter,
      mode,
      location,
      organizationId,
    ];
    const proc = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...env },
    });
    let out = '';
    proc.stdout.on('data', (data: Buffer) => {
      out += data.toString();
    });
    proc.on('error', reject);
    proc.on('close', (code) => {
      if (code !== 0) reject(new Error(`export child ${adapter}/${mode} exited with ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as ChildFigure);
    });
  });
}

export async function exportBenchmarks(
  target: BenchTarget,
  allCounts: Counts,
  log: (line: string) => void,
  options: { storageOnly?: boolean } = {},
): Promise<Result[]> {
  const scale = target.exportScale ?? 1;
  const counts = {
    ...allCounts,
    exportSmall: Math.round(allCounts.exportSmall * scale),
    exportLarge: Math.round(allCounts.exportLarge * scale),
  };
  const data = target.exportData
    ? await target.exportData(`${counts.exportSmall}-${counts.exportLarge}`)
    : { ...(await target.freshAuditLog()), loaded: async () => undefined };
  const { auditLog, location } = data;
  const small = 'org_export_small';
  const large = 'org_export_large';
  if (auditLog) {
    await declareBenchSchemas(auditLog);
    log(
      `${target.name}: loading ${counts.exportSmall} + ${counts.exportLarge} events for the export benchmark`,
    );
    const loadStarted = Date.now();
    for (const [organizationId, total] of [
      [small, counts.exportSmall],
      [large, counts.exportLarge],
    ] as const) {
      for (let offset = 0; offset < total; offset += BATCH) {
        const events = Array.from({ length: Math.min(BATCH, total - offset) }, (_, i) =>
          benchEvent(offset + i),
        );
        await auditLog.createEvents(organizationId, events);
      }
    }
    await auditLog.close();
    await data.loaded();
    log(`${target.name}: loaded in ${((Date.now() - loadStarted) / 1000).toFixed(0)} s`);
  } else {
    log(`${target.name}: export data reused from ${location}`);
  }
  await target.afterExportLoad?.(location);
  if (options.storageOnly) {
    if (!target.exportStorageModes) return [];
    const measureOnly = exportMeasure(target, counts, location);
    return exportStorageRows(target, counts, small, large, measureOnly, log);
  }

  const measure = exportMeasure(target, counts, location);
  log(`${target.name}: exporting`);
  const auditKitSmall = await measure('auditkit', small, counts.exportSmall);
  const auditKitLarge = await measure('auditkit', large, counts.exportLarge);
  const results: Result[] = [];
  for (const mode of target.exportModes.filter((m) => m !== 'auditkit')) {
    const baseline = await measure(mode, large, counts.exportLarge);
    results.push({
      adapter: target.name,
      measure: `CSV export, ${counts.exportLarge.toLocaleString('en-US')} events`,
      unit: 'rows/s',
      auditKit: auditKitLarge.rate,
      baseline: baseline.rate,
      baselineName: mode,
      goal: mode === 'copy' ? 0.5 : 0.8,
    });
    results.push({
      adapter: target.name,
      measure: `export peak RSS, ${counts.exportLarge.toLocaleString('en-US')} events`,
      unit: 'MB',
      auditKit: auditKitLarge.rss,
      baseline: baseline.rss,
      baselineName: mode,
    });
  }
  if (target.exportStorageModes) {
    results.push(...(await exportStorageRows(target, counts, small, large, measure, log)));
  }
  const growth = auditKitLarge.rss.median - auditKitSmall.rss.median;
  results.push({
    adapter: target.name,
    measure: `export peak RSS growth ${counts.exportSmall.toLocaleString('en-US')} → ${counts.exportLarge.toLocaleString('en-US')} events`,
    unit: 'MB',
    auditKit: { median: growth, min: growth, max: growth },
    note: `${auditKitSmall.rss.median.toFixed(1)} MB → ${auditKitLarge.rss.median.toFixed(1)} MB (goal: < 50 MB growth) ${growth < 50 ? '✅' : '❌'}`,
  });
  return results;
}

/** Runs one export mode `counts.runs` times in child processes: rows/s and peak RSS. */
function exportMeasure(target: BenchTarget, counts: Counts, location: string): Measure {
  return async (mode, organizationId, expected, env) => {
    const figures: ChildFigure[] = [];
    for (let run = 0; run < counts.runs; run++) {
      const figure = await runExportChild(target.name, mode, location, organizationId, env);
      if (figure.rows !== expected)
        throw new Error(`${mode} exported ${figure.rows} rows, expected ${expected}`);
      figures.push(figure);
    }
    return {
      rate: summarize(figures.map((figure) => figure.rows / figure.seconds)),
      rss: summarize(figures.map((figure) => figure.peakRssMb)),
    };
  };
}

type Measure = (
  mode: string,
  organizationId: string,
  expected: number,
  env?: NodeJS.ProcessEnv,
) => Promise<{ rate: Figure; rss: Figure }>;

/**
 * Export jobs into S3 (a local versitygw, or S3_ENDPOINT's service) against export jobs into the
 * filesystem storage: rows/s of the whole job (createExport → file complete), and the S3 job's
 * peak RSS growth from the small to the large export (flat memory: multipart parts, not the file).
 */
async function exportStorageRows(
  target: BenchTarget,
  counts: Counts,
  small: string,
  large: string,
  measure: Measure,
  log: (line: string) => void,
): Promise<Result[]> {
  const { startBenchS3 } = await import('./s3-server.js');
  const s3 = await startBenchS3(log);
  try {
    const env = { AUDITKIT_BENCH_S3: JSON.stringify(s3.options) };
    log(`${target.name}: export jobs into S3 and the filesystem`);
    const file = await measure('job-file', large, counts.exportLarge);
    const s3Small = await measure('job-s3', small, counts.exportSmall, env);
    const s3Large = await measure('job-s3', large, counts.exportLarge, env);
    const growth = s3Large.rss.median - s3Small.rss.median;
    return [
      {
        adapter: target.name,
        measure: `export job into S3 (versitygw), ${counts.exportLarge.toLocaleString('en-US')} events`,
        unit: 'rows/s',
        auditKit: s3Large.rate,
        baseline: file.rate,
        baselineName: 'export job into the filesystem',
      },
      {
        adapter: target.name,
        measure: `S3 export job peak RSS growth ${counts.exportSmall.toLocaleString('en-US')} → ${counts.exportLarge.toLocaleString('en-US')} events`,
        unit: 'MB',
        auditKit: { median: growth, min: growth, max: growth },
        note: `${s3Small.rss.median.toFixed(1)} MB → ${s3Large.rss.median.toFixed(1)} MB (goal: < 50 MB growth) ${growth < 50 ? '✅' : '❌'}`,
      },
    ];
  } finally {
    await s3.stop();
  }
}

/** The goal of issue 19 for core's own work per event. */
const CORE_GOAL_MICROSECONDS = 10;

/**
 * Core's cost per event with a store that stores nothing (bench/src/core-cost.ts): validation,
 * schema checks, fingerprints, ids and rows, in batches of 1,000, as CPU time of the process.
 */
export async function coreBenchmarks(counts: Counts, log: (line: string) => void): Promise<Result[]> {
  log(`core: ${counts.batchEvents} events against a no-op store`);
  const figure = await repeat(Math.max(counts.runs, 3), () => coreMicrosecondsPerEvent(counts.batchEvents));
  return [
    {
      adapter: 'core',
      measure: `CPU per event, no-op store, ${counts.batchEvents.toLocaleString('en-US')} events (1,000/batch)`,
      unit: 'µs',
      auditKit: figure,
      note: `goal ≤ ${CORE_GOAL_MICROSECONDS} µs ${figure.median <= CORE_GOAL_MICROSECONDS ? '✅' : '❌'}`,
    },
  ];
}
