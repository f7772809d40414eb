import { type AuditLog, type CreateAuditLogEventInput, isAuditKitError } from '@auditkit/core';

/** What the scenario did, for the example's last lines (and for tests of the examples). */
export interface ScenarioSummary {
  exampleEventId: string;
  replayedSameId: boolean;
  conflictRejected: boolean;
  invalidRejected: boolean;
  batchEvents: number;
  organizations: number;
  exportPath: string;
  exportRows: number;
}

const ORGANIZATION = 'org_01EHWNCE74X7JSDV0X3SZ3KJNY';
const ORGANIZATIONS = [ORGANIZATION, 'org_acme', 'org_globex', 'org_initech', 'org_umbrella'];
const ACTIONS = ['user.signed_in', 'user.signed_out', 'document.shared', 'member.role_changed'] as const;

/**
 * The seed scenario every example runs on its own store: declare schemas, write the SPEC's
 * example event, retry it, provoke a conflict and a validation error, ingest a realistic batch,
 * export one organization to CSV, and print a summary.
 */
export async function runScenario(
  auditLog: AuditLog,
  print: (line: string) => void = console.log,
): Promise<ScenarioSummary> {
  // Declared at every start: an identical definition creates no new version.
  await auditLog.createSchema({ action: 'user.signed_in', targets: [{ type: 'team' }] });
  await auditLog.createSchema({ action: 'user.signed_out', targets: [{ type: 'team' }] });
  await auditLog.createSchema({
    action: 'document.shared',
    targets: [{ type: 'document', metadata: { folder: 'string' } }, { type: 'user' }],
    metadata: { via: 'string' },
  });
  await auditLog.createSchema({
    action: 'member.role_changed',
    targets: [{ type: 'user' }],
    actor: { metadata: { role: 'string' } },
    metadata: {
      type: 'object',
      properties: { from: { type: 'string' }, to: { type: 'string', enum: ['viewer', 'editor', 'admin'] } },
      required: ['from', 'to'],
    },
  });
  print(
    `schemas: ${(await auditLog.listActions({ order: 'asc', limit: 100 })).data.map((a) => `${a.name}@v${a.schema.version}`).join(', ')}`,
  );

  const now = new Date();
  const idempotencyKey = `signin-7f3a-${now.getTime().toString(36)}`;
  const signIn: CreateAuditLogEventInput = {
    action: 'user.signed_in',
    occurredAt: now,
    actor: { type: 'user', id: 'user_01GBNJC3MX9ZZJW1FSTF4C5938' },
    targets: [{ type: 'team', id: 'team_01GBNJD4MKHVKJGEWK42JNMBGS' }],
    context: { location: '123.123.123.123', userAgent: 'Chrome/104.0.0.0' },
  };
  const event = await auditLog.createEvent(ORGANIZATION, signIn, { idempotencyKey });
  print(`created ${event.id} (${event.action} by ${event.actor.id})`);

  const retry = await auditLog.createEvent(ORGANIZATION, signIn, { idempotencyKey });
  print(
    `retried with the same key: ${retry.replayed ? 'replayed' : 'STORED AGAIN'}, same id: ${retry.id === event.id}`,
  );

  const conflictRejected = await rejectedWith('idempotency_conflict', print, () =>
    auditLog.createEvent(ORGANIZATION, { ...signIn, context: { location: '10.0.0.1' } }, { idempotencyKey }),
  );
  const invalidRejected = await rejectedWith('invalid_audit_log_event', print, () =>
    auditLog.createEvent(ORGANIZATION, { ...signIn, metadata: { nested: { not: 'allowed' } } as never }),
  );

  let batchEvents = 0;
  for (let start = 0; start < 3000; start += 500) {
    const stored = await auditLog.createEvents(
      ORGANIZATIONS[(start / 500) % ORGANIZATIONS.length] as string,
      realisticBatch(start, 500, now),
    );
    batchEvents += stored.filter((created) => !created.replayed).length;
  }
  print(`batch: stored ${batchEvents} events across ${ORGANIZATIONS.length} organizations`);

  const job = await auditLog.createExport({
    organizationId: ORGANIZATION,
    rangeStart: new Date(now.getTime() - 31 * 86_400_000),
    rangeEnd: new Date(now.getTime() + 1),
  });
  const ready = await auditLog.waitForExport(job.id);
  if (ready.state !== 'ready' || !ready.path)
    throw new Error(`export ${job.id} ended in state ${ready.state}: ${ready.error}`);
  print(`export ${ready.id}: ${ready.rowCount} rows → ${ready.path}`);

  const summary: ScenarioSummary = {
    exampleEventId: event.id,
    replayedSameId: retry.replayed && retry.id === event.id,
    conflictRejected,
    invalidRejected,
    batchEvents,
    organizations: ORGANIZATIONS.length,
    exportPath: ready.path,
    exportRows: ready.rowCount ?? 0,
  };
  print(
    `summary: example event ${summary.exampleEventId}; replay deduplicated: ${summary.replayedSameId}; ` +
      `conflict rejected: ${conflictRejected}; invalid event rejected: ${invalidRejected}; ` +
      `batch events: ${batchEvents}; export rows for ${ORGANIZATION}: ${summary.exportRows}`,
  );
  return summary;
}

async function rejectedWith(
  code: string,
  print: (line: string) => void,
  attempt: () => Promise<unknown>,
): Promise<boolean> {
  try {
    await attempt();
    print(`expected ${code}, but the call succeeded`);
    return false;
  } catch (error) {
    if (!isAuditKitError(error)) throw error;
    const where = error.errors.map((detail) => `${detail.path}: ${detail.message}`).join('; ');
    print(`rejected as ${error.code}: ${error.message}${where ? ` [${where}]` : ''}`);
    return error.code === code;
  }
}

/** Events spread over the last 30 days: several actions, actors, 1–3 targets, a little metadata. */
function realisticBatch(offset: number, count: number, now: Date): CreateAuditLogEventInput[] {
  return Array.from({ length: count }, (_, n): CreateAuditLogEventInput => {
    const i = offset + n;
    const action = ACTIONS[i % ACTIONS.length] as (typeof ACTIONS)[number];
    const actor = { type: 'user', id: `user_${i % 37}`, name: `User ${i % 37}` };
    const occurredAt = new Date(now.getTime() - ((i * 7_919_000) % (30 * 86_400_000)));
    const context = {
      location: `198.51.100.${i % 250}`,
      userAgent: i % 2 ? 'Firefox/128.0' : 'Chrome/126.0',
    };
    switch (action) {
      case 'document.shared':
        return {
          action,
          occurredAt,
          actor,
          targets: [
            { type: 'document', id: `doc_${i % 101}`, metadata: { folder: `/projects/${i % 5}` } },
            ...Array.from({ length: i % 3 }, (_, t) => ({ type: 'user', id: `user_${(i + t + 1) % 37}` })),
          ],
          context,
          metadata: { via: i % 2 ? 'link' : 'email' },
        };
      case 'member.role_changed':
        return {
          action,
          occurredAt,
          actor: { ...actor, metadata: { role: 'admin' } },
          targets: [{ type: 'user', id: `user_${(i + 5) % 37}` }],
          context,
          metadata: { from: 'viewer', to: i % 2 ? 'editor' : 'admin' },
        };
      default:
        return { action, occurredAt, actor, targets: [{ type: 'team', id: `team_${i % 9}` }], context };
    }
  });
}
