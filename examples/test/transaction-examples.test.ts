import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');

// Sequential: each script builds the packages first, and two builds must not write dist/ at once.
describe('transaction examples', { concurrent: false }, () => {
  for (const script of ['example:sqlite-transaction', 'example:postgres-transaction']) {
    it(`pnpm ${script} commits the change with its event, rolls both back, and frees the key`, async () => {
      const { stdout } = await run('pnpm', ['--silent', script], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
      expect(stdout).toMatch(/^committed: plan is pro; audit event audit_log_event_\w+ recorded$/m);
      expect(stdout).toContain('rolled back (card declined): plan is still pro\n');
      expect(stdout).toContain('audit events for the rolled-back change: 0\n');
      expect(stdout).toContain('retried request: plan is enterprise; replayed: false\n');
      expect(stdout).toContain('outside a transaction: invalid_request\n');
    });
  }
});
