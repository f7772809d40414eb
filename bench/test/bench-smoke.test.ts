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
  // Integrity on vs off (kysely-store's benchmark-only unsequenced switch), commit → sealed.
  expect(result.stdout).toMatch(
    /\| sqlite \| integrity on vs off: batched ingest, 2,000 events \(1,000\/batch\) \| [\d,.]+ events\/s .*\(integrity off: unsequenced writes, schema before 0004\)/,
  );
  expect(result.stdout).toMatch(
    /\| sqlite \| per-organization lock: 8 writers into one organization vs one each, integrity on \|/,
  );
  expect(result.stdout).toMatch(
    /\| sqlite \| commit → sealed, p99 \| .* 50 of 50 sealed at the first read after commit \|/,
  );
  // Log stream delivery to a local signed webhook.
  expect(result.stdout).toMatch(
    /\| sqlite \| log stream delivery of a 2,000-event backlog .*\| [\d,.]+ events\/s/,
  );
  expect(result.stdout).toMatch(/\| sqlite \| log stream lag commit → receipt, p99 \| [\d,.]+ ms/);
}, 300_000);
