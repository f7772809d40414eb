import type { AuditLogEvent } from '../event-model.js';
import { plainObjectConstructor } from '../plain-object.js';
import type { ChainedEvent, ChainLink, SequenceChain, SequenceHead } from '../store.js';
import { chainHash, chainHashWithContent, GENESIS_HASH } from './chain-hash.js';

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
  return linkEvents(head, events, undefined);
}

/**
 * {@link chainEvents} reusing the canonical text core already wrote for the events it is
 * writing: `contentOf(event)` returns it for an event object core built (or `undefined`, and it
 * is written again). Core's write path passes this chain to stores.
 *
 * @example
 * ```ts
 * const chain = chainReusingContent((event) => contents.get(event));
 * ```
 */
export function chainReusingContent(contentOf: (event: AuditLogEvent) => string | undefined): SequenceChain {
  return (head, events) => linkEvents(head, events, contentOf);
}

/** A {@link ChainLink} (a plain object: see plain-object.ts); links live until the write ends. */
const ChainLinkObject = plainObjectConstructor(function (
  this: ChainLink,
  position: number,
  hash: string,
  previousHash: string,
) {
  this.position = position;
  this.hash = hash;
  this.previousHash = previousHash;
});

function linkEvents(
  head: SequenceHead | undefined,
  events: readonly ChainedEvent[],
  contentOf: ((event: AuditLogEvent) => string | undefined) | undefined,
): ChainLink[] {
  let position = head?.position ?? 0;
  let previousHash = head === undefined || head.position === 0 ? GENESIS_HASH : head.hash;
  const organizationId = events[0]?.event.organizationId;
  const links: ChainLink[] = [];
  for (const { event, idempotencyKey } of events) {
    if (event.organizationId !== organizationId) {
      throw new Error('chainEvents links the events of one organization per call');
    }
    position += 1;
    const input = { event, idempotencyKey, position, previousHash };
    const content = contentOf?.(event);
    const hash = content === undefined ? chainHash(input) : chainHashWithContent(input, content);
    links.push(new ChainLinkObject(position, hash, previousHash));
    previousHash = hash;
  }
  return links;
}
