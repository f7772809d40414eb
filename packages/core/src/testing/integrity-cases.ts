import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AuditLog } from '../audit-log.js';
import { chainHash } from '../integrity/chain-hash.js';
import type { Checkpoint } from '../integrity/checkpoint.js';
import { verifyExport } from '../integrity/export-manifest.js';
import type { ConformanceContext } from './context.js';
import { expectAuditKitError } from './expect-error.js';
import { declareSchemas, ORG_A, ORG_B, signInEvent } from './fixtures.js';
import type { RawTamper } from './tamper-hooks.js';

const DAY = 86_400_000;

function keys(keyId = 'k1') {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey, keyId };
}

/** An audit log signing with a fresh key, with every published checkpoint collected. */
async function openSigned(context: ConformanceContext, options: { now?: () => Date } = {}) {
  const key = keys();
  const published: Checkpoint[] = [];
  const log = await context.open({
    ...options,
    integrity: {
      signingKey: key.privateKey,
      keyId: key.keyId,
      publish: (checkpoint) => {
        published.push(checkpoint);
      },
    },
  });
  await declareSchemas(log);
  return { log, key, published };
}

/** Six events of ORG_A, each written (and committed) on its own, sealed: positions 1 to 6. */
async function sixEvents(log: AuditLog, organizationId = ORG_A): Promise<void> {
  for (let i = 0; i < 6; i++) {
    await log.createEvent(
      organizationId,
      signInEvent({ occurredAt: new Date(Date.UTC(2024, 4, 1, 12, i)), metadata: { n: i } }),
      { idempotencyKey: `six-${i}` },
    );
  }
  await log.sealPendingEvents();
}

async function readAll(log: AuditLog, organizationId = ORG_A) {
  return log.readSequencedEvents({ organizationId, afterPosition: 0, limit: 1000 });
}

