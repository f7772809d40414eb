// SQLite batched ingest of this checkout against another checkout of AuditKit (built, e.g. a
// `git worktree add --detach /tmp/base <commit>` after `pnpm install && pnpm build`), both loaded
// in this one process and alternated round by round, so that the drift of a shared machine
// between processes does not decide a comparison of a few percent. Each round writes the same
// 1,000-event batches to a fresh file (WAL, synchronous FULL or NORMAL) and reports wall and CPU
// time (user + system) per event; medians of the rounds after one warm-up round per side.
//   cd bench && node --import tsx src/sqlite-ingest-ab.ts /tmp/base [events=100000] [rounds=8] [full|normal]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { sqliteStore as SqliteStore, SqliteSynchronous } from '@auditkit/adapter-sqlite';
import type { createAuditLog as CreateAuditLog } from '@auditkit/core';
import { benchEvent, declareBenchSchemas, organizationOf } from './events.js';
import { summarize } from './stats.js';

const [other, events = '100000', rounds = '8', synchronous = 'full'] = process.argv.slice(2);
if (!other || (synchronous !== 'full' && synchronous !== 'normal')) {
  throw new Error('usage: sqlite-ingest-ab.ts <other checkout> [events] [rounds] [full|normal]');
}
const total = Number(events);

interface Side {
  name: string;
  createAuditLog: typeof CreateAuditLog;
  sqliteStore: typeof SqliteStore;
}

/** A checkout's built core and SQLite adapter, each resolving its own dependencies. */
async function sideAt(name: string, checkout: string): Promise<Side> {
  const entry = (pkg: string) =>
    pathToFileURL(join(resolve(checkout), 'packages', pkg, 'dist', 'index.js')).href;
  const core = (await import(entry('core'))) as { createAuditLog: typeof CreateAuditLog };
  const sqlite = (await import(entry('adapter-sqlite'))) as { sqliteStore: typeof SqliteStore };
  return { name, createAuditLog: core.createAuditLog, sqliteStore: sqlite.sqliteStore };
}

const sides = [
  await sideAt('this checkout', join(import.meta.dirname, '..', '..')),
  await sideAt(other, other),
];
const batches = Array.from({ length: Math.ceil(total / 1000) }, (_, b) => ({
  organizationId: organizationOf(b),
  items: Array.from({ length: Math.min(1000, total - b * 1000) }, (_, i) => ({
    event: benchEvent(b * 1000 + i),
    idempotencyKey: `key-${b}-${i}`,
  })),
}));
const directory = mkdtempSync(join(tmpdir(), 'auditkit-sqlite-ab-'));
const measured = new Map(sides.map((side) => [side.name, { wall: [] as number[], cpu: [] as number[] }]));
let files = 0;
for (let round = -1; round < Number(rounds); round++) {
  // Each side goes first in every other round.
  for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
    const store = side.sqliteStore({
      filename: join(directory, `${files++}.db`),
      synchronous: synchronous as SqliteSynchronous,
    });
    const auditLog = await side.createAuditLog({ store });
    await declareBenchSchemas(auditLog);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    for (const batch of batches) await auditLog.createEvents(batch.organizationId, batch.items);
    const wall = ((performance.now() - started) * 1000) / total;
    const cpu = process.cpuUsage(cpuBefore);
    await auditLog.close();
    if (round < 0) continue;
    measured.get(side.name)?.wall.push(wall);
    measured.get(side.name)?.cpu.push((cpu.user + cpu.system) / total);
  }
}
rmSync(directory, { recursive: true, force: true });

console.log(
  `${total.toLocaleString('en-US')} events in 1,000-event batches, synchronous ${synchronous}, ${rounds} rounds`,
);
for (const [name, { wall, cpu }] of measured) {
  console.log(
    `${name}: ${summarize(wall).median.toFixed(2)} µs wall (${wall.map((value) => value.toFixed(1)).join(' ')}), ` +
      `${summarize(cpu).median.toFixed(2)} µs CPU per event`,
  );
}
