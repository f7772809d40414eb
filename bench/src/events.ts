import type { AuditLog, CreateAuditLogEventInput } from '@auditkit/core';

export const ORGANIZATIONS = ['org_bench_a', 'org_bench_b', 'org_bench_c', 'org_bench_d'];
const ACTIONS = ['user.signed_in', 'document.updated', 'member.invited'] as const;
const TARGET_TYPES = ['team', 'document', 'user'];

/** The schemas the benchmark's events follow (validation is on, as in production). */
export async function declareBenchSchemas(auditLog: AuditLog): Promise<void> {
  for (const action of ACTIONS) {
    await auditLog.createSchema({
      action,
      targets: TARGET_TYPES.map((type) => ({ type, metadata: { label: 'string' } })),
      actor: { metadata: { role: 'string' } },
      metadata: { plan: 'string', seats: 'number', sso: 'boolean' },
    });
  }
}

/** A realistic event: one of several actions and actors, 1–3 targets, a few metadata keys. */
export function benchEvent(
  i: number,
  base = Date.parse('2024-01-01T00:00:00.000Z'),
): CreateAuditLogEventInput {
  return {
    action: ACTIONS[i % ACTIONS.length] as string,
    occurredAt: new Date(base + i * 1000),
    actor: {
      type: 'user',
      id: `user_${i % 997}`,
      name: `User ${i % 997}`,
      metadata: { role: i % 5 ? 'member' : 'admin' },
    },
    targets: Array.from({ length: 1 + (i % 3) }, (_, t) => ({
      type: TARGET_TYPES[(i + t) % TARGET_TYPES.length] as string,
      id: `obj_${(i * 7 + t) % 10_007}`,
      metadata: { label: `label ${t}` },
    })),
    context: {
      location: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0',
    },
    metadata: { plan: i % 2 ? 'pro' : 'team', seats: i % 100, sso: i % 3 === 0 },
  };
}

/** The organization a batch belongs to (batches rotate over several organizations). */
export function organizationOf(batchIndex: number): string {
  return ORGANIZATIONS[batchIndex % ORGANIZATIONS.length] as string;
}
