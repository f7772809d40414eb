import { expect, it } from 'vitest';
import { abortsAtExit } from '../src/exit-abort-check.js';

// Measured (docs/reliability.md): better-sqlite3 12.11.1 on Node 24.21.0 aborts at exit with
// "Assertion failed: (env) != nullptr"; on Node 24.22.3, or with better-sqlite3 13.2.0, it does not.
it('knows which Node and better-sqlite3 versions abort at process exit', () => {
  expect(abortsAtExit('24.21.0', '12.11.1')).toBe(true);
  expect(abortsAtExit('24.19.0', '12.6.2')).toBe(true);
  expect(abortsAtExit('24.21.3', '11.10.0')).toBe(true);
  expect(abortsAtExit('24.22.0', '12.11.1')).toBe(false);
  expect(abortsAtExit('24.18.0', '12.11.1')).toBe(false);
  expect(abortsAtExit('24.21.0', '13.2.0')).toBe(false);
  expect(abortsAtExit('20.20.2', '12.11.1')).toBe(false);
  expect(abortsAtExit('26.0.0', '12.11.1')).toBe(false);
});
