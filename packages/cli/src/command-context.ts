import type { AuditLog, IntegrityOptions } from '@auditkit/core';
import type { Command } from 'commander';
import { CliError } from './cli-error.js';
import { parseDatabaseUrl } from './database-url.js';
import { openAuditLog } from './open-audit-log.js';

/** The options every command accepts (declared on the program). */
export interface GlobalOptions {
  url?: string;
  json: boolean;
  quiet: boolean;
  debug: boolean;
  progressInterval: number;
}

/** The environment variable read when `--url` is not given. */
export const DATABASE_URL_VARIABLE = 'AUDITKIT_DATABASE_URL';

/** The program-wide options as seen from a subcommand. */
export function globalOptions(command: Command): GlobalOptions {
  const options = command.optsWithGlobals<Partial<GlobalOptions>>();
  return {
    ...(options.url === undefined ? {} : { url: options.url }),
    json: options.json === true,
    quiet: options.quiet === true,
    debug: options.debug === true,
    progressInterval: options.progressInterval ?? 5,
  };
}

/**
 * Runs `work` on the audit log the command's URL names, and closes it whatever happens.
 *
 * @example
 * ```ts
 * await withAuditLog(command, { create: false }, (auditLog) => auditLog.summarizeEvents());
 * ```
 */
export async function withAuditLog<T>(
  command: Command,
  options: { create: boolean; integrity?: IntegrityOptions },
  work: (auditLog: AuditLog, globals: GlobalOptions) => Promise<T>,
): Promise<T> {
  const globals = globalOptions(command);
  const url = globals.url ?? process.env[DATABASE_URL_VARIABLE];
  if (url === undefined || url === '') {
    throw new CliError('usage', `no database: pass --url or set ${DATABASE_URL_VARIABLE}`);
  }
  const opened = await openAuditLog(parseDatabaseUrl(url), options);
  try {
    return await work(opened.auditLog, globals);
  } finally {
    await opened.close();
  }
}

/** Writes one JSON document (a line) to stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Parses a date option; a bad one is a usage error naming the option. */
export function parseDateOption(option: string) {
  return (value: string): Date => {
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) {
      throw new CliError(
        'usage',
        `${option} "${value}" is not a date; write e.g. 2024-05-01 or 2024-05-01T12:00:00Z`,
      );
    }
    return date;
  };
}

/** Parses a positive whole number option. */
export function parsePositiveInteger(option: string, minimum = 1) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < minimum) {
      throw new CliError('usage', `${option} "${value}" must be a whole number of at least ${minimum}`);
    }
    return number;
  };
}

/** Collects a repeatable option into a list. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
