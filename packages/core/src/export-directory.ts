import { mkdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditKitError } from './errors.js';

/**
 * The default export directory: one per OS user under the system temp directory, so two users
 * of one machine never share (or fight over) a directory.
 *
 * @example
 * ```ts
 * defaultExportDirectory(); // '/tmp/auditkit-exports-1000' for uid 1000
 * ```
 */
export function defaultExportDirectory(): string {
  const uid = process.getuid?.();
  return join(tmpdir(), uid === undefined ? 'auditkit-exports' : `auditkit-exports-${uid}`);
}

/**
 * Creates the export directory (mode 0700) when it is missing, then refuses one that another
 * user could read from or write into: export files hold a whole organization's audit trail.
 * On POSIX the directory must be owned by this process's user and writable by nobody else
 * (neither group nor others); Windows has no such owner and mode bits, so only the existence of
 * a directory is checked there.
 *
 * @throws `AuditKitError` `unsafe_export_directory` (detail path `exports.directory`) naming the directory
 * and what is wrong with it.
 *
 * @example
 * ```ts
 * await prepareExportDirectory('/var/lib/app/exports'); // ok when owned by us, mode 0700 or 0750
 * ```
 */
export async function prepareExportDirectory(directory: string): Promise<void> {
  // `mode` applies to every directory this call creates; an existing one is left as it is.
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const info = await stat(directory);
  if (!info.isDirectory()) throw unsafe(directory, 'is not a directory');
  const uid = process.getuid?.();
  if (uid === undefined) return;
  if (info.uid !== uid) {
    throw unsafe(
      directory,
      `is owned by uid ${info.uid}, not by this process's user (uid ${uid}); its owner could read, replace or delete export files`,
    );
  }
  const writableBy = [info.mode & 0o020 ? 'its group' : '', info.mode & 0o002 ? 'every user' : ''].filter(
    Boolean,
  );
  if (writableBy.length > 0) {
    throw unsafe(
      directory,
      `is writable by ${writableBy.join(' and ')} (mode ${(info.mode & 0o7777).toString(8)}); other users could replace or delete export files. Use a directory only this user can write, e.g. mode 0700`,
    );
  }
}

function unsafe(directory: string, problem: string): AuditKitError {
  const message = `The export directory ${JSON.stringify(directory)} ${problem}`;
  return new AuditKitError('unsafe_export_directory', message, {
    errors: [{ path: 'exports.directory', code: 'invalid_value', message: problem }],
  });
}
