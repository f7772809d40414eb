import { createRequire } from 'node:module';
import { Command, CommanderError, Option } from 'commander';
import { CliError, describeError, exitCodeOf } from './cli-error.js';
import { DATABASE_URL_VARIABLE } from './command-context.js';
import { registerExport } from './commands/export.js';
import { registerMigrate } from './commands/migrate.js';
import { registerPurge } from './commands/purge.js';
import { registerSchemas } from './commands/schemas.js';
import { registerStats } from './commands/stats.js';
import { registerTail } from './commands/tail.js';
import { registerVerify } from './commands/verify.js';
import { EXIT_CODES, type ExitCode } from './exit-codes.js';

// Both src/ (tests) and dist/ (the binary) sit one level below package.json.
const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

const GENERAL_HELP = `
Database URLs (--url, or the ${DATABASE_URL_VARIABLE} environment variable):
  sqlite:./audit.db (or a plain file path), postgres://user:pass@host:5432/db,
  mongodb://host:27017/db (database "auditkit" when the URL names none)

Exit codes:
  0  ok
  1  failure: database unreachable or failing, unknown organization, bad or rejected schema file
  2  usage: unknown command or option, missing or invalid argument, unsupported database URL
  3  verification failed: \`auditkit verify\` or \`verify-export\` found tampering

Errors are one line on stderr; --debug adds the stack trace and causes.

Example:
  $ export ${DATABASE_URL_VARIABLE}=postgres://app@db.internal/audit
  $ auditkit stats`;

/**
 * The `auditkit` program: every command, its options and help. `run` parses and executes.
 *
 * @example
 * ```ts
 * import { runCli } from '@auditkit/cli';
 *
 * process.exitCode = await runCli(['stats', '--url', 'sqlite:./audit.db']);
 * ```
 */
export function buildProgram(): Command {
  const program = new Command('auditkit')
    .description('Operate an AuditKit audit log: migrate, schemas, export, purge, stats, tail, verify.')
    .addOption(new Option('--url <url>', `the database (default: $${DATABASE_URL_VARIABLE})`))
    .option('--json', 'print results as JSON for scripts (no progress display)')
    .option('-q, --quiet', 'print no progress or summary lines')
    .option('--debug', 'on errors, print the stack trace and causes')
    .addOption(
      new Option(
        '--progress-interval <seconds>',
        'seconds between progress lines when stderr is not a terminal',
      )
        .default(5)
        .argParser((value) => {
          const seconds = Number(value);
          if (!(seconds > 0))
            throw new CliError('usage', `--progress-interval "${value}" must be a number of seconds above 0`);
          return seconds;
        }),
    )
    .version(version, '-V, --version', 'print the version')
    .showSuggestionAfterError(true)
    .addHelpText('after', GENERAL_HELP);
  registerMigrate(program);
  registerSchemas(program);
  registerExport(program);
  registerPurge(program);
  registerStats(program);
  registerTail(program);
  registerVerify(program);
  // Every command (and `schemas` subcommand) reports usage errors through us, not process.exit.
  const configure = (command: Command) => {
    command.exitOverride().configureOutput({
      outputError: (text, write) =>
        write(
          `auditkit: ${text
            .replace(/^error: /, '')
            .trim()
            .replace(/\s*\n\s*/g, ' ')}\n`,
        ),
    });
    command.commands.forEach(configure);
  };
  configure(program);
  return program;
}

/**
 * Runs the command line with `argv` (without `node` and the script) and returns the exit code.
 * Errors are printed as one line on stderr, with the stack under `--debug`.
 *
 * @example
 * ```ts
 * const code = await runCli(['purge', '--dry-run', '--url', 'sqlite:./audit.db']);
 * ```
 */
export async function runCli(argv: readonly string[]): Promise<ExitCode> {
  const program = buildProgram();
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return EXIT_CODES.usage;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_CODES.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander printed its one-line message (or the help/version) already. `--help` and
      // `--version` succeed; help shown because a subcommand is missing is a usage error.
      const asked = error.code === 'commander.helpDisplayed' || error.code === 'commander.version';
      return asked || error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
    }
    const debug = argv.includes('--debug');
    process.stderr.write(`auditkit: ${describeError(error)}\n`);
    if (debug) process.stderr.write(`${debugDetails(error)}\n`);
    return exitCodeOf(error);
  }
}

function debugDetails(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  while (current instanceof Error) {
    parts.push(current.stack ?? String(current));
    current = current.cause;
    if (current !== undefined) parts.push('caused by:');
  }
  if (current !== undefined && !(current instanceof Error)) parts.push(String(current));
  return parts.join('\n');
}
