// The ClientSession pass-through of `withTransaction`, proven on the test server (FerretDB unless
// MONGODB_URL names another): the driver's command monitoring shows that every command a bound
// store sends carries the application's session (`lsid`), and that none goes out without it.
// FerretDB has sessions but no transactions, so these tests bind through the package's internal
// test switches (not exported from its entry); the transaction semantics themselves are the
// conformance suite's transaction cases, which run where the server has transactions.
import { createAuditLog } from '@auditkit/core';
import type { AuditStore, ExportRecord } from '@auditkit/core/store';
import { declareSchemas, expectAuditKitError, ORG_A, signInEvent } from '@auditkit/core/testing';
import { type ClientSession, type CommandStartedEvent, MongoClient } from 'mongodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMongoStore, type MongoStoreTestSwitches } from '../src/mongo-store.js';
import { eventRow, insertRows } from './event-rows.js';
import { rawCollections } from './raw-collections.js';
import { useTestDatabases } from './test-databases.js';

const databases = useTestDatabases();

/** The commands the client sent, as the driver's monitoring saw them. */
interface SentCommand {
  name: string;
  /** The session id (hex), or `undefined` for a command sent without one. */
  lsid: string | undefined;
}

let client: MongoClient;
let sent: SentCommand[];
let session: ClientSession;
let store: AuditStore;
let dbName: string;

/** A session id (`lsid.id`, a BSON UUID) as hex, or `undefined`. */
const hexOf = (id: unknown): string | undefined =>
  id !== null && typeof id === 'object' && 'toString' in id
    ? (id as { toString(format: string): string }).toString('hex')
    : undefined;
const lsidOf = (command: CommandStartedEvent['command']): string | undefined => hexOf(command.lsid?.id);
const sessionId = (): string => {
  const id = hexOf(session.id?.id);
  if (id === undefined) throw new Error('the session has no id');
  return id;
};

/** Runs `work` and returns what it resolved to with the commands it sent. */
async function commandsOf<T>(work: () => Promise<T>): Promise<{ result: T; commands: SentCommand[] }> {
  sent = [];
  const result = await work();
  return { result, commands: sent };
}

async function openStore(switches: MongoStoreTestSwitches): Promise<AuditStore> {
  const opened = createMongoStore({ client, dbName }, switches);
  await opened.open();
  return opened;
}

beforeEach(async () => {
  sent = [];
  client = new MongoClient(databases.url, { monitorCommands: true });
  client.on('commandStarted', (event) => sent.push({ name: event.commandName, lsid: lsidOf(event.command) }));
  await client.connect();
  session = client.startSession();
  dbName = databases.next();
  store = await openStore({ ignoreServerCapability: true, allowOutsideTransaction: true });
});

afterEach(async () => {
  await store.close();
  await session.endSession();
  await client.close();
});

/** What a bound store runs on AuditKit's own client, never on the application's session. */
const OWN_CLIENT_METHODS = [
  'acquireLease',
  'releaseLease',
  'insertLogStream',
  'getLogStream',
  'listLogStreams',
  'updateLogStream',
  'deleteLogStream',
  'claimExport',
  'updateExportIf',
  'listExports',
  // The sequence and the checkpoints are AuditKit's own: sealed events (a transaction's own events
  // never are), signed checkpoints and retention's deletes through them.
  'readSequencedEvents',
  'getSequenceHead',
  'insertCheckpoint',
  'listCheckpoints',
  'deleteEventsThrough',
];

const exportRecord = (): ExportRecord => ({
  id: 'audit_log_export_bound',
  state: 'pending',
  organizationId: ORG_A,
  format: 'csv',
  filters: JSON.stringify({ organizationId: ORG_A }),
  createdAt: new Date('2024-05-02T00:00:00.000Z'),
  updatedAt: new Date('2024-05-02T00:00:00.000Z'),
});

