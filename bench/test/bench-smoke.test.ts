import { fileURLToPath } from 'node:url';
import { runTypeScriptProcess } from '@auditkit/core/testing';
import { expect, it } from 'vitest';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

// The benchmark is not part of the test run; this only proves its code still runs, at tiny counts.
it('runs the benchmark end to end on SQLite (both synchronous settings) with tiny counts and prints the table', async () => {
  const result = await runTypeScriptProcess(main, ['--tiny', '--adapters', 'sqlite,sqlite-normal']);
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout).toMatch(
    /\| sqlite \| batched ingest, 2,000 events \(1,000\/batch\) \| [\d,]+ events\/s/,
  );
  expect(result.stdout).toMatch(/\| sqlite \| CSV export, 2,000 events \| [\d,]+ rows\/s/);
  expect(result.stdout).toMatch(/export peak RSS growth/);
  // Export jobs into S3 (a versitygw of the benchmark's own) against the filesystem storage.
  expect(result.stdout).toMatch(
    /\| sqlite \| export job into S3 \(versitygw\), 2,000 events \| [\d,.]+ rows\/s .*\(export job into the filesystem\)/,
  );
  expect(result.stdout).toMatch(/\| sqlite \| S3 export job peak RSS growth 500 → 2,000 events \|/);
  expect(result.stdout).toMatch(
    /\| sqlite-normal \| single ingest, 50 sequential events \| [\d,]+ events\/s/,
  );
  expect(result.stdout).not.toMatch(/\| sqlite-normal \| CSV export/);
  for (const callers of ['1 caller', '8 callers', '64 callers'])
    expect(result.stdout).toMatch(
      new RegExp(`\\| sqlite \\| concurrent createEvent, ${callers}, 100 events \\| [\\d,.]+ events/s`),
    );
  expect(result.stdout).toMatch(/\| sqlite \| lone createEvent latency p50, group commit on vs off \|/);
}, 300_000);
