import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { printJson, withAuditLog } from '../command-context.js';
import { formatTable } from '../table.js';

/** `auditkit stats`: events per organization and action, with the oldest and newest. */
export function registerStats(program: Command): void {
  program
    .command('stats')
    .description(
      'count events per organization and action, with the oldest and newest of each (counted by the database)',
    )
    .option('-o, --organization <id>', 'only this organization')
    .addHelpText('after', '\nExample:\n  $ auditkit stats --url sqlite:./audit.db -o org_123 --json')
    .action(async (options: { organization?: string }, command: Command) => {
      await withAuditLog(command, { create: false }, async (auditLog, globals) => {
        const groups = await auditLog.summarizeEvents(
          options.organization === undefined ? {} : { organizationId: options.organization },
        );
        if (options.organization !== undefined && groups.length === 0) {
          throw new CliError(
            'failure',
            `unknown organization "${options.organization}": no events are stored for it`,
          );
        }
        if (globals.json) {
          printJson(
            groups.map((group) => ({
              ...group,
              oldest: group.oldest.toISOString(),
              newest: group.newest.toISOString(),
            })),
          );
          return;
        }
        if (groups.length === 0) {
          if (!globals.quiet) process.stderr.write('no events stored\n');
          return;
        }
        const rows = groups.map((group) => [
          group.organizationId,
          group.action,
          String(group.count),
          group.oldest.toISOString(),
          group.newest.toISOString(),
        ]);
        const total = groups.reduce((sum, group) => sum + group.count, 0);
        const organizations = new Set(groups.map((group) => group.organizationId)).size;
        const actions = new Set(groups.map((group) => group.action)).size;
        process.stdout.write(formatTable(['ORGANIZATION', 'ACTION', 'EVENTS', 'OLDEST', 'NEWEST'], rows));
        process.stdout.write(
          `${plural(total, 'event')}, ${plural(organizations, 'organization')}, ${plural(actions, 'action')}\n`,
        );
      });
    });
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;
