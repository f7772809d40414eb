import { isAuditKitError } from '@auditkit/core';
import { EXIT_CODES, type ExitCode } from './exit-codes.js';

/**
 * An error the command line reports as one line and an exit code. Anything else that escapes a
 * command is reported as a failure (exit 1), with its stack only under `--debug`.
 *
 * @example
 * ```ts
 * throw new CliError('usage', 'no database: pass --url or set AUDITKIT_DATABASE_URL');
 * ```
 */
export class CliError extends Error {
  readonly kind: 'usage' | 'failure' | 'verification';

  constructor(kind: 'usage' | 'failure' | 'verification', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.kind = kind;
  }

  get exitCode(): ExitCode {
    if (this.kind === 'verification') return EXIT_CODES.verificationFailed;
    return this.kind === 'usage' ? EXIT_CODES.usage : EXIT_CODES.failure;
  }
}

/** One line saying what went wrong: no stack, no newlines, the first detail of an AuditKitError. */
export function describeError(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  if (isAuditKitError(error)) {
    const detail = error.errors?.[0];
    if (detail && !message.includes(detail.message)) message += ` (${detail.path}: ${detail.message})`;
    const cause = error.cause instanceof Error ? error.cause.message : undefined;
    if (error.code === 'storage_error' && cause && !message.includes(cause)) message += `: ${cause}`;
  }
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

/** The exit code an error ends the command with. */
export function exitCodeOf(error: unknown): ExitCode {
  return error instanceof CliError ? error.exitCode : EXIT_CODES.failure;
}
