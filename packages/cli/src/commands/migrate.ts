import type { Command } from 'commander';
import { printJson, withAuditLog } from '../command-context.js';

/** `auditkit migrate`: creates or upgrades AuditKit's tables, collections and indexes. */
export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description(
      "create or upgrade AuditKit's tables/collections and indexes (idempotent; safe to run concurrently)",
    )
    .addHelpText('after', '\nExample:\n  $ auditkit migrate --url postgres://app@db.internal/audit')
    .action(async (_options: unknown, command: Command) => {
      await withAuditLog(command, { create: true }, async (_auditLog, globals) => {
        if (globals.json) printJson({ migrated: true });
        else if (!globals.quiet) process.stdout.write('migrated: the database is ready\n');
      });
    });
}
