// Child process for one export measurement, so its peak RSS is the export's alone.
// Usage: export-child <adapter> <mode> <location> <organizationId>; prints one JSON line.
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openExportSource } from './export-sources.js';

const [adapter, mode, location, organizationId] = process.argv.slice(2);
if (!adapter || !mode || !location || !organizationId)
  throw new Error('usage: export-child <adapter> <mode> <location> <org>');

const directory = mkdtempSync(join(tmpdir(), 'auditkit-bench-export-'));
const out = createWriteStream(join(directory, 'export.csv'));
const write = async (chunk: string) => {
  if (!out.write(chunk)) await once(out, 'drain');
};
const source = await openExportSource(adapter, mode, location);
const started = performance.now();
const rows = await source.run(organizationId, write);
out.end();
await once(out, 'close');
const seconds = (performance.now() - started) / 1000;
await source.close();
rmSync(directory, { recursive: true, force: true });
process.stdout.write(
  `${JSON.stringify({ rows, seconds, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
);
