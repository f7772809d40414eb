// Core builds its per-event objects with constructors rather than literals (src/plain-object.ts
// says why). What callers and stores receive must still be plain objects, indistinguishable from
// literals: prototype, own keys and their order, equality under node:assert's strictest check.
import assert from 'node:assert/strict';
import { createAuditLog, memoryStore } from '@auditkit/core';
import type { AuditStore, EventRow } from '@auditkit/core/store';
import { describe, expect, it } from 'vitest';
import { plainObjectConstructor } from '../src/plain-object.js';

const ORG = 'org_plain';

/** Every object inside `value` (itself included), with the path it was found at. */
function objectsIn(value: unknown, path = '$'): [string, object][] {
  if (typeof value !== 'object' || value === null || value instanceof Date) return [];
  const found: [string, object][] = Array.isArray(value) ? [] : [[path, value]];
  for (const [key, inner] of Object.entries(value)) found.push(...objectsIn(inner, `${path}.${key}`));
  return found;
}

/** Fails unless every object in `value` is plain: `Object.prototype`, `constructor === Object`. */
function expectPlain(value: unknown): void {
  const objects = objectsIn(value);
  expect(objects.length).toBeGreaterThan(0);
  for (const [path, object] of objects) {
    expect(Object.getPrototypeOf(object), path).toBe(Object.prototype);
    expect(object.constructor, path).toBe(Object);
  }
}

describe('plainObjectConstructor', () => {
  const Party = plainObjectConstructor(function (
    this: { type: string; id: string; name?: string },
    type: string,
    id: string,
    name?: string,
  ) {
    this.type = type;
    this.id = id;
    if (name !== undefined) this.name = name;
  });

  it('builds what the literal builds: prototype, keys in order, strict deep equality', () => {
    const built = new Party('user', 'user_1', 'Ada');
    expectPlain(built);
    expect(Object.keys(built)).toEqual(['type', 'id', 'name']);
    assert.deepStrictEqual(built, { type: 'user', id: 'user_1', name: 'Ada' });
    expect(JSON.stringify(built)).toBe('{"type":"user","id":"user_1","name":"Ada"}');
    assert.deepStrictEqual(structuredClone(built), { type: 'user', id: 'user_1', name: 'Ada' });
  });

  it('leaves an absent optional field out, as a literal without it', () => {
    const built = new Party('user', 'user_1');
    expect(Object.hasOwn(built, 'name')).toBe(false);
    assert.deepStrictEqual(built, { type: 'user', id: 'user_1' });
  });
});

describe('objects of the write path', () => {
  it('rows given to the store and events returned are plain objects equal to their literals', async () => {
    const inner = memoryStore();
    const rowsSeen: EventRow[] = [];
    const store: AuditStore = {
      ...inner,
      name: 'row-recording',
      insertEvents: (rows, decide, chain) => {
        rowsSeen.push(...rows);
        return inner.insertEvents(rows, decide, chain);
      },
    };
    const auditLog = await createAuditLog({ store, requireSchemas: false });
    const occurredAt = new Date('2026-12-02T08:00:00.000Z');
    const full = {
      action: 'user.signed_in',
      occurredAt,
      version: 2,
      actor: { type: 'user', id: 'user_1', name: 'Ada', metadata: { role: 'admin' } },
      targets: [
        { type: 'team', id: 'team_1', name: 'Core', metadata: { seats: 3 } },
        { type: 'document', id: 'doc_1' },
      ],
      context: { location: '203.0.113.7', userAgent: 'curl/8' },
      metadata: { plan: 'pro', trial: false },
    };
    const bare = {
      action: 'user.signed_out',
      occurredAt,
      actor: { type: 'user', id: 'user_2' },
      targets: [],
      context: { location: '203.0.113.8' },
    };
    const [first, second] = await auditLog.createEvents(ORG, [
      { event: full, idempotencyKey: 'plain-full' },
      { event: bare, idempotencyKey: 'plain-bare' },
    ]);
    const single = await auditLog.createEvent(ORG, bare, { idempotencyKey: 'plain-single' });

    for (const event of [first, second, single]) expectPlain(event);
    assert.deepStrictEqual(first, {
      object: 'audit_log_event',
      id: first?.id,
      organizationId: ORG,
      ...full,
      version: 2,
      receivedAt: first?.receivedAt,
      replayed: false,
    });
    const bareReturned = {
      object: 'audit_log_event',
      id: second?.id,
      organizationId: ORG,
      action: bare.action,
      occurredAt,
      version: 1,
      actor: bare.actor,
      targets: [],
      context: bare.context,
      receivedAt: second?.receivedAt,
      replayed: false,
    };
    assert.deepStrictEqual(second, bareReturned);
    // Keys come in the order a literal of the event gives them (JSON output depends on it).
    expect(Object.keys(second ?? {})).toEqual(Object.keys(bareReturned));
    expect(Object.keys(first?.actor ?? {})).toEqual(['type', 'id', 'name', 'metadata']);
    expect(Object.keys(first?.context ?? {})).toEqual(['location', 'userAgent']);

    expect(rowsSeen).toHaveLength(3);
    for (const row of rowsSeen) expectPlain(row);
    expect(Object.keys(rowsSeen[1] ?? {})).toEqual([
      'object',
      'id',
      'organizationId',
      'action',
      'occurredAt',
      'version',
      'actor',
      'targets',
      'context',
      'receivedAt',
      'idempotencyKey',
      'fingerprint',
    ]);
    await auditLog.close();
  });
});
