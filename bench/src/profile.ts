// The workloads behind the profiles in docs/benchmarks.md, on SQLite, one at a time:
//   cd bench && node --import tsx --cpu-prof --cpu-prof-dir=/tmp/prof src/profile.ts ingest|single|export [events]
// then open the .cpuprofile in Chrome DevTools (or any cpuprofile viewer).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteStore } from '@auditkit/adapter-sqlite';
import { createAuditLog } from '@auditkit/core';
import { benchEvent, declareBenchSchemas, organizationOf } from './events.js';

const [workload = 'ingest', count] = process.argv.slice(2);
const total = Number(count ?? (workload === 'single' ? 20_000 : 60_000));
const directory = mkdtempSync(join(tmpdir(), 'auditkit-profile-'));
const auditLog = await createAuditLog({ store: sqliteStore({ filename: join(directory, 'audit.db') }) });
await declareBenchSchemas(auditLog);
const rate = (started: number) =>
  Math.round(total / ((performance.now() - started) / 1000)).toLocaleString('en-US');

if (workload === 'ingest') {
  const batches = Array.from({ length: Math.ceil(total / 1000) }, (_, b) => ({
    organizationId: organizationOf(b),
    items: Array.from({ length: 1000 }, (_, i) => ({
      event: benchEvent(b * 1000 + i),
      idempotencyKey: `key-${b}-${i}`,
    })),
  }));
  const cpuBefore = process.cpuUsage();
  let started = performance.now();
  for (const batch of batches) await auditLog.createEvents(batch.organizationId, batch.items);
  const wallMicros = ((performance.now() - started) * 1000) / total;
  const cpu = process.cpuUsage(cpuBefore);
  // CPU time (user + system, GC threads included) varies less than wall time on a shared machine.
  console.log(
    `batched ingest: ${rate(started)} events/s, ${wallMicros.toFixed(1)} µs wall and ${((cpu.user + cpu.system) / total).toFixed(1)} µs CPU per event`,
  );
  started = performance.now();
  for (const batch of batches) await auditLog.createEvents(batch.organizationId, batch.items);
  console.log(`replayed batches: ${rate(started)} events/s`);
} else if (workload === 'single') {
  const events = Array.from({ length: total }, (_, i) => benchEvent(i));
  const started = performance.now();
  for (const [i, event] of events.entries()) await auditLog.createEvent(organizationOf(i), event);
  console.log(`single ingest: ${rate(started)} events/s`);
} else if (workload === 'export') {
  for (let offset = 0; offset < total; offset += 1000)
    await auditLog.createEvents(
      'org_profile',
      Array.from({ length: 1000 }, (_, i) => benchEvent(offset + i)),
    );
  const started = performance.now();
  let bytes = 0;
  for await (const chunk of auditLog.exportEvents({
    organizationId: 'org_profile',
    rangeStart: new Date(0),
    rangeEnd: new Date('9999-01-01T00:00:00Z'),
  }))
    bytes += chunk.length;
  console.log(`CSV export: ${rate(started)} rows/s, ${bytes.toLocaleString('en-US')} characters`);
} else {
  throw new Error(`unknown workload "${workload}": ingest, single or export`);
}
await auditLog.close();
rmSync(directory, { recursive: true, force: true });
