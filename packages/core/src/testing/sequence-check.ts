import { expect } from 'vitest';
import type { AuditLog } from '../audit-log.js';
import { chainHash, GENESIS_HASH } from '../integrity/chain-hash.js';
import type { SequencedEvent } from '../store.js';

/**
 * Reads every sealed event of `organizationId` in position order, page by page, and asserts the
 * sequence is whole: positions 1…n without a gap or repeat, each `previousHash` the hash before
 * it (the first the genesis hash), each hash recomputed by core's formula from the event as read,
 * and the head at the last one. Returns the events.
 *
 * @example
 * ```ts
 * const events = await expectWholeSequence(auditLog, 'org_123');
 * expect(events).toHaveLength(10);
 * ```
 */
export async function expectWholeSequence(
  auditLog: Pick<AuditLog, 'readSequencedEvents' | 'getSequenceHead'>,
  organizationId: string,
  pageSize = 1000,
): Promise<SequencedEvent[]> {
  const events: SequencedEvent[] = [];
  for (;;) {
    const afterPosition = events.at(-1)?.position ?? 0;
    const page = await auditLog.readSequencedEvents({ organizationId, afterPosition, limit: pageSize });
    events.push(...page);
    if (page.length < pageSize) break;
  }
  let previousHash = GENESIS_HASH;
  for (const [index, sequenced] of events.entries()) {
    const at = `position ${index + 1} of ${organizationId}`;
    expect(sequenced.position, at).toBe(index + 1);
    expect(sequenced.event.organizationId, at).toBe(organizationId);
    expect(sequenced.previousHash, at).toBe(previousHash);
    const recomputed = chainHash({
      event: sequenced.event,
      idempotencyKey: sequenced.idempotencyKey,
      position: sequenced.position,
      previousHash: sequenced.previousHash,
    });
    expect(sequenced.hash, at).toBe(recomputed);
    previousHash = sequenced.hash;
  }
  const last = events.at(-1);
  expect(await auditLog.getSequenceHead(organizationId)).toEqual(
    last ? { position: last.position, hash: last.hash } : undefined,
  );
  return events;
}
