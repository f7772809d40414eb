import { AuditKitError, createAuditLog, memoryStore } from '@auditkit/core';
import { expect, it } from 'vitest';

async function rejection(promise: Promise<unknown>): Promise<AuditKitError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AuditKitError);
  return error as AuditKitError;
}

const event = {
  action: 'user.signed_in',
  actor: { type: 'user', id: 'user_1' },
  targets: [{ type: 'team', id: 'team_1' }],
  context: { location: '203.0.113.7' },
};

it('names an unknown event field and the field it probably meant, instead of an empty path', async () => {
  const auditLog = await createAuditLog({ store: memoryStore(), requireSchemas: false });
  const error = await rejection(
    auditLog.createEvent('org_1', { ...event, occurred_at: '2024-05-01T12:00:00Z' } as never),
  );
  expect(error.code).toBe('invalid_audit_log_event');
  expect(error.errors[0]).toEqual({
    path: 'occurred_at',
    code: 'unknown_field',
    message: 'is not a known field; did you mean `occurredAt`?',
  });
  expect(error.errors).toContainEqual({ path: 'occurredAt', code: 'required', message: 'is required' });
  expect(error.message).toBe(
    'Invalid audit log event: occurred_at is not a known field; did you mean `occurredAt`?',
  );
  expect(error.errors.some((detail) => detail.path === '')).toBe(false);
  await auditLog.close();
});

it('names unknown nested fields by their full path, in batches with their index', async () => {
  const auditLog = await createAuditLog({ store: memoryStore(), requireSchemas: false });
  const occurredAt = new Date('2024-05-01T12:00:00Z');
  const error = await rejection(
    auditLog.createEvents('org_1', [
      { ...event, occurredAt },
      { ...event, occurredAt, context: { location: '203.0.113.7', user_agent: 'curl' } } as never,
    ]),
  );
  expect(error.errors).toEqual([
    {
      path: 'context.user_agent',
      code: 'unknown_field',
      message: 'is not a known field; did you mean `userAgent`?',
      index: 1,
    },
  ]);
  await auditLog.close();
});

it('lists the known fields when no name is close', async () => {
  const auditLog = await createAuditLog({ store: memoryStore(), requireSchemas: false });
  const error = await rejection(auditLog.listEvents({ organizationId: 'org_1', zzz: 1 } as never));
  expect(error.code).toBe('invalid_request');
  expect(error.errors[0]?.path).toBe('zzz');
  expect(error.errors[0]?.message).toMatch(/^is not a known field \(known: `organizationId`, `rangeStart`/);
  await auditLog.close();
});
