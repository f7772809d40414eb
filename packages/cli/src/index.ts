export { CliError, describeError } from './cli-error.js';
export { type DatabaseTarget, parseDatabaseUrl, redact } from './database-url.js';
export { EXIT_CODES, type ExitCode } from './exit-codes.js';
export { buildProgram, runCli } from './program.js';
