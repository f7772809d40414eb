import { CliError } from './cli-error.js';

/** Where the command's audit log lives, parsed from `--url` or `AUDITKIT_DATABASE_URL`. */
export type DatabaseTarget =
  | { kind: 'sqlite'; filename: string }
  | { kind: 'postgres'; url: string }
  | { kind: 'mongodb'; url: string; dbName: string };

/** The MongoDB database used when the URL names none. */
export const DEFAULT_MONGO_DATABASE = 'auditkit';

const SUPPORTED = 'use sqlite:PATH (or a file path), postgres://… or mongodb://…';

/**
 * Parses a database URL: `sqlite:./audit.db` or a plain path, `postgres://` / `postgresql://`,
 * `mongodb://` / `mongodb+srv://` (the path names the database, default `auditkit`).
 *
 * @example
 * ```ts
 * parseDatabaseUrl('sqlite:./audit.db'); // { kind: 'sqlite', filename: './audit.db' }
 * ```
 */
export function parseDatabaseUrl(text: string): DatabaseTarget {
  const value = text.trim();
  if (value === '') throw new CliError('usage', `the database URL is empty; ${SUPPORTED}`);
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1]?.toLowerCase();
  if (scheme === 'sqlite') {
    const filename = value.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (filename === '') throw new CliError('usage', `"${value}" names no file; write sqlite:./audit.db`);
    return { kind: 'sqlite', filename };
  }
  if (scheme === 'postgres' || scheme === 'postgresql') {
    checkParsable(value);
    return { kind: 'postgres', url: value };
  }
  if (scheme === 'mongodb' || scheme === 'mongodb+srv') {
    const url = checkParsable(value);
    const dbName = decodeURIComponent(url.pathname.replace(/^\//, '')) || DEFAULT_MONGO_DATABASE;
    return { kind: 'mongodb', url: value, dbName };
  }
  // A scheme of one letter is a Windows drive; anything else with "://" is a URL we do not speak.
  if (scheme !== undefined && scheme.length > 1 && value.includes('://')) {
    throw new CliError(
      'usage',
      `unsupported database URL scheme "${scheme}:" in ${redact(value)}; ${SUPPORTED}`,
    );
  }
  return { kind: 'sqlite', filename: value };
}

function checkParsable(value: string): URL {
  try {
    return new URL(value);
  } catch {
    throw new CliError('usage', `"${redact(value)}" is not a valid URL; ${SUPPORTED}`);
  }
}

/**
 * The URL without its password, for messages.
 *
 * @example
 * ```ts
 * redact('postgres://app:secret@db/audit'); // 'postgres://app:***@db/audit'
 * ```
 */
export function redact(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}