describe('a store bound to a ClientSession', () => {
  it('sends every command of every data method with the session’s lsid, and none without it', async () => {
    const bound = store.withTransaction?.(session) as AuditStore;
    expect(bound.streamEvents, 'an export in the transaction reads page by page').toBeUndefined();
    // A key whose event document is missing (its writer crashed): a replay in the transaction
    // claims it and writes the event, which must go through the session too.
    const orphan = eventRow('orphan', 'fp-orphan', { occurredAt: new Date('2024-05-01T14:00:00.000Z') });
    await rawCollections(client, dbName).keys.insertOne({
      _id: JSON.stringify([ORG_A, 'orphan']),
      event_id: orphan.id,
      fingerprint: 'fp-orphan',
      received_at: orphan.receivedAt,
      claimed: false,
    });
    const first = eventRow('bound-1', 'fp-1');
    const second = eventRow('bound-2', 'fp-2', { occurredAt: new Date('2024-05-01T13:00:00.000Z') });
    const schema = {
      object: 'audit_log_schema' as const,
      action: 'user.bound',
      version: 1,
      targets: [],
      createdAt: new Date('2024-05-01T00:00:00.000Z'),
    };
    const calls: [string, () => Promise<unknown>, (result: unknown) => void][] = [
      [
        'insertEvents (new rows)',
        () => insertRows(bound, [first, second]),
        (r) => expect(r).toMatchObject({ status: 'stored' }),
      ],
      [
        'insertEvents (a replay and a conflict)',
        async () => [
          await insertRows(bound, [eventRow('bound-1', 'fp-1')]),
          await insertRows(bound, [eventRow('bound-1', 'fp-other')]),
        ],
        (r) => expect((r as { status: string }[]).map((o) => o.status)).toEqual(['stored', 'conflict']),
      ],
      [
        'insertEvents (the replay of a key without its event)',
        () => insertRows(bound, [orphan]),
        (r) => expect(r).toMatchObject({ status: 'stored' }),
      ],
      [
        'findEvents',
        () => bound.findEvents({ organizationId: ORG_A, order: 'asc', limit: 10 }),
        (r) => expect((r as { id: string }[]).map((e) => e.id)).toEqual([first.id, second.id, orphan.id]),
      ],
      [
        'summarizeEvents',
        () => bound.summarizeEvents({ organizationId: ORG_A }),
        (r) => expect(r).toMatchObject([{ organizationId: ORG_A, count: 3 }]),
      ],
      ['insertSchema (new)', () => bound.insertSchema(schema), (r) => expect(r).toBe(true)],
      ['insertSchema (taken version)', () => bound.insertSchema(schema), (r) => expect(r).toBe(false)],
      ['getSchema', () => bound.getSchema('user.bound'), (r) => expect(r).toMatchObject({ version: 1 })],
      [
        'listSchemas',
        () => bound.listSchemas({ action: 'user.bound', order: 'asc', limit: 10 }),
        (r) => expect(r).toHaveLength(1),
      ],
      [
        'listActions',
        () => bound.listActions({ order: 'asc', limit: 10 }),
        (r) => expect(r).toMatchObject([{ latest: { action: 'user.bound' } }]),
      ],
      ['insertExport', () => bound.insertExport(exportRecord()), (r) => expect(r).toBeUndefined()],
      [
        'updateExport',
        () => bound.updateExport({ ...exportRecord(), state: 'ready', rowCount: 3 }),
        (r) => expect(r).toBeUndefined(),
      ],
      [
        'getExport',
        () => bound.getExport('audit_log_export_bound'),
        (r) => expect(r).toMatchObject({ state: 'ready', rowCount: 3 }),
      ],
      ['setRetention', () => bound.setRetention(ORG_A, 30), (r) => expect(r).toBeUndefined()],
      [
        'getRetention',
        () => bound.getRetention(ORG_A),
        (r) => expect(r).toEqual({ retentionPeriodInDays: 30 }),
      ],
      [
        'listRetention',
        () => bound.listRetention(),
        (r) => expect(r).toEqual([{ organizationId: ORG_A, retentionPeriodInDays: 30 }]),
      ],
      ['setRetention (remove)', () => bound.setRetention(ORG_A, null), (r) => expect(r).toBeUndefined()],
      [
        'deleteEventsBefore',
        () => bound.deleteEventsBefore(ORG_A, new Date('2024-05-01T12:30:00.000Z'), 10),
        (r) => expect(r).toBe(1),
      ],
    ];
    const methodsCalled = new Set<string>();
    for (const [label, call, check] of calls) {
      const { result, commands } = await commandsOf(call);
      check(result);
      expect(commands.length, `${label} sent no command`).toBeGreaterThan(0);
      expect(
        commands.filter((command) => command.lsid !== sessionId()),
        `${label}: commands without the session`,
      ).toEqual([]);
      methodsCalled.add(label.split(' ')[0] as string);
    }
    // Every data method of the contract was called above (leases and log streams: a later test).
    const dataMethods = Object.keys(bound).filter(
      (key) => !['name', 'capabilities', 'open', 'close', ...OWN_CLIENT_METHODS].includes(key),
    );
    expect([...methodsCalled].sort()).toEqual(dataMethods.sort());
    // What the bound calls wrote is there (FerretDB has no transaction to hold it back).
    const raw = rawCollections(client, dbName);
    expect((await raw.events.find({}).toArray()).map((e) => e._id).sort()).toEqual(
      [orphan.id, second.id].sort(),
    );
    expect(await raw.keys.findOne({ _id: JSON.stringify([ORG_A, 'orphan']) })).toMatchObject({
      claimed: true,
    });
  });

  it('finds replays and conflicts by reading in the session: they send no write that could fail and abort the transaction', async () => {
    const bound = store.withTransaction?.(session) as AuditStore;
    const stored = eventRow('taken', 'fp-taken');
    expect(await insertRows(bound, [stored])).toMatchObject({ status: 'stored' });
    const raw = rawCollections(client, dbName);
    const before = { keys: await raw.keys.countDocuments({}), events: await raw.events.countDocuments({}) };

    const replay = await commandsOf(() => insertRows(bound, [eventRow('taken', 'fp-taken')]));
    expect(replay.result).toMatchObject({
      status: 'stored',
      events: [{ replayed: true, event: { id: stored.id } }],
    });
    const conflict = await commandsOf(() => insertRows(bound, [eventRow('taken', 'fp-other')]));
    expect(conflict.result).toMatchObject({ status: 'conflict' });
    // A batch whose first row is new and second conflicts: the new row is not written either.
    const batch = await commandsOf(() =>
      insertRows(bound, [eventRow('new-in-conflicting-batch', 'fp-new'), eventRow('taken', 'fp-other')]),
    );
    expect(batch.result).toMatchObject({ status: 'conflict' });
    for (const { commands } of [replay, conflict, batch]) {
      expect(commands.map((command) => command.name).filter((name) => name !== 'find')).toEqual([]);
      expect(commands.filter((command) => command.lsid !== sessionId())).toEqual([]);
    }
    expect({ keys: await raw.keys.countDocuments({}), events: await raw.events.countDocuments({}) }).toEqual(
      before,
    );

    // A key written earlier through the session is a replay of that write.
    const again = await insertRows(bound, [eventRow('taken', 'fp-taken')]);
    expect(again).toMatchObject({ status: 'stored' });
    const [event] = await bound.findEvents({ organizationId: ORG_A, order: 'asc', limit: 10 });
    expect(event?.id).toBe(stored.id);
  });

  it('runs concurrent calls on one session one after another: ten calls with one new key store it once', async () => {
    const bound = store.withTransaction?.(session) as AuditStore;
    // Unserialized, every call would read the key as free and all but one insert would fail
    // (inside a transaction: abort it).
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () => insertRows(bound, [eventRow('same-new-key', 'fp-same')])),
    );
    const replayed = outcomes.map((outcome) =>
      outcome.status === 'stored' ? outcome.events[0]?.replayed : 'conflict',
    );
    expect(replayed.filter((value) => value === false)).toHaveLength(1);
    expect(replayed.filter((value) => value === true)).toHaveLength(9);
    expect(await rawCollections(client, dbName).events.countDocuments({})).toBe(1);
  });

  it('runs createEvent, createEvents, listEvents and exportEvents of the bound audit log on the session', async () => {
    // The sealer seals committed events on AuditKit's own client, outside any session, as it must:
    // its runs are held off (and the first one awaited) so that what is measured is the bound calls.
    const auditLog = await createAuditLog({
      store,
      sequence: { sealDelayMs: 3_600_000, sealIntervalMs: 3_600_000 },
    });
    try {
      await declareSchemas(auditLog);
      await auditLog.sealPendingEvents();
      const bound = auditLog.withTransaction(session);
      const { result: created, commands } = await commandsOf(async () => {
        const one = await bound.createEvent(ORG_A, signInEvent(), { idempotencyKey: 'log-1' });
        const replay = await bound.createEvent(ORG_A, signInEvent(), { idempotencyKey: 'log-1' });
        const conflict = await expectAuditKitError(
          bound.createEvent(ORG_A, signInEvent({ context: { location: '10.9.8.7' } }), {
            idempotencyKey: 'log-1',
          }),
          'idempotency_conflict',
        );
        const batch = await bound.createEvents(ORG_A, [
          { event: signInEvent({ metadata: { n: 1 } }), idempotencyKey: 'log-2' },
          { event: signInEvent({ metadata: { n: 2 } }), idempotencyKey: 'log-3' },
        ]);
        const page = await bound.listEvents({ organizationId: ORG_A, order: 'asc' });
        let exported = '';
        for await (const chunk of bound.exportEvents(
          {
            organizationId: ORG_A,
            rangeStart: '2000-01-01T00:00:00.000Z',
            rangeEnd: '2100-01-01T00:00:00.000Z',
          },
          { format: 'ndjson' },
        )) {
          exported += chunk;
        }
        return { one, replay, conflict, batch, page, exported };
      });
      expect([created.replay.id, created.replay.replayed]).toEqual([created.one.id, true]);
      expect(created.batch.map((event) => event.replayed)).toEqual([false, false]);
      expect(created.page.data).toHaveLength(3);
      expect(created.exported.trim().split('\n')).toHaveLength(3);
      expect(commands.map((command) => command.name)).toEqual(expect.arrayContaining(['find', 'insert']));
      expect(commands.filter((command) => command.lsid !== sessionId())).toEqual([]);
    } finally {
      await auditLog.close();
    }
  });

  it('keeps leases, log streams and export job claims on AuditKit’s own client: other processes see them at once', async () => {
    const bound = store.withTransaction?.(session) as AuditStore;
    await store.insertExport({ ...exportRecord(), id: 'audit_log_export_own_client' });
    const now = new Date('2024-05-02T00:00:00.000Z');
    const stream = {
      id: 'log_stream_bound',
      organizationId: ORG_A,
      type: 'webhook',
      destination: JSON.stringify({ type: 'webhook', url: 'https://siem.example.com/hook' }),
      state: 'active' as const,
      cursor: 0,
      deliveryToken: 0,
      createdAt: now,
      updatedAt: now,
    };
    const called = new Set<string>();
    const { result, commands } = await commandsOf(async () => {
      const grant = await bound.acquireLease({ name: 'lease-1', holder: 'me', ttlMs: 60_000 });
      await bound.releaseLease('lease-1', 'me');
      await bound.insertLogStream(stream);
      const read = await bound.getLogStream(stream.id);
      const listed = await bound.listLogStreams({ organizationId: ORG_A });
      const updated = await bound.updateLogStream(stream.id, { cursor: 5, updatedAt: now });
      const deleted = await bound.deleteLogStream(stream.id);
      const claimed = await bound.claimExport('audit_log_export_own_client', 2, now);
      const finished = await bound.updateExportIf(
        { ...exportRecord(), id: 'audit_log_export_own_client', state: 'ready', leaseToken: 2 },
        { state: 'pending', leaseToken: 2 },
      );
      const ready = await bound.listExports({ state: 'ready', limit: 10 });
      const sequenced = await bound.readSequencedEvents({
        organizationId: ORG_A,
        afterPosition: 0,
        limit: 10,
      });
      const head = await bound.getSequenceHead(ORG_A);
      const checkpoint = {
        organizationId: ORG_A,
        size: 1,
        hash: 'a'.repeat(64),
        issuedAt: now,
        keyId: 'key-1',
        reason: 'manual' as const,
        signature: 'c2lnbmF0dXJl',
      };
      const checkpointStored = await bound.insertCheckpoint(checkpoint);
      const checkpoints = await bound.listCheckpoints({ organizationId: ORG_A, order: 'asc', limit: 10 });
      const deletedThrough = await bound.deleteEventsThrough(ORG_A, 1, 10);
      for (const method of OWN_CLIENT_METHODS) called.add(method);
      return {
        grant,
        read,
        listed,
        updated,
        deleted,
        claimed,
        finished,
        ready,
        sequenced,
        head,
        checkpointStored,
        checkpoints,
        deletedThrough,
      };
    });
    expect(result.grant).toMatchObject({ name: 'lease-1', holder: 'me', token: 1 });
    expect(result.read).toMatchObject({ id: stream.id, cursor: 0 });
    expect(result.listed.map((record) => record.id)).toEqual([stream.id]);
    expect([result.updated, result.deleted]).toEqual([true, true]);
    expect(result.claimed).toMatchObject({ leaseToken: 2 });
    expect(result.finished).toBe(true);
    expect(result.ready.map((record) => record.id)).toContain('audit_log_export_own_client');
    expect([result.sequenced, result.head, result.checkpointStored, result.deletedThrough]).toEqual([
      [],
      undefined,
      true,
      0,
    ]);
    expect(result.checkpoints.map((stored) => stored.size)).toEqual([1]);
    expect([...called].sort()).toEqual(
      Object.keys(bound)
        .filter((key) => OWN_CLIENT_METHODS.includes(key))
        .sort(),
    );
    expect(commands.length).toBeGreaterThan(0);
    expect(commands.filter((command) => command.lsid === sessionId())).toEqual([]);
  });
});

