import { hash } from 'node:crypto';
import type { AuditLogEvent } from '@auditkit/core';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { canonicalEventJson } from '../src/canonical-event.js';
import { CHAIN_FORMAT, chainHash, chainHashText, GENESIS_HASH } from '../src/integrity/chain-hash.js';
import { chainEvents, chainReusingContent } from '../src/integrity/sequence-chain.js';
import { normalizedEvent } from './event-arbitraries.js';

const storedEvent: fc.Arbitrary<AuditLogEvent> = fc
  .tuple(
    normalizedEvent,
    fc.string({ unit: 'binary', minLength: 1 }),
    fc.string({ unit: 'binary', minLength: 1 }),
    fc.date({
      min: new Date('0001-01-01T00:00:00Z'),
      max: new Date('9999-12-31T23:59:59Z'),
      noInvalidDate: true,
    }),
  )
  .map(([event, id, organizationId, receivedAt]) => ({
    object: 'audit_log_event' as const,
    ...event,
    id,
    organizationId,
    receivedAt,
  }));

it('hashes exactly the RFC 8785 text the canonicalize library writes for the link, for any stored event', () => {
  fc.assert(
    fc.property(
      storedEvent,
      fc.string({ unit: 'binary', minLength: 1 }),
      fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      fc.stringMatching(/^[0-9a-f]{64}$/),
      (event, idempotencyKey, position, previousHash) => {
        const { object: _object, id, organizationId, receivedAt, ...content } = event;
        const reference = canonicalize({
          content: { ...content, occurredAt: content.occurredAt.toISOString() },
          format: CHAIN_FORMAT,
          id,
          idempotencyKey,
          organizationId,
          position,
          previousHash,
          receivedAt: receivedAt.toISOString(),
        });
        const input = { event, idempotencyKey, position, previousHash };
        expect(chainHashText(input)).toBe(reference);
        expect(chainHash(input)).toBe(hash('sha256', reference as string, 'hex'));
      },
    ),
    { numRuns: 1000 },
  );
});

it('changes the hash when any covered field changes', () => {
  const [event] = fc.sample(storedEvent, { numRuns: 1, seed: 7 }) as [AuditLogEvent];
  const base = { event, idempotencyKey: 'k', position: 3, previousHash: GENESIS_HASH };
  const variants = [
    { ...base, event: { ...event, id: `${event.id}x` } },
    { ...base, event: { ...event, organizationId: `${event.organizationId}x` } },
    { ...base, event: { ...event, receivedAt: new Date(event.receivedAt.getTime() + 1) } },
    { ...base, event: { ...event, action: `${event.action}x` } },
    { ...base, event: { ...event, version: event.version + 1 } },
    { ...base, idempotencyKey: 'k2' },
    { ...base, position: 4 },
    { ...base, previousHash: '1'.repeat(64) },
  ];
  const hashes = new Set([base, ...variants].map(chainHash));
  expect(hashes.size).toBe(variants.length + 1);
});

it('chains positions on from the head, each link naming the hash before it', () => {
  const events = fc.sample(storedEvent, { numRuns: 4, seed: 11 }).map((event) => ({
    event: { ...event, organizationId: 'org_1' },
    idempotencyKey: event.id,
  }));
  const first = chainEvents(undefined, events.slice(0, 2));
  expect(first.map((link) => link.position)).toEqual([1, 2]);
  expect(first[0]?.previousHash).toBe(GENESIS_HASH);
  expect(first[1]?.previousHash).toBe(first[0]?.hash);
  const head = { position: 2, hash: first[1]?.hash as string };
  const rest = chainEvents(head, events.slice(2));
  expect(rest.map((link) => [link.position, link.previousHash])).toEqual([
    [3, head.hash],
    [4, rest[0]?.hash],
  ]);
  // The same events in one call or two give the same chain.
  expect(chainEvents(undefined, events)).toEqual([...first, ...rest]);
  expect(() =>
    chainEvents(undefined, [
      events[0],
      { ...events[1], event: { ...events[1]?.event, organizationId: 'org_2' } },
    ] as never),
  ).toThrow(/one organization/);
  expect(() => chainHash({ ...events[0], position: 0, previousHash: GENESIS_HASH } as never)).toThrow(
    RangeError,
  );
});

it('links the same chain when core hands over the canonical text it already wrote', () => {
  fc.assert(
    fc.property(fc.array(storedEvent, { minLength: 1, maxLength: 5 }), (generated) => {
      const events = generated.map((event) => ({
        event: { ...event, organizationId: 'org_1' },
        idempotencyKey: event.id,
      }));
      const contents = new Map(events.map(({ event }) => [event, canonicalEventJson(event)]));
      const reusing = chainReusingContent((event) => contents.get(event));
      const head = { position: 4, hash: 'a'.repeat(64) };
      expect(reusing(head, events)).toEqual(chainEvents(head, events));
      expect(reusing(undefined, events)).toEqual(chainEvents(undefined, events));
    }),
    { numRuns: 200 },
  );
});
