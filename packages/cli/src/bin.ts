#!/usr/bin/env node
// The `auditkit` executable: runs the command line, then exits with its code.
import { runCli } from './program.js';

// `auditkit export | head` closes stdout early: that is the reader's choice, not a failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const code = await runCli(process.argv.slice(2));
process.exitCode = code;
// A driver that keeps a socket or timer alive must not keep a finished command running.
setTimeout(() => process.exit(code), 2000).unref();
