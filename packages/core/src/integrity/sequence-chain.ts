import type { ChainedEvent, ChainLink, SequenceHead } from '../store.js';
import { chainHash, GENESIS_HASH } from './chain-hash.js';

/**
 * Core's hash chain, as stores call it inside the write that makes events visible: the links of
 * `events` (all of one organization, in the order they are appended) after `head`, the
 * organization's last sealed position and hash (`undefined` before its first event). Positions
 * continue from `head` without a gap; each hash covers its event and the hash before it.
 *
 * It is pure: a store that undoes its write simply drops the links.
 *
 * @example
 * ```ts
 * import { chainEvents } from '@auditkit/core/store';
 *
 * const links = chainEvents(head, rows.map((row) => ({ event: row, idempotencyKey: row.idempotencyKey })));
 * // links[i] = { position, hash, previousHash } for rows[i]
 * ```
 */
export function chainEvents(head: SequenceHead | undefined, events: readonly ChainedEvent[]): ChainLink[] {
  let position = head?.position ?? 0;
  let previousHash = head === undefined || head.position === 0 ? GENESIS_HASH : head.hash;
  const organizationId = events[0]?.event.organizationId;
  const links: ChainLink[] = [];
  for (const { event, idempotencyKey } of events) {
    if (event.organizationId !== organizationId) {
      throw new Error('chainEvents links the events of one organization per call');
    }
    position += 1;
    const hash = chainHash({ event, idempotencyKey, position, previousHash });
    links.push({ position, hash, previousHash });
    previousHash = hash;
  }
  return links;
}
