import type { AuditLog, AuditLogEvent, BatchEventInput, ListEventsOptions } from '@auditkit/core';

export const ORG_A = 'org_01VIEWERACME000000000000';
export const ORG_B = 'org_01VIEWERGLOBEX0000000000';
export const ORG_XSS = 'org_01VIEWERXSS00000000000000';
export const B_MARKER = 'GLOBEX-ONLY';

const ACTIONS = ['user.signed_in', 'document.updated', 'team.member_added', 'billing.plan_changed'];
const ACTORS = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Edsger Dijkstra', 'Barbara Liskov'];
const TARGET_TYPES = ['team', 'document', 'user'];
/** Newest event time; event `i` happened `i` times 37 minutes earlier. */
export const NEWEST = Date.parse('2026-06-30T18:00:00.000Z');

/** `count` events for `organizationId`, varied in action, actor, target types and time. */
export async function seedEvents(
  auditLog: AuditLog,
  organizationId: string,
  count: number,
  marker = '',
): Promise<void> {
  const events: BatchEventInput[] = [];
  for (let i = 0; i < count; i++) {
    const targetType = TARGET_TYPES[i % TARGET_TYPES.length] ?? 'team';
    events.push({
      action: ACTIONS[i % ACTIONS.length] ?? 'user.signed_in',
      occurredAt: new Date(NEWEST - i * 37 * 60_000),
      actor: { type: 'user', id: `user_${i % ACTORS.length}`, name: `${ACTORS[i % ACTORS.length]}${marker}` },
      targets: [
        { type: targetType, id: `${targetType}_${i}`, name: `${targetType} ${i}${marker}` },
        ...(i % 5 === 0 ? [{ type: 'workspace', id: `ws_${i}` }] : []),
      ],
      context: { location: `203.0.113.${i % 250}`, userAgent: `Mozilla/5.0 test-agent ${i}${marker}` },
      metadata: { sequence: i, note: `event number ${i}${marker}` },
    });
  }
  for (let start = 0; start < events.length; start += 100) {
    await auditLog.createEvents(organizationId, events.slice(start, start + 100));
  }
}

/** Every event `listEvents` returns for the options, following cursors to the end. */
export async function listAll(auditLog: AuditLog, options: ListEventsOptions): Promise<AuditLogEvent[]> {
  const all: AuditLogEvent[] = [];
  let after: string | undefined;
  do {
    const page = await auditLog.listEvents({
      ...options,
      limit: 1000,
      ...(after === undefined ? {} : { after }),
    });
    all.push(...page.data);
    after = page.listMetadata.after ?? undefined;
  } while (after !== undefined);
  return all;
}

/** A payload that sets `window.__xss` if it is ever parsed as HTML or run as script. */
export function xssPayload(field: string): string {
  return `<img src=x onerror="window.__xss='${field}'"><script>window.__xss='${field}'</script>"><svg onload="window.__xss='${field}'">`;
}
