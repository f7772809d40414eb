import { type AuditKitError, createAuditLog, memoryStore } from '@auditkit/core';
import { describe, expect, it } from 'vitest';

const ORG = 'org_codes';
const EVENT = {
  action: 'user.signed_in',
  occurredAt: new Date('2024-05-01T12:00:00.000Z'),
  actor: { type: 'user', id: 'user_1' },
  targets: [{ type: 'team', id: 'team_1', metadata: { plan: 'pro' } }],
  context: { location: '203.0.113.7' },
};

async function failure(promise: Promise<unknown>): Promise<AuditKitError> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: AuditKitError) => error,
  );
}

const codes = (error: AuditKitError) => error.errors.map((detail) => [detail.path, detail.code]);

// Programs (the HTTP API among them) map these codes, never the English messages.
describe('machine-readable codes on error details', () => {
  it('names the broken rule of every invalid event, request and conflict', async () => {
    const auditLog = await createAuditLog({ store: memoryStore() });
    await auditLog.createSchema({
      action: 'user.signed_in',
      targets: [{ type: 'team', metadata: { type: 'object', properties: { plan: { type: 'string' } } } }],
    });

    const { actor: _actor, ...withoutActor } = EVENT;
    expect(codes(await failure(auditLog.createEvent(ORG, withoutActor as never)))).toEqual([
      ['actor', 'required'],
    ]);
    expect(codes(await failure(auditLog.createEvent(ORG, { ...EVENT, actor: 'me' } as never)))).toEqual([
      ['actor', 'invalid_type'],
    ]);
    expect(codes(await failure(auditLog.createEvent(ORG, { ...EVENT, extra: 1 } as never)))).toEqual([
      ['extra', 'unknown_field'],
    ]);
    expect(codes(await failure(auditLog.createEvent(ORG, { ...EVENT, action: 'nope.undeclared' })))).toEqual([
      ['action', 'unknown_action'],
    ]);
    expect(codes(await failure(auditLog.createEvent(ORG, { ...EVENT, version: 2 })))).toEqual([
      ['version', 'unknown_version'],
    ]);
    const user = { type: 'user', id: 'user_2' };
    expect(codes(await failure(auditLog.createEvent(ORG, { ...EVENT, targets: [user] })))).toEqual([
      ['targets[0].type', 'undeclared_target'],
    ]);
    const badPlan = [{ type: 'team', id: 'team_1', metadata: { plan: 7 } }];
    expect(codes(await failure(auditLog.createEvent(ORG, { ...EVENT, targets: badPlan })))).toEqual([
      ['targets[0].metadata.plan', 'schema_mismatch'],
    ]);

    await auditLog.createEvent(ORG, EVENT, { idempotencyKey: 'k1' });
    const moved = { ...EVENT, context: { location: '198.51.100.1' } };
    expect(codes(await failure(auditLog.createEvent(ORG, moved, { idempotencyKey: 'k1' })))).toEqual([
      ['idempotencyKey', 'key_reused'],
    ]);

    const range = {
      organizationId: ORG,
      rangeStart: new Date('2025-01-01'),
      rangeEnd: new Date('2024-01-01'),
    };
    expect(codes(await failure(auditLog.createExport(range)))).toEqual([['rangeEnd', 'range_order']]);
    expect(codes(await failure(auditLog.createExport({ organizationId: ORG } as never)))).toEqual([
      ['rangeStart', 'required'],
    ]);
    expect(codes(await failure(auditLog.listEvents({ organizationId: ORG, limit: 0 })))).toEqual([
      ['limit', 'too_small'],
    ]);
    expect(codes(await failure(auditLog.listEvents({ organizationId: ORG, after: 'nonsense' })))).toEqual([
      ['cursor', 'invalid_cursor'],
    ]);
    expect(
      codes(await failure(auditLog.listEvents({ organizationId: ORG, before: 'a', after: 'b' }))),
    ).toEqual([['before', 'conflicting_options']]);
    expect(
      codes(await failure(auditLog.createSchema({ action: 'x.y', targets: [{ type: 'a' }, { type: 'a' }] }))),
    ).toEqual([['targets', 'duplicate']]);
    await auditLog.close();
  });
});