export function integrityCases(context: ConformanceContext, tamper?: () => RawTamper): void {
  describe('integrity: checkpoints and verify', () => {
    it('stores checkpoints once per (organization, size, key) and lists them by size', async () => {
      const { log, key, published } = await openSigned(context);
      await sixEvents(log);
      const checkpoint = await log.createCheckpoint({ organizationId: ORG_A });
      expect(checkpoint).toMatchObject({
        organizationId: ORG_A,
        size: 6,
        keyId: key.keyId,
        reason: 'manual',
      });
      const [sixth] = (await readAll(log)).slice(-1);
      expect(checkpoint?.hash).toBe(sixth?.hash);
      expect(published).toEqual([checkpoint]);
      const store = context.lastStore();
      // The same size and key again: the database keeps the first, the call reports it.
      expect(await store.insertCheckpoint({ ...(checkpoint as Checkpoint), signature: 'x' })).toBe(false);
      const again = await log.createCheckpoint({ organizationId: ORG_A });
      expect(again).toEqual(checkpoint);
      const other = keys('k2');
      const rotated = { ...(checkpoint as Checkpoint), keyId: other.keyId, size: 3 };
      expect(await store.insertCheckpoint(rotated)).toBe(true);
      expect(await store.listCheckpoints({ organizationId: ORG_A, order: 'asc', limit: 10 })).toEqual([
        rotated,
        checkpoint,
      ]);
      expect(
        await store.listCheckpoints({ organizationId: ORG_A, order: 'desc', after: 6, limit: 10 }),
      ).toEqual([rotated]);
      expect(
        await store.listCheckpoints({ organizationId: ORG_A, order: 'asc', after: 3, limit: 10 }),
      ).toEqual([checkpoint]);
      expect(await store.listCheckpoints({ organizationId: ORG_B, order: 'asc', limit: 10 })).toEqual([]);
      expect(await log.createCheckpoint({ organizationId: ORG_B })).toBeUndefined();
    });

    it('verifies an untouched chain with flat reads, from the start or a checkpoint', async () => {
      const { log } = await openSigned(context);
      await sixEvents(log);
      await sixEvents(log, ORG_B);
      expect(await log.verify({ organizationId: ORG_A })).toMatchObject({
        ok: true,
        checked: 6,
        lastPosition: 6,
      });
      await log.createCheckpoint({ organizationId: ORG_A });
      for (let i = 0; i < 2; i++) {
        await log.createEvent(ORG_A, signInEvent({ metadata: { late: i } }), { idempotencyKey: `late-${i}` });
      }
      await log.sealPendingEvents();
      const result = await log.verify({ organizationId: ORG_A, since: 7 });
      expect(result).toMatchObject({
        ok: true,
        checked: 2,
        startedAfter: 6,
        lastPosition: 8,
        checkpoints: 1,
      });
      expect(await log.verify({ organizationId: 'org_without_events' })).toMatchObject({
        ok: true,
        checked: 0,
      });
      await expectAuditKitError(log.verify({ organizationId: ORG_A, since: -1 }), 'invalid_request');
    });

    it('signs checkpoints by itself every checkpointEvery events', async () => {
      const key = keys();
      const published: Checkpoint[] = [];
      const log = await context.open({
        integrity: {
          signingKey: key.privateKey,
          keyId: key.keyId,
          checkpointEvery: 3,
          publish: (checkpoint) => {
            published.push(checkpoint);
          },
        },
      });
      await declareSchemas(log);
      await sixEvents(log);
      await expect.poll(() => published.length > 0).toBe(true);
      expect(published.every((checkpoint) => checkpoint.reason === 'scheduled')).toBe(true);
      expect((await log.verify({ organizationId: ORG_A })).ok).toBe(true);
    });

    it('refuses checkpoints without a signing key, and keys of the wrong kind', async () => {
      const log = await context.open();
      await expectAuditKitError(log.createCheckpoint({ organizationId: ORG_A }), 'invalid_request');
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      await expectAuditKitError(
        context.open({ integrity: { signingKey: privateKey, keyId: 'ec' } }),
        'invalid_request',
      );
      await expectAuditKitError(
        context.open({ integrity: { signingKey: keys().privateKey } } as never),
        'invalid_request',
      );
    });

    it('a retention purge deletes a prefix after a retention checkpoint, and verify passes', async () => {
      const now = new Date('2024-06-01T00:00:00.000Z');
      const { log, published } = await openSigned(context, { now: () => now });
      const at = (days: number) => new Date(now.getTime() - days * DAY);
      // Positions 1-3 expired, 4-5 recent, 6 expired but committed after recent ones.
      const ages = [400, 399, 398, 10, 9, 397];
      for (const [i, days] of ages.entries()) {
        await log.createEvent(ORG_A, signInEvent({ occurredAt: at(days), metadata: { i } }), {
          idempotencyKey: `r-${i}`,
        });
      }
      await log.sealPendingEvents();
      await log.setRetention(ORG_A, { retentionPeriodInDays: 365 });
      expect((await log.purgeExpiredEvents({ now, dryRun: true })).deleted).toBe(3);
      const result = await log.purgeExpiredEvents({ now, batchSize: 2 });
      expect(result.deleted).toBe(3);
      expect((await readAll(log)).map((event) => event.position)).toEqual([4, 5, 6]);
      expect(published.map((checkpoint) => [checkpoint.reason, checkpoint.size])).toEqual([['retention', 3]]);
      expect(await log.verify({ organizationId: ORG_A })).toMatchObject({
        ok: true,
        checked: 3,
        startedAfter: 3,
        lastPosition: 6,
      });
      // Nothing more is due until position 4 expires; then 4 to 6 go.
      expect((await log.purgeExpiredEvents({ now })).deleted).toBe(0);
      const later = new Date(now.getTime() + 400 * DAY);
      expect((await log.purgeExpiredEvents({ now: later })).deleted).toBe(3);
      expect(await log.verify({ organizationId: ORG_A })).toMatchObject({
        ok: true,
        checked: 0,
        lastPosition: 6,
      });
    });

    it('a verifiable export checks offline, and fails after one byte of the file changes', async () => {
      const { log, key } = await openSigned(context);
      await sixEvents(log);
      await log.createEvent(ORG_A, signInEvent({ action: 'user.signed_out' }), { idempotencyKey: 'out' });
      await log.sealPendingEvents();
      const publicKeys = { [key.keyId]: key.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
      const exported = log.verifiableExport({
        organizationId: ORG_A,
        rangeStart: new Date(Date.UTC(2024, 4, 1, 12, 1)),
        rangeEnd: new Date(Date.UTC(2024, 4, 1, 12, 5)),
        actions: ['user.signed_in'],
      });
      let file = '';
      for await (const line of exported.lines) file += line;
      const manifest = await exported.manifest;
      expect(manifest).toMatchObject({ firstPosition: 2, lastPosition: 5, eventCount: 4 });
      expect(manifest.entries.map(([position]) => position)).toEqual([2, 3, 4, 5]);
      expect(verifyExport({ file, manifest, publicKeys })).toEqual({ ok: true, checked: 4 });
      expect(verifyExport({ file, manifest: JSON.stringify(manifest), publicKeys }).ok).toBe(true);

      const bytes = Buffer.from(file);
      const index = bytes.indexOf('"metadata":{"n":3}');
      bytes[index + 16] = '4'.charCodeAt(0);
      expect(verifyExport({ file: bytes, manifest, publicKeys })).toMatchObject({
        ok: false,
        problem: { kind: 'altered', position: 4, line: 3 },
      });
      const lines = file.split('\n');
      expect(
        verifyExport({ file: [lines[0], lines[2], lines[3], ''].join('\n'), manifest, publicKeys }),
      ).toMatchObject({ ok: false, problem: { kind: 'missing', position: 3 } });
      expect(verifyExport({ file: `${file}${lines[0]}\n`, manifest, publicKeys })).toMatchObject({
        ok: false,
        problem: { kind: 'inserted', line: 5 },
      });
      expect(verifyExport({ file: file.replace('\n', ' \n'), manifest, publicKeys })).toMatchObject({
        ok: false,
        problem: { kind: 'file_digest' },
      });
      const forged = { ...manifest, entries: manifest.entries.slice(1), firstPosition: 3 };
      expect(verifyExport({ file, manifest: forged, publicKeys })).toMatchObject({
        ok: false,
        problem: { kind: 'bad_signature' },
      });
      const stranger = keys();
      expect(
        verifyExport({
          file,
          manifest,
          publicKeys: { [key.keyId]: stranger.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
        }),
      ).toMatchObject({ ok: false, problem: { kind: 'bad_signature' } });
    });
  });

  if (!tamper) return;

  describe('integrity: tampering with the database directly', () => {
    it('one field of one event changed: altered, at its position', async () => {
      const { log } = await openSigned(context);
      await sixEvents(log);
      await tamper().setAction(ORG_A, 3, 'user.signed_out');
      expect(await log.verify({ organizationId: ORG_A })).toMatchObject({
        ok: false,
        checked: 2,
        problem: { kind: 'altered', position: 3 },
      });
    });

    it('an event changed and its own hash recomputed: altered, at its position', async () => {
      const { log } = await openSigned(context);
      await sixEvents(log);
      const third = (await readAll(log))[2];
      if (!third) throw new Error('no event at 3');
      const edited = { ...third.event, action: 'user.signed_out' };
      await tamper().setAction(ORG_A, 3, 'user.signed_out');
      await tamper().setLink(ORG_A, 3, {
        hash: chainHash({
          event: edited,
          idempotencyKey: third.idempotencyKey,
          position: 3,
          previousHash: third.previousHash,
        }),
        previousHash: third.previousHash,
      });
      expect(await log.verify({ organizationId: ORG_A })).toMatchObject({
        ok: false,
        problem: { kind: 'altered', position: 3 },
      });
    });

    it('a middle event deleted: missing, at its position', async () => {
      const { log } = await openSigned(context);
      await sixEvents(log);
      await tamper().deleteEvent(ORG_A, 4);
      expect(await log.verify({ organizationId: ORG_A })).toMatchObject({
        ok: false,
        checked: 3,
        problem: { kind: 'missing', position: 4 },
      });
    });

    it('the newest events deleted, head and stored checkpoints rewound: caught by a published checkpoint', async () => {
      const { log, published } = await openSigned(context);
      await sixEvents(log);
      await log.createCheckpoint({ organizationId: ORG_A });
      const events = await readAll(log);
      const fourth = events[3];
      if (!fourth) throw new Error('no event at 4');
      // Deleting alone leaves the head pointing past the end.
      await tamper().deleteEvent(ORG_A, 6);
      expect(await log.verify({ organizationId: ORG_A })).toMatchObject({
        ok: false,
        problem: { kind: 'missing', position: 6 },
      });
      // A careful attacker rewinds the head and removes the stored checkpoints: the chain alone is
      // a valid shorter chain, which only a copy kept outside the database reveals.
      await tamper().deleteEvent(ORG_A, 5);
      await tamper().setHead(ORG_A, { position: 4, hash: fourth.hash });
      await tamper().deleteCheckpoints(ORG_A);
      expect(await log.verify({ organizationId: ORG_A })).toMatchObject({ ok: true, checked: 4 });
      expect(await log.verify({ organizationId: ORG_A, checkpoints: published })).toMatchObject({
        ok: false,
        checked: 4,
        problem: { kind: 'missing', position: 5 },
      });
    });

    it('a forged event inserted: inserted, at its position', async () => {
      const { log } = await openSigned(context);
      await sixEvents(log);
      const events = await readAll(log);
      const [second, third, , , , sixth] = events;
      if (!second || !third || !sixth) throw new Error('six events expected');
      // Make room at 3 (from the top, so no two rows ever share a position), then forge a copy of
      // the event at 2 with a fresh identity and a correctly computed link to position 2.
      for (let position = 6; position >= 3; position--)
        await tamper().setPosition(ORG_A, position, position + 1);
      const forged = { ...second.event, id: 'audit_log_event_01FORGEDFORGEDFORGEDFORGED' };
      await tamper().copyEvent(ORG_A, 2, {
        id: forged.id,
        idempotencyKey: 'forged',
        position: 3,
        previousHash: second.hash,
        hash: chainHash({ event: forged, idempotencyKey: 'forged', position: 3, previousHash: second.hash }),
      });
      await tamper().setHead(ORG_A, { position: 7, hash: sixth.hash });
      expect(await log.verify({ organizationId: ORG_A })).toMatchObject({
        ok: false,
        problem: { kind: 'inserted', position: 3 },
      });
    });

    it('two events swapped: reordered, at the first', async () => {
      const { log } = await openSigned(context);
      await sixEvents(log);
      await tamper().setPosition(ORG_A, 3, -1);
      await tamper().setPosition(ORG_A, 4, 3);
      await tamper().setPosition(ORG_A, -1, 4);
      expect(await log.verify({ organizationId: ORG_A })).toMatchObject({
        ok: false,
        checked: 2,
        problem: { kind: 'reordered', position: 3 },
      });
    });

    it('an event changed and every hash after it recomputed: caught by the signed checkpoint', async () => {
      const { log } = await openSigned(context);
      await sixEvents(log);
      await log.createCheckpoint({ organizationId: ORG_A });
      await tamper().setAction(ORG_A, 2, 'user.signed_out');
      let previousHash = (await readAll(log))[0]?.hash as string;
      for (const sequenced of (await readAll(log)).slice(1)) {
        const hash = chainHash({
          event: sequenced.event,
          idempotencyKey: sequenced.idempotencyKey,
          position: sequenced.position,
          previousHash,
        });
        await tamper().setLink(ORG_A, sequenced.position, { hash, previousHash });
        previousHash = hash;
      }
      await tamper().setHead(ORG_A, { position: 6, hash: previousHash });
      expect(await log.verify({ organizationId: ORG_A })).toMatchObject({
        ok: false,
        checked: 5,
        problem: { kind: 'checkpoint_mismatch', position: 6 },
      });
    });

    it('a stored checkpoint changed: bad signature, at its size', async () => {
      const { log } = await openSigned(context);
      await sixEvents(log);
      await log.createCheckpoint({ organizationId: ORG_A });
      await tamper().setCheckpointHash(ORG_A, 6, 'f'.repeat(64));
      expect(await log.verify({ organizationId: ORG_A })).toMatchObject({
        ok: false,
        checked: 0,
        problem: { kind: 'bad_signature', position: 6 },
      });
    });
  });
}
