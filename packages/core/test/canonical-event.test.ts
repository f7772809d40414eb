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

it('writes the same text when the caller vouches that no string needs escaping', () => {
  // Strings without quotes, backslashes, controls or surrogates: what the fast lane vouches for.
  const plainText = fc
    .string({ unit: 'grapheme', maxLength: 12 })
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what JSON escapes
    .filter((s) => !/["\\\u0000-\u001f\ud800-\udfff]/.test(s));
  const plainMetadata = fc.dictionary(
    fc.constantFrom('plan', 'seats', 'a-b_c', 'Z', '0'),
    fc.oneof(plainText, fc.integer(), fc.boolean()),
    { maxKeys: 4 },
  );
  const plainParty = fc.record(
    { type: plainText, id: plainText, name: plainText, metadata: plainMetadata },
    { requiredKeys: ['type', 'id'] },
  );
  const plainEvent = fc.record(
    {
      action: plainText,
      occurredAt: fc.date({
        min: new Date('0001-01-01T00:00:00Z'),
        max: new Date('9999-12-31T23:59:59Z'),
        noInvalidDate: true,
      }),
      version: fc.integer({ min: 1 }),
      actor: plainParty,
      targets: fc.array(plainParty, { maxLength: 3 }),
      context: fc.record({ location: plainText, userAgent: plainText }, { requiredKeys: ['location'] }),
      metadata: plainMetadata,
    },
    { requiredKeys: ['action', 'occurredAt', 'version', 'actor', 'targets', 'context'] },
  );
  fc.assert(
    fc.property(plainEvent, (generated) => {
      const reference = canonicalize({ ...generated, occurredAt: generated.occurredAt.toISOString() });
      expect(canonicalEventJson(generated, true)).toBe(reference);
    }),
    { numRuns: 1000 },
  );
});
