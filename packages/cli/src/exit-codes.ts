/**
 * The exit codes of the `auditkit` command, stable for scripts and cron jobs.
 *
 * @example
 * ```ts
 * import { EXIT_CODES } from '@auditkit/cli';
 *
 * if (result.status === EXIT_CODES.usage) console.error('fix the command line');
 * ```
 */
export const EXIT_CODES = Object.freeze({
  /** The command did what it was asked. */
  ok: 0,
  /** The work failed: database unreachable or failing, unknown organization, unreadable or rejected input file. */
  failure: 1,
  /** The command line is wrong: unknown command or option, missing argument, bad value, unsupported URL. */
  usage: 2,
  /** `auditkit verify` / `verify-export`: the log or the export did not verify (tampering found). */
  verificationFailed: 3,
});

/** One of {@link EXIT_CODES}' values. */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];
