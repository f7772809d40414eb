import type { AuditLog } from '@auditkit/core';
import { benchEvent, declareBenchSchemas } from './events.js';
import type { Counts, Result } from './scenarios.js';
import { summarize } from './stats.js';
import type { BenchTarget } from './target.js';

const BATCH = 1000;

/** Peak heap growth (MB) while `work` runs, sampled every 20 ms after a GC when exposed. */
async function withPeakHeap<T>(work: () => Promise<T>): Promise<{ value: T; peakMb: number }> {
  (globalThis as { gc?: () => void }).gc?.();
  const start = process.memoryUsage().heapUsed;
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 20);
  try {
    const value = await work();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    return { value, peakMb: (peak - start) / 1024 / 1024 };
  } finally {
    clearInterval(timer);
  }
}

async function load(auditLog: AuditLog, organizationId: string, total: number): Promise<void> {
  for (let offset = 0; offset < total; offset += BATCH) {
    const events = Array.from({ length: Math.min(BATCH, total - offset) }, (_, i) => benchEvent(offset + i));
    await auditLog.createEvents(organizationId, events);
  }
  await auditLog.sealPendingEvents();
}

/**
 * `verify` over one organization's whole chain with a signed checkpoint at its head: rows/s and
 * the peak heap growth, for the small and the large export counts (flat memory: the two peaks
 * should be about equal).
 */
export async function verifyBenchmarks(
  target: BenchTarget,
  allCounts: Counts,
  log: (line: string) => void,
): Promise<Result[]> {
  const scale = (target.verifyScale ?? target.exportScale ?? 1) * allCounts.verifyShare;
  const small = Math.round(allCounts.exportSmall * scale);
  const large = Math.round(allCounts.exportLarge * scale);
  // The chain and the head are checked; checkpoints add one comparison each (not measured here).
  const { auditLog: signed } = await target.freshAuditLog();
  await declareBenchSchemas(signed);
  log(`${target.name}: loading ${small} + ${large} events for verify`);
  await load(signed, 'org_verify_small', small);
  await load(signed, 'org_verify_large', large);
  const results: Result[] = [];
  for (const [organizationId, count] of [
    ['org_verify_small', small],
    ['org_verify_large', large],
  ] as const) {
    const rates: number[] = [];
    let peakMb = 0;
    for (let run = 0; run < allCounts.runs; run++) {
      const started = performance.now();
      const { value, peakMb: peak } = await withPeakHeap(() => signed.verify({ organizationId }));
      if (!value.ok || value.checked !== count) {
        throw new Error(`verify of ${organizationId}: ${JSON.stringify(value)}`);
      }
      rates.push(count / ((performance.now() - started) / 1000));
      peakMb = Math.max(peakMb, peak);
    }
    const rate = summarize(rates);
    results.push({
      adapter: target.name,
      measure: `verify, ${count.toLocaleString('en-US')} events`,
      unit: 'rows/s',
      auditKit: rate,
      note: `peak heap growth ${peakMb.toFixed(1)} MB`,
    });
  }
  await signed.close();
  return results;
}
