import type { EventFilter, EventPosition } from './store.js';

/**
 * Orders events by `occurredAt`, then `id` (compared as code units) — the order of every read and
 * export, which every store must follow.
 *
 * @example
 * ```ts
 * import { compareEventPositions } from '@auditkit/core/store';
 *
 * events.sort(compareEventPositions);
 * ```
 */
export function compareEventPositions(a: EventPosition, b: EventPosition): number {
  const byTime = a.occurredAt.getTime() - b.occurredAt.getTime();
  if (byTime !== 0) return byTime;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * `true` when an event passes every filter (OR within a list, AND across lists), for stores that
 * filter in memory.
 *
 * @example
 * ```ts
 * import { matchesFilter } from '@auditkit/core/store';
 *
 * const page = events.filter((event) => matchesFilter(event, query));
 * ```
 */
export function matchesFilter(
  event: EventPosition & {
    organizationId: string;
    action: string;
    actor: { id: string; name?: string };
    targets: { type: string }[];
  },
  filter: EventFilter,
): boolean {
  const time = event.occurredAt.getTime();
  return (
    event.organizationId === filter.organizationId &&
    (filter.rangeStart === undefined || time >= filter.rangeStart.getTime()) &&
    (filter.rangeEnd === undefined || time < filter.rangeEnd.getTime()) &&
    (filter.actions === undefined || filter.actions.includes(event.action)) &&
    (filter.actorIds === undefined || filter.actorIds.includes(event.actor.id)) &&
    (filter.actorNames === undefined ||
      (event.actor.name !== undefined && filter.actorNames.includes(event.actor.name))) &&
    (filter.targets === undefined || event.targets.some((target) => filter.targets?.includes(target.type)))
  );
}
