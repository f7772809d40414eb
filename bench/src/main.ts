// `pnpm bench [--quick | --tiny] [--adapters sqlite,sqlite-normal,postgres,mongo] [--only core,ingest,concurrent,integrity,export,export-storage,verify,streams] [--runs N] [--output docs/benchmarks.md]`
// BENCH_DATA_DIR=<dir> keeps the SQLite export data there and reuses it in the next run with the same counts.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { integrityBenchmarks } from './integrity.js';
import { machineDescription, resultsTable } from './report.js';
import {
  type Counts,
  concurrencyBenchmarks,
  coreBenchmarks,
  exportBenchmarks,
  ingestBenchmarks,
  type Result,
} from './scenarios.js';
import { streamBenchmarks } from './streams.js';
import type { BenchTarget } from './target.js';
import { openTarget } from './targets/index.js';
import { verifyBenchmarks } from './verify-scenario.js';

const DEFAULT_PARTS = 'core,ingest,concurrent,integrity,export,verify,streams';
const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    adapters: { type: 'string', default: 'sqlite,sqlite-normal,postgres,mongo' },
    output: { type: 'string' },
    tiny: { type: 'boolean', default: false },
    only: { type: 'string', default: DEFAULT_PARTS },
    runs: { type: 'string' },
  },
});

const counts: Counts = values.tiny
  ? {
      batchEvents: 2000,
      singleEvents: 50,
      concurrentEvents: 100,
      integritySingles: 100,
      integrityLockEvents: 200,
      exportSmall: 500,
      exportLarge: 2000,
      verifyShare: 1,
      sealedCalls: 50,
      runs: 1,
    }
  : values.quick
    ? {
        batchEvents: 10_000,
        singleEvents: 300,
        concurrentEvents: 200,
        integritySingles: 1000,
        integrityLockEvents: 2000,
        exportSmall: 10_000,
        exportLarge: 50_000,
        // verify's own load of 60,000 events was a tenth of the quick run on Postgres.
        verifyShare: 0.2,
        sealedCalls: 300,
        runs: 1,
      }
    : {
        batchEvents: 100_000,
        singleEvents: 3000,
        concurrentEvents: 3000,
        integritySingles: 3000,
        integrityLockEvents: 10_000,
        exportSmall: 100_000,
        exportLarge: 1_000_000,
        verifyShare: 1,
        sealedCalls: 3000,
        runs: 3,
      };

if (values.runs) counts.runs = Number(values.runs);
const parts = new Set((values.only ?? '').split(','));

/**
 * `counts` with the batched-ingest, export (which `verify` and the stream backlog follow) and
 * commit → sealed counts multiplied by a target's `quickScale`; the other single-call counts
 * (latency, lone-call p50) unchanged.
 */
function scaledForQuick(all: Counts, scale: number): Counts {
  if (scale === 1) return all;
  return {
    ...all,
    batchEvents: Math.round(all.batchEvents * scale),
    exportSmall: Math.round(all.exportSmall * scale),
    exportLarge: Math.round(all.exportLarge * scale),
    sealedCalls: Math.round(all.sealedCalls * scale),
  };
}

const started = Date.now();
/** Each line with the seconds since the bench started, so a slow stretch inside a part shows. */
const log = (line: string) =>
  console.error(`[bench] +${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s ${line}`);
const results: Result[] = [];
/** Runs one part and logs how long it took, so `--quick` time can be split per part and adapter. */
async function timed(label: string, part: () => Promise<Result[]>): Promise<void> {
  const partStarted = Date.now();
  results.push(...(await part()));
  log(`${label}: ${((Date.now() - partStarted) / 1000).toFixed(1)} s`);
}
if (parts.has('core')) await timed('core', () => coreBenchmarks(counts, log));
for (const name of (values.adapters ?? '').split(',').filter(Boolean)) {
  let target: BenchTarget | undefined;
  try {
    const opened = await openTarget(name);
    target = opened;
    const quickScale = values.quick ? (opened.quickScale ?? 1) : 1;
    const targetCounts = scaledForQuick(counts, quickScale);
    if (parts.has('ingest')) await timed(`${name} ingest`, () => ingestBenchmarks(opened, targetCounts, log));
    if (parts.has('concurrent'))
      await timed(`${name} concurrent`, () => concurrencyBenchmarks(opened, targetCounts, log));
    if (parts.has('integrity') && !opened.ingestOnly)
      await timed(`${name} integrity`, () => integrityBenchmarks(opened, targetCounts, log));
    if (parts.has('export') && !opened.ingestOnly)
      await timed(`${name} export`, () => exportBenchmarks(opened, targetCounts, log));
    // Only the export jobs into S3 vs the filesystem (the export data loaded or reused as above).
    else if (parts.has('export-storage') && !opened.ingestOnly)
      await timed(`${name} export-storage`, () =>
        exportBenchmarks(opened, targetCounts, log, { storageOnly: true }),
      );
    if (parts.has('verify') && !opened.ingestOnly)
      await timed(`${name} verify`, () => verifyBenchmarks(opened, targetCounts, log));

    if (parts.has('streams') && !opened.ingestOnly) {
      const scale = (opened.exportScale ?? 1) * quickScale;
      // --quick: a 10,000-event backlog and 3 s of lag, which kept the whole quick run under 3
      // minutes once streams, verify and export storage had joined it (docs/benchmarks.md).
      const streamEvents = Math.round((values.tiny ? 2_000 : values.quick ? 10_000 : 100_000) * scale);
      const lagSeconds = values.tiny ? 2 : values.quick ? 3 : 20;
      await timed(`${name} streams`, () => streamBenchmarks(opened, { streamEvents, lagSeconds }, log));
    }
  } finally {
    await target?.dispose();
  }
}

const mode = values.tiny ? '--tiny' : values.quick ? '--quick' : '(full)';
const only = values.only === DEFAULT_PARTS ? '' : ` --only ${values.only}`;
const command = `pnpm bench${values.quick ? ' --quick' : ''}${values.tiny ? ' --tiny' : ''} --adapters ${values.adapters}${only}`;
const report = `# Benchmarks

AuditKit against the fastest straightforward use of the same driver, measured side by side in
one run on one machine (ratios hold where absolute numbers drift). Each figure is the median of
${counts.runs} run(s) after a warm-up, with min–max in brackets.

- Machine: ${machineDescription()}
- Command: \`${command}\` ${mode}, ${Math.round((Date.now() - started) / 1000)} s
- Counts: ${counts.batchEvents.toLocaleString('en-US')} events in batches of 1,000; ${counts.singleEvents.toLocaleString('en-US')} sequential single events; ${counts.concurrentEvents.toLocaleString('en-US')} single events from 1, 8 and 64 concurrent callers; exports of ${counts.exportSmall.toLocaleString('en-US')} and ${counts.exportLarge.toLocaleString('en-US')} events of one organization (MongoDB: 0.3× the batched events and 0.2× the exports${values.quick ? ', both halved again under --quick' : ''}, as each row of the table says).
- Both sides start from the same event objects: the baselines' timed work includes turning them
  into rows (ids, JSON text), as AuditKit's does.
- AuditKit runs with schema validation and idempotency on; baselines write the same rows to a
  table/collection with only a primary key, unique (organization, idempotency key) and
  (organization, occurred_at, id).

${resultsTable(results)}
`;
console.log(report);
if (values.output) {
  writeFileSync(values.output, report);
  log(`wrote ${values.output}`);
}
