import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditLog } from '../audit-log.js';
import type { AuditLogEvent } from '../event-model.js';
import type { ConformanceContext } from './context.js';
import { countEvents, ORG_A, ORG_B, signInEvent } from './fixtures.js';

/** Strings that mean something to SQL engines, MongoDB or CSV consumers. */
export const INJECTION_PAYLOADS = [
  "'; DROP TABLE auditkit_events; --",
  "' OR '1'='1",
  'Robert"); DELETE FROM auditkit_schemas; --',
  '{ "$gt": "" }',
  '$where',
  '$ne',
  'this.password.match(/.*/)',
  '%',
  '_',
  '\\',
  "\\'; SELECT pg_sleep(10); --",
];

const WHOLE_RANGE = { rangeStart: new Date('2000-01-01'), rangeEnd: new Date('2100-01-01') };

async function readEverything(log: AuditLog, filters: Record<string, unknown>) {
  const listed: AuditLogEvent[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await log.listEvents({
      ...(filters as { organizationId: string }),
      limit: 37,
      ...(after ? { after } : {}),
    });
    listed.push(...page.data);
    if (!page.listMetadata.after) break;
    after = page.listMetadata.after;
  }
  let exported = '';
  for await (const chunk of log.exportEvents(
    { ...WHOLE_RANGE, ...(filters as { organizationId: string }) },
    { format: 'ndjson' },
  )) {
    exported += chunk;
  }
  return {
    listed,
    exported: exported
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { organizationId: string; id: string }),
  };
}

export function isolationCases(context: ConformanceContext): void {
  describe('injection and tenant isolation', () => {
    it('stores SQL and MongoDB operator payloads verbatim and filters match them only literally', async () => {
      const log = await context.open({ requireSchemas: false });
      for (const [i, payload] of INJECTION_PAYLOADS.entries()) {
        await log.createEvent(
          ORG_A,
          signInEvent({
            action: payload,
            occurredAt: new Date(Date.UTC(2024, 0, 1, 0, i)),
            actor: { type: payload, id: payload, name: payload, metadata: { note: payload } },
            targets: [{ type: payload, id: payload, name: payload }],
            context: { location: payload, userAgent: payload },
            metadata: { payload },
          }),
          { idempotencyKey: payload },
        );
      }
      expect(await countEvents(log, ORG_A)).toBe(INJECTION_PAYLOADS.length);
      for (const payload of INJECTION_PAYLOADS) {
        for (const filter of [
          { actions: [payload] },
          { actorIds: [payload] },
          { actorNames: [payload] },
          { targets: [payload] },
        ]) {
          const { listed, exported } = await readEverything(log, { organizationId: ORG_A, ...filter });
          expect(
            listed.map((event) => event.action),
            `${JSON.stringify(filter)}`,
          ).toEqual([payload]);
          expect(exported).toHaveLength(1);
          const [event] = listed;
          expect(event).toMatchObject({
            action: payload,
            actor: { type: payload, id: payload, name: payload, metadata: { note: payload } },
            targets: [{ type: payload, id: payload, name: payload }],
            context: { location: payload, userAgent: payload },
            metadata: { payload },
          });
        }
      }
      // An organization id that looks like an operator matches nothing else.
      expect(await countEvents(log, '{ "$gt": "" }')).toBe(0);
      expect(await countEvents(log, "' OR '1'='1")).toBe(0);
    });

    it('never returns or exports another organization’s events for randomized filters', async () => {
      const log = await context.open({ requireSchemas: false });
      const organizations = [ORG_A, ORG_B, 'org_c'];
      const values = ['a', 'b', 'c'];
      for (const [o, organizationId] of organizations.entries()) {
        await log.createEvents(
          organizationId,
          Array.from({ length: 30 }, (_, i) =>
            signInEvent({
              action: `action.${values[i % 3]}`,
              occurredAt: new Date(Date.UTC(2024, 0, 1, o, i)),
              actor: {
                type: 'user',
                id: `actor_${values[(i + 1) % 3]}`,
                name: `Name ${values[(i + 2) % 3]}`,
              },
              targets: [{ type: `type_${values[i % 3]}`, id: `t${i}` }],
            }),
          ),
        );
      }
      const list = fc.option(fc.subarray(values, { minLength: 1 }), { nil: undefined });
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...organizations),
          list,
          list,
          list,
          list,
          async (organizationId, actions, actors, names, targets) => {
            const filters = {
              organizationId,
              ...(actions ? { actions: actions.map((v) => `action.${v}`) } : {}),
              ...(actors ? { actorIds: actors.map((v) => `actor_${v}`) } : {}),
              ...(names ? { actorNames: names.map((v) => `Name ${v}`) } : {}),
              ...(targets ? { targets: targets.map((v) => `type_${v}`) } : {}),
            };
            const { listed, exported } = await readEverything(log, filters);
            expect(listed.every((event) => event.organizationId === organizationId)).toBe(true);
            expect(exported.every((event) => event.organizationId === organizationId)).toBe(true);
            expect(exported.map((event) => event.id)).toEqual([...listed].reverse().map((event) => event.id));
          },
        ),
        { numRuns: 40 },
      );
    });
  });
}
