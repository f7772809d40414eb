import fc from 'fast-check';
import { expect, it } from 'vitest';
import { z } from 'zod';
import type { NormalizedEvent } from '../src/event-model.js';
import type { Metadata } from '../src/metadata.js';
import type { AuditLogSchema, MetadataJsonSchema } from '../src/schema-definition.js';
import { compileSchemaValidator, typeOnlyCheck } from '../src/schema-validator.js';

// The schema validator's fast check may pass metadata only when zod (z.fromJSONSchema, which
// decides and words every schema error) accepts it too.

const KEYS = ['plan', 'seats', 'sso', 'toString', '1', 'x'];
const type = fc.constantFrom('string', 'number', 'integer', 'boolean') as fc.Arbitrary<
  'string' | 'number' | 'integer' | 'boolean'
>;
const schema: fc.Arbitrary<MetadataJsonSchema> = fc
  .record({
    properties: fc.dictionary(
      fc.constantFrom(...KEYS),
      fc.record({ type, description: fc.string() }, { requiredKeys: ['type'] }),
      { maxKeys: 4 },
    ),
    required: fc.option(fc.uniqueArray(fc.constantFrom(...KEYS), { maxLength: 3 }), { nil: undefined }),
    additionalProperties: fc.option(fc.boolean(), { nil: undefined }),
  })
  .map(({ properties, required, additionalProperties }) => ({
    type: 'object' as const,
    properties,
    ...(required === undefined ? {} : { required }),
    ...(additionalProperties === undefined ? {} : { additionalProperties }),
  }));
const metadata: fc.Arbitrary<Metadata> = fc.dictionary(
  fc.constantFrom(...KEYS, 'other'),
  fc.oneof(
    fc.string(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(2 ** 53, -(2 ** 53), 0.5, 1e300),
    fc.boolean(),
  ),
  { maxKeys: 5 },
);

it('passes metadata only when zod accepts it under the same schema', () => {
  let passed = 0;
  let checked = 0;
  fc.assert(
    fc.property(schema, fc.array(metadata, { minLength: 1, maxLength: 8 }), (generated, samples) => {
      const check = typeOnlyCheck(generated);
      if (!check) return;
      const zod = z.fromJSONSchema(generated as Parameters<typeof z.fromJSONSchema>[0]);
      for (const sample of samples) {
        checked++;
        if (!check(sample)) continue;
        passed++;
        expect(zod.safeParse(sample).success, JSON.stringify({ generated, sample })).toBe(true);
      }
    }),
    { numRuns: 1500 },
  );
  // Both verdicts are exercised.
  expect(passed).toBeGreaterThan(checked / 10);
  expect(passed).toBeLessThan(checked);
});

it('leaves schemas with other keywords to zod alone', () => {
  expect(typeOnlyCheck({ type: 'object', properties: { plan: { type: 'string', enum: ['a'] } } })).toBe(
    undefined,
  );
  expect(typeOnlyCheck({ type: 'object', properties: {}, required: ['plan'] })).toBe(undefined);
  expect(typeOnlyCheck({ type: 'object', properties: { plan: { type: 'string' } } })).toBeTypeOf('function');
});

it('a compiled validator answers exactly as without its allocation-free pass, for any event', () => {
  const slot = fc.option(schema, { nil: undefined });
  const party = (types: readonly string[]) =>
    fc.record(
      { type: fc.constantFrom(...types), id: fc.constant('id_1'), metadata: metadata },
      { requiredKeys: ['type', 'id'] },
    );
  fc.assert(
    fc.property(
      slot,
      slot,
      fc.dictionary(fc.constantFrom('team', 'user'), slot, { maxKeys: 2 }),
      party(['user']),
      fc.array(party(['team', 'user', 'document']), { maxLength: 3 }),
      fc.option(metadata, { nil: undefined }),
      (actorSchema, eventSchema, targetSchemas, actor, targets, eventMetadata) => {
        const definition = {
          action: 'a.b',
          version: 1,
          targets: Object.entries(targetSchemas).map(([type, metadata]) =>
            metadata === undefined ? { type } : { type, metadata },
          ),
          ...(actorSchema === undefined ? {} : { actor: { metadata: actorSchema } }),
          ...(eventSchema === undefined ? {} : { metadata: eventSchema }),
        } as unknown as AuditLogSchema;
        const event = {
          action: 'a.b',
          occurredAt: new Date(0),
          version: 1,
          actor,
          targets,
          context: { location: 'here' },
          ...(eventMetadata === undefined ? {} : { metadata: eventMetadata }),
        } as NormalizedEvent;
        expect(compileSchemaValidator(definition)(event)).toEqual(
          compileSchemaValidator(definition, false)(event),
        );
      },
    ),
    { numRuns: 120 },
  );
});
