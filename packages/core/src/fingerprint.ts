import { hash } from 'node:crypto';
import { canonicalEventJson } from './canonical-event.js';
import type { NormalizedEvent } from './event-model.js';
import { plainObjectConstructor } from './plain-object.js';

/** How an event's content is identified for idempotency. */
export interface EventIdentity {
  /** SHA-256 of the canonical (RFC 8785) JSON of the normalized event: equal content, equal fingerprint. */
  fingerprint: string;
  /**
   * The key the event is stored under: one derived from content and organization, or the
   * caller's in the explicit namespace ({@link storedExplicitKey}).
   */
  idempotencyKey: string;
  /** The canonical text the fingerprint was taken over (`canonicalEventJson`), which the chain hash reuses. */
  content: string;
}

/** Derived keys are exactly this prefix and 64 lowercase hex digits. */
const DERIVED_PREFIX = 'content_';
/** Explicit keys of the form `content_<64 hex>` followed by zero or more of this suffix get one more. */
const EXPLICIT_SUFFIX = ':explicit';
const DERIVED_SHAPED = /^content_[0-9a-f]{64}(?::explicit)*$/;

/**
 * The stored form of a caller's idempotency key, in a namespace derived keys cannot reach.
 *
 * A derived key is `content_` and 64 hex digits. A caller's key of that shape — possibly already
 * followed by `:explicit` suffixes — is stored with one more `:explicit`; every other key is
 * stored as given. So no caller's key is stored as a derived key (a key spelled like another
 * event's derived key can no longer occupy it), two caller keys never share a stored form, and
 * keys stored before the namespaces existed keep their stored form, hence keep deduplicating:
 * only keys shaped like derived keys change, and those were squatting.
 *
 * @example
 * ```ts
 * storedExplicitKey('signin-7f3a'); // 'signin-7f3a'
 * storedExplicitKey(`content_${'0'.repeat(64)}`); // 'content_000…000:explicit'
 * ```
 */
export function storedExplicitKey(key: string): string {
  return DERIVED_SHAPED.test(key) ? `${key}${EXPLICIT_SUFFIX}` : key;
}

function sha256(text: string): string {
  // The one-shot hash skips creating a Hash object per call, which shows on the ingest hot path.
  return hash('sha256', text, 'hex');
}

/** An {@link EventIdentity} (a plain object: see plain-object.ts). */
const IdentityObject = plainObjectConstructor(function (
  this: EventIdentity,
  fingerprint: string,
  idempotencyKey: string,
  content: string,
) {
  this.fingerprint = fingerprint;
  this.idempotencyKey = idempotencyKey;
  this.content = content;
});

/**
 * Fingerprints a normalized event and settles its idempotency key. `occurredAt` enters as its
 * ISO string, so a `Date` and the equivalent ISO string give the same fingerprint. `plainText`
 * as `canonicalEventJson`'s: set only when every string of the event is known to need no escaping.
 */
export function identifyEvent(
  organizationId: string,
  event: NormalizedEvent,
  idempotencyKey: string | undefined,
  plainText = false,
): EventIdentity {
  const canonical = canonicalEventJson(event, plainText);
  if (idempotencyKey !== undefined) {
    return new IdentityObject(sha256(canonical), storedExplicitKey(idempotencyKey), canonical);
  }
  // canonicalize({ event, organizationId }) without serializing the event twice: keys are sorted.
  const scoped = `{"event":${canonical},"organizationId":${JSON.stringify(organizationId)}}`;
  return new IdentityObject(sha256(canonical), `${DERIVED_PREFIX}${sha256(scoped)}`, canonical);
}
