// Generated normalized events, shared by the property tests of the canonical forms.
import fc from 'fast-check';
import type { NormalizedEvent } from '../src/event-model.js';

export const metadata = fc.dictionary(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
  fc.oneof(
    fc.string({ unit: 'binary' }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.boolean(),
  ),
  { maxKeys: 6 },
);
const party = fc.record(
  {
    type: fc.string({ unit: 'binary' }),
    id: fc.string({ unit: 'binary' }),
    name: fc.string({ unit: 'binary' }),
    metadata,
  },
  { requiredKeys: ['type', 'id'] },
);
export const normalizedEvent: fc.Arbitrary<NormalizedEvent> = fc.record(
  {
    action: fc.string({ unit: 'binary' }),
    occurredAt: fc.date({
      min: new Date('0001-01-01T00:00:00Z'),
      max: new Date('9999-12-31T23:59:59Z'),
      noInvalidDate: true,
    }),
    version: fc.integer({ min: 1 }),
    actor: party,
    targets: fc.array(party, { maxLength: 4 }),
    context: fc.record(
      { location: fc.string({ unit: 'binary' }), userAgent: fc.string({ unit: 'binary' }) },
      { requiredKeys: ['location'] },
    ),
    metadata,
  },
  { requiredKeys: ['action', 'occurredAt', 'version', 'actor', 'targets', 'context'] },
);
