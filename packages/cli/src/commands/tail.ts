import { setTimeout as sleep } from 'node:timers/promises';
import type { AuditLog, AuditLogEvent, ListEventsOptions } from '@auditkit/core';
import { compareEventPositions, type EventPosition } from '@auditkit/core/store';
import type { Command } from 'commander';
import { collect, parsePositiveInteger, withAuditLog } from '../command-context.js';

interface TailOptions {
  organization: string;
  lines: number;
  interval: number;
  action?: string[];
}

/** `auditkit tail`: prints an organization's new events as they are written, like `tail -f`. */
export function registerTail(program: Command): void {
  program
    .command('tail')
    .description("follow an organization's events as they are written, like tail -f (Ctrl-C stops)")
    .requiredOption('-o, --organization <id>', 'the organization to follow')
    .option('-n, --lines <n>', 'show this many recent events first', parsePositiveInteger('--lines', 0), 10)
    .option(
      '--interval <ms>',
      'how often to poll for new events',
      parsePositiveInteger('--interval', 50),
      1000,
    )
    .option('--action <action>', 'only this action (repeatable)', collect)
    .addHelpText(
      'after',
      `
Events are followed in occurredAt order by polling listEvents: an event written later with an
occurredAt before the last one shown is not printed. --json prints one JSON event per line.

Example:
  $ auditkit tail --url sqlite:./audit.db -o org_123 -n 0 --action user.signed_in`,
    )
    .action(async (options: TailOptions, command: Command) => {
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        await withAuditLog(command, { create: false }, async (auditLog, globals) => {
          const print = (event: AuditLogEvent) =>
            process.stdout.write(`${globals.json ? JSON.stringify(event) : formatEvent(event)}\n`);
          const filter = {
            organizationId: options.organization,
            ...(options.action ? { actions: options.action } : {}),
          };
          const recent = await auditLog.listEvents({
            ...filter,
            order: 'desc',
            limit: Math.max(1, options.lines),
          });
          const newestFirst = recent.data;
          for (const event of newestFirst.slice(0, options.lines).reverse()) print(event);
          let position: EventPosition | undefined = newestFirst[0];
          if (!globals.quiet) {
            process.stderr.write(
              `following ${options.organization}${newestFirst.length === 0 ? ' (no events yet)' : ''}; Ctrl-C stops\n`,
            );
          }
          while (!stop.signal.aborted) {
            position = await printNewEvents(auditLog, filter, position, print);
            await sleep(options.interval, undefined, { signal: stop.signal }).catch(() => undefined);
          }
        });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}

/**
 * Prints the events after `position` in `(occurredAt, id)` order and returns the new position.
 * Reads from `position`'s time on (inclusive) and skips what was shown, so events sharing its
 * millisecond are neither repeated nor lost.
 */
async function printNewEvents(
  auditLog: AuditLog,
  filter: Pick<ListEventsOptions, 'organizationId' | 'actions'>,
  position: EventPosition | undefined,
  print: (event: AuditLogEvent) => void,
): Promise<EventPosition | undefined> {
  let after: string | undefined;
  let last = position;
  for (;;) {
    const page = await auditLog.listEvents({
      ...filter,
      order: 'asc',
      limit: 100,
      ...(position ? { rangeStart: position.occurredAt } : {}),
      ...(after ? { after } : {}),
    });
    for (const event of page.data) {
      if (position && compareEventPositions(event, position) <= 0) continue;
      print(event);
      last = event;
    }
    if (!page.listMetadata.after) return last && { occurredAt: last.occurredAt, id: last.id };
    after = page.listMetadata.after;
  }
}

/** One event on one line: time, action, actor, targets, id. */
export function formatEvent(event: AuditLogEvent): string {
  const actor = `${event.actor.type}:${event.actor.id}${event.actor.name ? ` (${event.actor.name})` : ''}`;
  const targets = event.targets.map((target) => `${target.type}:${target.id}`).join(',');
  return `${event.occurredAt.toISOString()}  ${event.action}  actor=${actor}  targets=${targets}  id=${event.id}`;
}