describe('binding to a ClientSession', () => {
  it('refuses, with transactions_unsupported and before sending anything, on a server without transactions', async () => {
    const checked = await openStore({});
    try {
      expect(checked.capabilities.transactions).toBe(false);
      sent = [];
      session.startTransaction();
      const error = await expectAuditKitError(
        (async () => checked.withTransaction?.(session))(),
        'transactions_unsupported',
      );
      expect(error.message).toMatch(/no multi-document transactions|does not support sessions/);
      expect(sent).toEqual([]);
    } finally {
      await session.abortTransaction().catch(() => undefined);
      await checked.close();
    }
  });

  it('refuses a call on a session outside a transaction with invalid_request, sending nothing', async () => {
    const checked = await openStore({ ignoreServerCapability: true });
    try {
      const bound = checked.withTransaction?.(session) as AuditStore;
      sent = [];
      const error = await expectAuditKitError(bound.getRetention(ORG_A), 'invalid_request');
      expect(error.message).toMatch(/not inside a transaction/);
      await session.endSession();
      await expectAuditKitError(insertRows(bound, [eventRow('k', 'f')]), 'invalid_request');
      expect(sent.filter((command) => command.name !== 'endSessions')).toEqual([]);
    } finally {
      await checked.close();
    }
  });

  it('refuses a handle that is not a ClientSession, or a session of another client, with invalid_request', async () => {
    const other = new MongoClient(databases.url);
    const foreign = other.startSession();
    try {
      for (const handle of [{}, null, 'session', client]) {
        await expectAuditKitError(
          (async () => store.withTransaction?.(handle as ClientSession))(),
          'invalid_request',
        );
      }
      const error = await expectAuditKitError(
        (async () => store.withTransaction?.(foreign))(),
        'invalid_request',
      );
      expect(error.message).toMatch(/another MongoClient/);
    } finally {
      await foreign.endSession();
      await other.close();
    }
  });
});
