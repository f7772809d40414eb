import { hash } from 'node:crypto';
import { canonicalEventJson } from './canonical-event.js';
import type { NormalizedEvent } from './event-model.js';

/** How an event's content is identified for idempotency. */
export interface EventIdentity {
  /** SHA-256 of the canonical (RFC 8785) JSON of the normalized event: equal content, equal fingerprint. */
  fingerprint: string;
  /** The key the event is stored under: the caller's, or one derived from content and organization. */
  idempotencyKey: string;
}

function sha256(text: string): string {
  // The one-shot hash skips creating a Hash object per call, which shows on the ingest hot path.
  return hash('sha256', text, 'hex');
}

/**
 * Fingerprints a normalized event and settles its idempotency key. `occurredAt` enters as its
 * ISO string, so a `Date` and the equivalent ISO string give the same fingerprint.
 */
export function identifyEvent(
  organizationId: string,
  event: NormalizedEvent,
  idempotencyKey: string | undefined,
): EventIdentity {
  const canonical = canonicalEventJson(event);
  if (idempotencyKey !== undefined) return { fingerprint: sha256(canonical), idempotencyKey };
  // canonicalize({ event, organizationId }) without serializing the event twice: keys are sorted.
  const scoped = `{"event":${canonical},"organizationId":${JSON.stringify(organizationId)}}`;
  return { fingerprint: sha256(canonical), idempotencyKey: `content_${sha256(scoped)}` };
}
