import { hash } from 'node:crypto';
import { canonicalEventJson } from '../canonical-event.js';
import type { AuditLogEvent } from '../event-model.js';
import { isoTime } from '../iso-time.js';

/**
 * The `previousHash` of an organization's first event (position 1): 64 zeros, so every link has
 * the same shape and a chain cannot start anywhere but at position 1.
 *
 * @example
 * ```ts
 * import { GENESIS_HASH } from '@auditkit/core/store';
 *
 * const first = chainHash({ event, idempotencyKey, position: 1, previousHash: GENESIS_HASH });
 * ```
 */
export const GENESIS_HASH = '0'.repeat(64);

/** Names the formula inside the hashed text, so a later formula can never produce the same text. */
export const CHAIN_FORMAT = 'auditkit.chain.v1';

/**
 * What one link of an organization's hash chain covers: every stored field of the event (its
 * canonical content, id, organization, receipt time), the idempotency key it is stored under,
 * its position, and the hash of the event before it.
 *
 * @example
 * ```ts
 * const input: ChainHashInput = { event, idempotencyKey: 'signin-7f3a', position: 1, previousHash: GENESIS_HASH };
 * ```
 */
export interface ChainHashInput {
  /** The stored event (extra fields, such as an `EventRow`'s fingerprint, are ignored). */
  event: AuditLogEvent;
  /** The key the event is stored under (the caller's, in its stored form, or the derived one). */
  idempotencyKey: string;
  position: number;
  previousHash: string;
}

/**
 * The exact text a link's hash is taken over: the RFC 8785 (JCS) canonical JSON of
 * `{ content, format, id, idempotencyKey, organizationId, position, previousHash, receivedAt }`,
 * where `content` is the canonical event core fingerprints (`canonicalEventJson`: action,
 * actor, context, metadata, occurredAt, targets, version) and times are ISO strings. Keys are
 * written in their sorted order, which is what RFC 8785 prescribes; a property test compares it
 * with the `canonicalize` library.
 *
 * @example
 * ```ts
 * chainHashText({ event, idempotencyKey: 'k', position: 1, previousHash: GENESIS_HASH });
 * // '{"content":{"action":…},"format":"auditkit.chain.v1","id":"audit_log_event_01…",…}'
 * ```
 */
export function chainHashText(input: ChainHashInput): string {
  return linkText(input, canonicalEventJson(input.event));
}

/**
 * {@link chainHashText} with the event's canonical text already at hand (`content` MUST be
 * `canonicalEventJson(input.event)`): core computed it for the fingerprint of each event it
 * writes, and writing it again was a third of the cost of chaining.
 */
function linkText(input: ChainHashInput, content: string): string {
  const { event } = input;
  const text = JSON.stringify;
  // An ISO time holds no character JSON escapes: written between quotes as it is.
  return (
    `{"content":${content},"format":"${CHAIN_FORMAT}","id":${text(event.id)}` +
    `,"idempotencyKey":${text(input.idempotencyKey)},"organizationId":${text(event.organizationId)}` +
    `,"position":${positionText(input.position)},"previousHash":${text(input.previousHash)}` +
    `,"receivedAt":"${isoTime(event.receivedAt)}"}`
  );
}

/**
 * The hash of one link: SHA-256 (lowercase hex) of {@link chainHashText}. This is the whole
 * formula; `verify` recomputes it from what a store returns.
 *
 * @example
 * ```ts
 * import { chainHash, GENESIS_HASH } from '@auditkit/core/store';
 *
 * const hash = chainHash({ event, idempotencyKey: 'k', position: 1, previousHash: GENESIS_HASH });
 * ```
 */
export function chainHash(input: ChainHashInput): string {
  return hash('sha256', chainHashText(input), 'hex');
}

/** {@link chainHash} given `content`, the event's `canonicalEventJson` (see {@link linkText}). */
export function chainHashWithContent(input: ChainHashInput, content: string): string {
  return hash('sha256', linkText(input, content), 'hex');
}

function positionText(position: number): string {
  if (!Number.isSafeInteger(position) || position < 1) {
    throw new RangeError(`a chain position is a whole number from 1, got ${position}`);
  }
  return String(position);
}
