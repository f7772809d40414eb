import { postgresStore } from '@auditkit/adapter-postgres';
import { type AuditLog, createAuditLog } from '@auditkit/core';
import { declareSchemas, manyEvents } from '@auditkit/core/testing';
import pg from 'pg';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { recordingPool } from './recording-pool.js';

// EXPLAINs the very statements the store sends, on ~100k events, to show which index serves them.

const ORGANIZATIONS = 20;
const EVENTS_PER_ORGANIZATION = 5000;
const ORG = 'org_7';

interface Statement {
  sql: string;
  parameters: readonly unknown[];
}
const statements: Statement[] = [];
const pool = new pg.Pool({ connectionString: inject('postgresUrl'), max: 4 });

const recording = recordingPool(pool, (sql, parameters) => statements.push({ sql, parameters }));

let auditLog: AuditLog;

beforeAll(async () => {
  // Exports read pages of 500, so a day's export (1,440 events) takes several keyset pages.
  auditLog = await createAuditLog({
    store: postgresStore({ pool: recording, schema: 'plans' }),
    exportPageSize: 500,
  });
  await declareSchemas(auditLog);
  await auditLog.createSchema({ action: 'invoice.paid', targets: [{ type: 'invoice' }] });
  const events = manyEvents(EVENTS_PER_ORGANIZATION, Date.parse('2024-01-01T00:00:00.000Z'));
  // A rare target type: 1 event in 100.
  for (let i = 0; i < events.length; i += 100)
    events[i] = {
      ...events[i],
      action: 'invoice.paid',
      targets: [{ type: 'invoice', id: `invoice_${i}` }],
    } as (typeof events)[number];
  for (let i = 0; i < events.length; i += 1000)
    await auditLog.createEvents('org_0', events.slice(i, i + 1000));
  // The other organizations get copies of org_0's rows: the planner needs the volume, and
  // copying in SQL takes a fraction of the time of validating 95,000 more events.
  await pool.query(
    `insert into plans.auditkit_events
     select id || '_' || n, 'org_' || n, idempotency_key, fingerprint, action, version, occurred_at, received_at,
            actor_type, actor_id, actor_name, actor_metadata, targets, target_types, context_location,
            context_user_agent, metadata, position, hash, previous_hash
     from plans.auditkit_events cross join generate_series(1, $1::int - 1) as n`,
    [ORGANIZATIONS],
  );
  await pool.query('analyze plans.auditkit_events');
});

afterAll(async () => {
  await auditLog.close();
  await pool.end();
});

/** The plan of the last event read the store sent. */
async function planOfLastRead(): Promise<string> {
  const read = statements.findLast((statement) =>
    /^select .* from "plans"\."auditkit_events"/.test(statement.sql),
  );
  if (!read) throw new Error('no event read was recorded');
  const { rows } = await pool.query<{ 'QUERY PLAN': string }>(
    `explain (analyze, costs off, timing off, summary off) ${read.sql}`,
    [...read.parameters],
  );
  const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
  if (process.env.AUDITKIT_SHOW_PLANS)
    console.log(`${read.sql}\n${JSON.stringify(read.parameters)}\n${plan}`);
  return plan;
}

it('has the ~100k events to plan against', async () => {
  const { rows } = await pool.query('select count(*)::int as events from plans.auditkit_events');
  expect(rows).toEqual([{ events: ORGANIZATIONS * EVENTS_PER_ORGANIZATION }]);
});

const oneDay = { organizationId: ORG, rangeStart: new Date('2024-01-02'), rangeEnd: new Date('2024-01-03') };

it('serves an export keyset page (organization + range, oldest first) from the (organization_id, occurred_at, id) index', async () => {
  let lines = 0;
  for await (const chunk of auditLog.exportEvents(oneDay, { format: 'ndjson' }))
    lines += chunk.split('\n').length - 1;
  expect(lines).toBe(1440);
  const plan = await planOfLastRead();
  expect(plan).toMatch(/^Limit[^\n]*\n\s+-> {2}Index Scan using auditkit_events_org_time on auditkit_events/);
  // Core leaves out the range bound the cursor already implies; every other condition is an index bound.
  expect(plan).toMatch(
    /Index Cond: \(\(organization_id = 'org_7'::text\) AND \(occurred_at < .*\) AND \(ROW\(occurred_at, id\) > ROW\(/,
  );
  expect(plan).not.toMatch(/Sort|Seq Scan|Filter/);
});

it('serves a listEvents page (newest first, after a cursor) by scanning the same index backward', async () => {
  const first = await auditLog.listEvents({ ...oneDay, limit: 100 });
  const after = first.listMetadata.after;
  if (!after) throw new Error('expected a second page');
  await auditLog.listEvents({ ...oneDay, limit: 100, after });
  const plan = await planOfLastRead();
  expect(plan).toMatch(
    /^Limit[^\n]*\n\s+-> {2}Index Scan Backward using auditkit_events_org_time on auditkit_events/,
  );
  expect(plan).toMatch(/Index Cond: .*ROW\(occurred_at, id\) < ROW\(/);
  expect(plan).not.toMatch(/Sort|Seq Scan|Filter/);
});

it('serves a rare target type from the GIN index on target_types', async () => {
  await auditLog.listEvents({
    organizationId: ORG,
    rangeStart: new Date('2024-01-01'),
    rangeEnd: new Date('2025-01-01'),
    targets: ['invoice'],
    limit: 100,
  });
  const plan = await planOfLastRead();
  expect(plan).toMatch(/Bitmap Index Scan on auditkit_events_target_types/);
  expect(plan).toMatch(/target_types && '\{invoice\}'::text\[\]/);
});

it('serves a sequenced read (organization, after a position) from the (organization_id, position) index', async () => {
  const page = await auditLog.readSequencedEvents({ organizationId: ORG, afterPosition: 2500, limit: 500 });
  expect(page.map((sequenced) => sequenced.position)).toEqual(
    Array.from({ length: 500 }, (_, i) => 2501 + i),
  );
  const plan = await planOfLastRead();
  expect(plan).toMatch(/^Limit[^\n]*\n\s+-> {2}Index Scan using auditkit_events_sequence on auditkit_events/);
  expect(plan).toMatch(/Index Cond: \(\(organization_id = 'org_7'::text\) AND \("position" > /);
  expect(plan).not.toMatch(/Sort|Seq Scan|Filter/);
});
