// The chain walk of `verify` on hand-built chains: the cases no store-level tamper reaches.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { AuditLogEvent, Checkpoint } from '@auditkit/core';
import { chainEvents } from '@auditkit/core/store';
import { describe, expect, it } from 'vitest';
import { parseCheckpoint, signCheckpoint } from '../src/integrity/checkpoint.js';
import { verifyChain } from '../src/integrity/verify-chain.js';
import type { SequencedEvent } from '../src/store.js';

const ORG = 'org_chain';
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const keys = new Map<string, KeyObject>([['k1', publicKey]]);

function chain(count: number): SequencedEvent[] {
  const events = Array.from(
    { length: count },
    (_, i): AuditLogEvent => ({
      object: 'audit_log_event',
      id: `audit_log_event_${String(i).padStart(26, '0')}`,
      organizationId: ORG,
      action: 'user.signed_in',
      version: 1,
      occurredAt: new Date(Date.UTC(2024, 0, 1, 0, i)),
      actor: { type: 'user', id: `user_${i}` },
      targets: [{ type: 'team', id: 'team_1' }],
      context: { location: '10.0.0.1' },
      receivedAt: new Date(Date.UTC(2024, 0, 1, 0, i, 1)),
    }),
  );
  const links = chainEvents(
    undefined,
    events.map((event, i) => ({ event, idempotencyKey: `k-${i}` })),
  );
  return events.map((event, i) => ({
    ...(links[i] as (typeof links)[number]),
    idempotencyKey: `k-${i}`,
    event,
  }));
}

function checkpointAt(events: SequencedEvent[], size: number, reason: Checkpoint['reason'] = 'manual') {
  const at = events[size - 1] as SequencedEvent;
  return signCheckpoint(
    { organizationId: ORG, size, hash: at.hash, issuedAt: new Date(), keyId: 'k1', reason },
    privateKey,
  );
}

function run(
  events: SequencedEvent[],
  options: { checkpoints?: Checkpoint[]; since?: number; head?: number } = {},
) {
  const last = events.at(-1);
  const headPosition = options.head ?? last?.position ?? 0;
  const headEvent = events.find((event) => event.position === headPosition);
  return verifyChain({
    organizationId: ORG,
    async *read(after) {
      yield* events.filter((event) => event.position > after);
    },
    head: () => (headEvent ? { position: headEvent.position, hash: headEvent.hash } : undefined),
    checkpoints: options.checkpoints ?? [],
    publicKeys: keys,
    ...(options.since === undefined ? {} : { since: options.since }),
  });
}

describe('verifyChain', () => {
  it('passes an untouched chain and counts every event', async () => {
    expect(await run(chain(10))).toMatchObject({ ok: true, checked: 10, startedAfter: 0, lastPosition: 10 });
  });

  it('starts at the last checkpoint at or before since', async () => {
    const events = chain(10);
    const result = await run(events, {
      checkpoints: [checkpointAt(events, 4), checkpointAt(events, 8)],
      since: 7,
    });
    expect(result).toMatchObject({ ok: true, checked: 6, startedAfter: 4, checkpoints: 2 });
  });

  it('accepts a purged prefix only up to a retention checkpoint', async () => {
    const events = chain(10);
    const retention = checkpointAt(events, 3, 'retention');
    expect(await run(events.slice(3), { checkpoints: [retention] })).toMatchObject({
      ok: true,
      checked: 7,
      startedAfter: 3,
    });
    // One more old event gone than the retention checkpoint covers: missing at 4.
    expect(await run(events.slice(4), { checkpoints: [retention] })).toMatchObject({
      ok: false,
      problem: { kind: 'missing', position: 4 },
    });
    // A manual checkpoint does not excuse a gap at the start.
    expect(await run(events.slice(3), { checkpoints: [checkpointAt(events, 3)] })).toMatchObject({
      ok: false,
      problem: { kind: 'missing', position: 1 },
    });
    // Everything purged: nothing to check, and the retention checkpoint stands.
    expect(await run([], { checkpoints: [checkpointAt(events, 10, 'retention')], head: 0 })).toMatchObject({
      ok: true,
      checked: 0,
      lastPosition: 10,
    });
  });

  it('names a checkpoint by an unknown key, and reads the JSON form of checkpoints', async () => {
    const events = chain(5);
    const foreign = { ...checkpointAt(events, 5), keyId: 'k9' };
    expect(await run(events, { checkpoints: [foreign] })).toMatchObject({
      ok: false,
      problem: { kind: 'unknown_key', position: 5 },
    });
    const json = JSON.parse(JSON.stringify(checkpointAt(events, 5))) as unknown;
    expect(await run(events, { checkpoints: [parseCheckpoint(json)] })).toMatchObject({
      ok: true,
      checkpoints: 1,
    });
  });

  it('reports a head that names another hash, or events past it', async () => {
    const events = chain(5);
    expect(await run(events, { head: 4 })).toMatchObject({
      ok: false,
      problem: { kind: 'inserted', position: 5 },
    });
    const wrongHead = await verifyChain({
      organizationId: ORG,
      async *read(after) {
        yield* events.filter((event) => event.position > after);
      },
      head: () => ({ position: 5, hash: 'f'.repeat(64) }),
      checkpoints: [],
      publicKeys: keys,
    });
    expect(wrongHead).toMatchObject({ ok: false, problem: { kind: 'head_mismatch', position: 5 } });
  });
});
