import type { AuditLog } from '../audit-log.js';
import type { CreateAuditLogEventInput } from '../event-model.js';

export const ORG_A = 'org_01EHWNCE74X7JSDV0X3SZ3KJNY';
export const ORG_B = 'org_01EHWNCE74X7JSDV0X3SZ3KJNZ';

/** The SPEC's example event, with overrides. */
export function signInEvent(overrides: Partial<CreateAuditLogEventInput> = {}): CreateAuditLogEventInput {
  return {
    action: 'user.signed_in',
    occurredAt: new Date('2024-05-01T12:00:00.000Z'),
    actor: { type: 'user', id: 'user_01GBNJC3MX9ZZJW1FSTF4C5938' },
    targets: [{ type: 'team', id: 'team_01GBNJD4MKHVKJGEWK42JNMBGS' }],
    context: { location: '123.123.123.123', userAgent: 'Chrome/104.0.0.0' },
    ...overrides,
  };
}

/** Declares the schemas the suite's events use. */
export async function declareSchemas(auditLog: AuditLog): Promise<void> {
  await auditLog.createSchema({ action: 'user.signed_in', targets: [{ type: 'team' }, { type: 'user' }] });
  await auditLog.createSchema({ action: 'user.signed_out', targets: [{ type: 'team' }, { type: 'user' }] });
  await auditLog.createSchema({
    action: 'document.shared',
    targets: [{ type: 'document' }, { type: 'team' }],
  });
}

/** Counts an organization's stored events through the public API. */
export async function countEvents(auditLog: AuditLog, organizationId: string): Promise<number> {
  let count = 0;
  let after: string | undefined;
  for (;;) {
    const page = await auditLog.listEvents({ organizationId, limit: 1000, ...(after ? { after } : {}) });
    count += page.data.length;
    if (!page.listMetadata.after) return count;
    after = page.listMetadata.after;
  }
}

/** `n` distinct events spread over time, actions, actors and target types. */
export function manyEvents(
  n: number,
  start = Date.parse('2024-01-01T00:00:00.000Z'),
): CreateAuditLogEventInput[] {
  const actions = ['user.signed_in', 'user.signed_out', 'document.shared'];
  return Array.from({ length: n }, (_, i) => {
    const action = actions[i % actions.length] as string;
    const targetType = action === 'document.shared' ? 'document' : i % 2 === 0 ? 'team' : 'user';
    return {
      action,
      occurredAt: new Date(start + i * 60_000),
      actor: { type: 'user', id: `user_${i % 7}`, name: `User ${i % 7}` },
      targets: [{ type: targetType, id: `${targetType}_${i % 11}` }],
      context: { location: `10.0.${i % 256}.${i % 199}` },
      metadata: { sequence: i },
    };
  });
}
