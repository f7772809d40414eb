import { createHash } from 'node:crypto';
import { canonicalEventJson } from './canonical-event.js';
import type { NormalizedEvent } from './event-model.js';

/** How an event's content is identified for idempotency. */
export interface EventIdentity {
  /** SHA-256 of the canonical (RFC 8785) JSON of the normalized event: equal content, equal fingerprint. */
  fingerprint: string;
  /** The key used when the caller gave none: derived from the content and the organization. */
  derivedKey: string;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Fingerprints a normalized event. `occurredAt` enters as its ISO string, so a `Date` and the
 * equivalent ISO string give the same fingerprint.
 */
export function identifyEvent(organizationId: string, event: NormalizedEvent): EventIdentity {
  const canonical = canonicalEventJson(event);
  // canonicalize({ event, organizationId }) without serializing the event twice: keys are sorted.
  const scoped = `{"event":${canonical},"organizationId":${JSON.stringify(organizationId)}}`;
  return { fingerprint: sha256(canonical), derivedKey: `content_${sha256(scoped)}` };
}
