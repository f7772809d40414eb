import { createRequire } from 'node:module';

/**
 * Whether this Node and better-sqlite3 abort the process when it exits. Node 24.19.0 to 24.21.x
 * register a cleanup hook for every `node::ObjectWrap` object and, at exit, crash with
 * `Assertion failed: (env) != nullptr` in `node::RemoveEnvironmentCleanupHook` when such an
 * object is destroyed after the environment (nodejs/node#63642; fixed in 24.22.0 by #63985).
 * better-sqlite3 up to 12 builds its statements on `ObjectWrap`, and closing the database does
 * not help: the statement objects outlive it. better-sqlite3 13 (Node-API) is not affected.
 *
 * @example
 * ```ts
 * abortsAtExit('24.21.0', '12.11.1'); // true
 * abortsAtExit('24.22.3', '12.11.1'); // false
 * ```
 */
export function abortsAtExit(nodeVersion: string, betterSqlite3Version: string): boolean {
  const [major = 0, minor = 0] = nodeVersion.split('.').map(Number);
  const [driverMajor = 0] = betterSqlite3Version.split('.').map(Number);
  return major === 24 && minor >= 19 && minor <= 21 && driverMajor <= 12;
}

let warned = false;

/**
 * Emits one process warning (code `AUDITKIT_SQLITE_EXIT_ABORT`) when the better-sqlite3 this
 * adapter resolves and the running Node abort at exit (see {@link abortsAtExit}), naming both
 * ways out. AuditKit cannot prevent the abort itself.
 *
 * @example
 * ```ts
 * warnIfAbortsAtExit();
 * ```
 */
export function warnIfAbortsAtExit(): void {
  if (warned) return;
  warned = true;
  let driverVersion: string;
  try {
    const require = createRequire(import.meta.url);
    driverVersion = (require('better-sqlite3/package.json') as { version: string }).version;
  } catch {
    return; // Not resolvable from here: the application passes its own database.
  }
  if (!abortsAtExit(process.versions.node, driverVersion)) return;
  process.emitWarning(
    `Node ${process.versions.node} with better-sqlite3 ${driverVersion} aborts the process when it exits ` +
      '("Assertion failed: (env) != nullptr", a Node bug fixed in 24.22.0). Upgrade Node to 24.22 or ' +
      'later, or better-sqlite3 to 13.',
    { code: 'AUDITKIT_SQLITE_EXIT_ABORT' },
  );
}
