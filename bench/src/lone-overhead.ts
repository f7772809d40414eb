// What group commit costs a lone call in core alone, without a database: sequential createEvent
// calls on two memory stores, one audit log with group commit (the default) and one without,
// alternating call by call so the machine's drift hits both alike.
//   cd bench && node --conditions=@auditkit/source --import tsx src/lone-overhead.ts [calls]
import { createAuditLog, memoryStore } from '@auditkit/core';
import { benchEvent, declareBenchSchemas, organizationOf } from './events.js';
import { percentile } from './stats.js';

const total = Number(process.argv[2] ?? 20_000);
const logs = {
  on: await createAuditLog({ store: memoryStore(), groupCommit: true }),
  off: await createAuditLog({ store: memoryStore(), groupCommit: false }),
};
await declareBenchSchemas(logs.on);
await declareBenchSchemas(logs.off);
const events = Array.from({ length: total }, (_, i) => benchEvent(30_000_000 + i));
const took = { on: [] as number[], off: [] as number[] };
for (let pass = 0; pass < 2; pass++) {
  // Pass 0 warms up the JIT; pass 1 is measured.
  for (const [i, event] of events.entries()) {
    for (const mode of i % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
      const started = performance.now();
      await logs[mode].createEvent(`${organizationOf(i)}_${pass}`, event);
      if (pass === 1) took[mode].push((performance.now() - started) * 1000);
    }
  }
}
for (const mode of ['on', 'off'] as const) {
  const sorted = [...took[mode]].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  console.log(
    `group commit ${mode}: p50 ${percentile(sorted, 50).toFixed(1)} µs, mean ${mean.toFixed(1)} µs per call over ${sorted.length} calls`,
  );
}
await logs.on.close();
await logs.off.close();
