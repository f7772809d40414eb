import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');

/** Runs a root script as the README tells a reader to (`pnpm example:postgres`), returning what it printed. */
async function rootScript(name: string): Promise<string> {
  const { stdout } = await run('pnpm', ['--silent', name], {
    cwd: root,
    maxBuffer: 16 * 1024 * 1024,
    // DATABASE_URL / MONGODB_URL, when the test run has them, point the examples at those servers
    // too; otherwise the scripts start the local PostgreSQL and a FerretDB of their own.
  });
  return stdout;
}

/** The scenario's closing summary line, as its parts. */
function summaryOf(stdout: string) {
  const match =
    /^summary: example event (audit_log_event_\w+); replay deduplicated: (\w+); conflict rejected: (\w+); invalid event rejected: (\w+); batch events: (\d+); export rows for (org_\w+): (\d+)$/m.exec(
      stdout,
    );
  expect(match, `no summary line in:\n${stdout}`).not.toBeNull();
  const [, eventId, replayed, conflict, invalid, batch, organization, rows] = match ?? [];
  return { eventId, replayed, conflict, invalid, batch: Number(batch), organization, rows: Number(rows) };
}

// Sequential: each script builds the packages first, and two builds must not write dist/ at once.
describe('example root scripts', { concurrent: false }, () => {
  for (const script of ['example', 'example:postgres', 'example:mongo']) {
    it(`pnpm ${script} prints the scenario summary`, async () => {
      const stdout = await rootScript(script);
      const summary = summaryOf(stdout);
      expect(stdout).toContain(`created ${summary.eventId} (user.signed_in`);
      expect(summary).toMatchObject({ replayed: 'true', conflict: 'true', invalid: 'true', batch: 3000 });
      // The example event and the two 500-event batches of that organization; more when the
      // database kept an earlier run's events from the last 31 days.
      expect(summary.rows).toBeGreaterThanOrEqual(1001);
    });
  }

  it('pnpm example:http serves the API and drives it with the WorkOS SDK', async () => {
    const stdout = await rootScript('example:http');
    expect(stdout).toMatch(/^AuditKit HTTP API listening on http:\/\/127\.0\.0\.1:\d+$/m);
    expect(stdout).toMatch(
      /^Audit log viewer for org_01EXAMPLEVIEWER00000000000 \(valid for an hour\): http:\/\/127\.0\.0\.1:\d+\/viewer\/\?token=[\w-]+\.[\w-]+$/m,
    );
    expect(stdout).toMatch(/^schema user\.signed_in is at version \d+$/m);
    expect(stdout).toMatch(/^sent the event twice with idempotency key signin-\d+$/m);
    expect(stdout).toContain('events stored at that instant: 1\n');
    expect(stdout).toMatch(
      /^export is ready: http:\/\/127\.0\.0\.1:\d+\/audit_logs\/exports\/audit_log_export_\w+\/download/m,
    );
    // At least this run's event; the example's database file keeps earlier runs' (same day) too.
    const rows = /^downloaded \d+ bytes: (\d+) event rows plus the header$/m.exec(stdout)?.[1];
    expect(Number(rows)).toBeGreaterThanOrEqual(1);
  });
});
