import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { canonicalEventJson } from '../src/canonical-event.js';
import { normalizedEvent } from './event-arbitraries.js';

it('writes exactly what the canonicalize library (RFC 8785) writes for any normalized event', () => {
  fc.assert(
    fc.property(normalizedEvent, (generated) => {
      const reference = canonicalize({ ...generated, occurredAt: generated.occurredAt.toISOString() });
      expect(canonicalEventJson(generated)).toBe(reference);
    }),
    { numRuns: 2000 },
  );
});
