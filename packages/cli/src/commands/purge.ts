import type { PurgeResult } from '@auditkit/core';
import type { Command } from 'commander';
import { parseDateOption, parsePositiveInteger, printJson, withAuditLog } from '../command-context.js';
import { startProgress } from '../progress.js';

interface PurgeOptions {
  dryRun?: boolean;
  now?: Date;
  batchSize: number;
}

/** `auditkit purge`: deletes events older than their organization's retention period. */
export function registerPurge(program: Command): void {
  program
    .command('purge')
    .description(
      "delete events older than their organization's retention period (organizations without one keep everything)",
    )
    .option('--dry-run', 'count what would be deleted, per organization, and delete nothing')
    .option('--now <date>', 'measure retention from this time instead of now', parseDateOption('--now'))
    .option(
      '--batch-size <n>',
      'most events deleted per statement',
      parsePositiveInteger('--batch-size'),
      1000,
    )
    .addHelpText(
      'after',
      `
Retention periods are set by the application (auditLog.setRetention). Meant for a cron job.

Example:
  $ auditkit purge --url "$AUDITKIT_DATABASE_URL" --dry-run
  $ auditkit purge --url "$AUDITKIT_DATABASE_URL" --json`,
    )
    .action(async (options: PurgeOptions, command: Command) => {
      await withAuditLog(command, { create: false }, async (auditLog, globals) => {
        const now = options.now ?? new Date();
        // Counted first either way: the dry run's answer, and the progress bar's total.
        const expected = await auditLog.purgeExpiredEvents({ now, dryRun: true });
        if (options.dryRun) {
          report(expected, globals.json, globals.quiet);
          return;
        }
        const progress = startProgress(process.stderr, {
          label: 'purge',
          total: expected.deleted,
          intervalSeconds: globals.progressInterval,
          quiet: globals.quiet || globals.json || expected.deleted === 0,
        });
        const started = Date.now();
        const result = await auditLog.purgeExpiredEvents({
          now,
          batchSize: options.batchSize,
          onProgress: (deleted) => progress.update(deleted),
        });
        progress.finish(`purged ${result.deleted} events in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        report(result, globals.json, true);
      });
    });
}

function report(result: PurgeResult, json: boolean, quiet: boolean): void {
  if (json) {
    printJson({
      dryRun: result.dryRun,
      deleted: result.deleted,
      organizations: result.organizations.map(({ organizationId, deleted, cutoff }) => ({
        organizationId,
        deleted,
        cutoff: cutoff.toISOString(),
      })),
    });
    return;
  }
  if (quiet) return;
  const verb = result.dryRun ? 'would delete' : 'deleted';
  for (const { organizationId, deleted, cutoff } of result.organizations) {
    process.stdout.write(`${organizationId}: ${verb} ${deleted} events older than ${cutoff.toISOString()}\n`);
  }
  process.stdout.write(
    `${result.dryRun ? 'dry run: would delete' : 'deleted'} ${result.deleted} events in all${
      result.dryRun ? ' (nothing was deleted)' : ''
    }\n`,
  );
}
