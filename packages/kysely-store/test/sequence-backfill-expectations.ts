// What both SQL adapters' migration tests expect of the events stored before migration 0004
// (event sequence): three events of ORG_A (audit_log_event_03 received later than _01 and _02,
// which share a receivedAt) and one of ORG_B, with metadata { n: 3 } and actor "Ada" on _03.
import type { AuditLog } from '@auditkit/core';
import { expectWholeSequence, ORG_A, ORG_B, signInEvent } from '@auditkit/core/testing';
import { expect } from 'vitest';

/**
 * Asserts that the pre-sequence events got positions in (receivedAt, id) order per organization,
 * kept their content, and that a new event is appended after them.
 */
export async function expectBackfilledSequence(auditLog: AuditLog): Promise<void> {
  const inA = await expectWholeSequence(auditLog, ORG_A);
  expect(inA.map((sequenced) => [sequenced.position, sequenced.event.id, sequenced.idempotencyKey])).toEqual([
    [1, 'audit_log_event_01', 'k1'],
    [2, 'audit_log_event_02', 'k2'],
    [3, 'audit_log_event_03', 'k3'],
  ]);
  expect(inA[2]?.event).toMatchObject({
    metadata: { n: 3 },
    actor: { name: 'Ada', metadata: { role: 'admin' } },
  });
  expect((await expectWholeSequence(auditLog, ORG_B)).map((sequenced) => sequenced.event.id)).toEqual([
    'audit_log_event_00',
  ]);
  const next = await auditLog.createEvent(ORG_A, signInEvent());
  const after = await expectWholeSequence(auditLog, ORG_A);
  expect(after.map((sequenced) => sequenced.event.id)).toEqual([...inA.map((s) => s.event.id), next.id]);
}
