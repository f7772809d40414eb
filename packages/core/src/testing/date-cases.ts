import { describe, expect, it } from 'vitest';
import type { AuditLog } from '../audit-log.js';
import type { ConformanceContext } from './context.js';
import { expectAuditKitError, expectErrorAt } from './expect-error.js';
import { declareSchemas, ORG_A, signInEvent } from './fixtures.js';

/** Dates `Date` would roll over into the next month or day instead of rejecting. */
const CALENDAR_INVALID = [
  '2024-02-30T00:00:00Z',
  '2023-02-29T00:00:00Z',
  '1900-02-29T12:00:00Z',
  '2024-04-31T00:00:00Z',
  '2024-06-31',
  '2024-01-01T24:00:00Z',
];

/**
 * Times that move when a driver sends a `Date` in local time: historic offsets with seconds
 * (Amsterdam was +00:19:32 until 1937), zone changes, year 0000 (1 BC) and the range ends.
 */
const EDGE_TIMES = [
  '1800-06-15T08:09:10.011Z',
  '0000-01-01T00:00:00.000Z',
  '0000-03-01T12:34:56.789Z',
  '0099-12-31T23:59:59.999Z',
  '1883-11-18T16:59:59.999Z',
  '1937-06-30T22:40:27.123Z',
  '1970-01-01T00:00:00.000Z',
  '2024-02-29T01:02:03.004Z',
  '9999-12-31T23:59:59.998Z',
];

/** Zones whose historic offsets are not whole minutes, or that are far from UTC. */
const TIME_ZONES = ['Europe/Amsterdam', 'America/New_York', 'Asia/Kathmandu'];

/** Runs `body` with the process in time zone `zone` (Node re-reads `TZ` when it is assigned). */
async function inTimeZone<T>(zone: string, body: () => Promise<T>): Promise<T> {
  const previous = process.env.TZ;
  process.env.TZ = zone;
  try {
    return await body();
  } finally {
    if (previous === undefined) delete process.env.TZ;
    else process.env.TZ = previous;
  }
}

async function readBackEveryWay(log: AuditLog, at: Date) {
  const rangeEnd = new Date(at.getTime() + 1);
  const listed = await log.listEvents({ organizationId: ORG_A, rangeStart: at, rangeEnd, limit: 10 });
  let exported = '';
  for await (const chunk of log.exportEvents(
    { organizationId: ORG_A, rangeStart: at, rangeEnd },
    { format: 'ndjson' },
  ))
    exported += chunk;
  return { listed: listed.data, exported: exported.split('\n').filter(Boolean) };
}

export function dateCases(context: ConformanceContext): void {
  describe('dates', () => {
    it('rejects calendar-invalid dates (Feb 30, Feb 29 of a common year, Apr 31, 24:00) naming the path', async () => {
      const log = await context.open();
      await declareSchemas(log);
      for (const occurredAt of CALENDAR_INVALID) {
        const error = await expectAuditKitError(
          log.createEvent(ORG_A, signInEvent({ occurredAt })),
          'invalid_audit_log_event',
        );
        expectErrorAt(error, 'occurredAt');
        const range = await expectAuditKitError(
          log.listEvents({ organizationId: ORG_A, rangeStart: occurredAt }),
          'invalid_export_range',
        );
        expectErrorAt(range, 'rangeStart');
        const exportRange = await expectAuditKitError(
          log.createExport({ organizationId: ORG_A, rangeStart: '2000-01-01', rangeEnd: occurredAt }),
          'invalid_export_range',
        );
        expectErrorAt(exportRange, 'rangeEnd');
      }
      const leapDay = await log.createEvent(ORG_A, signInEvent({ occurredAt: '2024-02-29T00:00:00Z' }));
      expect(leapDay.occurredAt.toISOString()).toBe('2024-02-29T00:00:00.000Z');
      const [stored] = (await log.listEvents({ organizationId: ORG_A })).data;
      expect(stored?.occurredAt.toISOString()).toBe('2024-02-29T00:00:00.000Z');
    });

    for (const zone of TIME_ZONES) {
      it(`stores and filters every edge time exactly as given with the process in ${zone}`, async () => {
        await inTimeZone(zone, async () => {
          const log = await context.open();
          await declareSchemas(log);
          for (const [index, text] of EDGE_TIMES.entries()) {
            const at = new Date(text);
            await log.createEvent(ORG_A, signInEvent({ occurredAt: at, metadata: { index } }));
            const { listed, exported } = await readBackEveryWay(log, at);
            expect(
              listed.map((event) => event.occurredAt.toISOString()),
              `${text} read back through an exact range`,
            ).toEqual([text]);
            expect(exported.map((line) => (JSON.parse(line) as { occurredAt: string }).occurredAt)).toEqual([
              text,
            ]);
          }
          // Keyset paging passes each event's time back to the store through the cursor.
          const seen: string[] = [];
          let after: string | undefined;
          for (;;) {
            const page = await log.listEvents({
              organizationId: ORG_A,
              order: 'asc',
              limit: 2,
              ...(after ? { after } : {}),
            });
            seen.push(...page.data.map((event) => event.occurredAt.toISOString()));
            if (!page.listMetadata.after) break;
            after = page.listMetadata.after;
          }
          expect(seen).toEqual([...EDGE_TIMES].sort());
        });
      });
    }
  });
}
