import { afterEach, describe, expect, it } from 'vitest';
import { type AuditLog, createAuditLog } from '../audit-log.js';
import type { CreatedAuditLogEvent } from '../event-model.js';
import type { LogStreamSettings } from '../log-streams/delivery.js';
import type { AuditStore } from '../store.js';
import { ORG_A, signInEvent } from './fixtures.js';
import { type LogStreamReceiver, startLogStreamReceiver } from './log-stream-receiver.js';
import { expectWholeSequence } from './sequence-check.js';
import type { ApplicationTransaction } from './transaction-hooks.js';

/** How {@link runLogStreamCommitOrderCases} reaches a database. */
export interface LogStreamCommitOrderOptions {
  /** A new, empty database location (file, schema). */
  freshLocation(): string | Promise<string>;
  /** A store on a location; called twice per test (a setup log and the delivering log). */
  openStore(location: string): AuditStore;
  /**
   * Begins a transaction of the application's on `location`, with the handle `withTransaction`
   * accepts. It must take no write lock before its first write where `callerCommitsLate` holds
   * (a case commits another transaction while this one is open).
   */
  beginTransaction(location: string): Promise<ApplicationTransaction>;
  /**
   * `false` where an application's transaction cannot take its event's id before another
   * transaction commits and still commit after it; the case is then reported skipped, naming
   * `callerCannotCommitLate` as the reason. Default `true`.
   */
  callerCommitsLate?: boolean;
  /** Why `callerCommitsLate` is `false`. */
  callerCannotCommitLate?: string;
}

// A long lease: in the window where the application's transaction holds SQLite's write lock, the
// delivering process must have no write of its own to make (a lease renewal would wait for the
// lock synchronously, on better-sqlite3, and stall the test). Streams are created before the
// delivering log opens, so its first scan finds them without waiting for the next one.
const SETTINGS: Partial<LogStreamSettings> = {
  deliver: true,
  pollIntervalMs: 10,
  leaseTtlMs: 60_000,
  batchSize: 100,
  initialBackoffMs: 50,
  maxBackoffMs: 200,
};

const SECRET = 'whsec_commit_order';

/** A store whose next `insertEvents` (also through `withTransaction`) waits until released. */
function holdingStore(inner: AuditStore) {
  let armed: { reached: () => void; released: Promise<void> } | undefined;
  let reads = 0;
  const wrap = (store: AuditStore): AuditStore =>
    new Proxy(store, {
      get(target, property) {
        if (property === 'insertEvents') {
          return async (...args: Parameters<AuditStore['insertEvents']>) => {
            const hold = armed;
            armed = undefined;
            if (hold) {
              hold.reached();
              await hold.released;
            }
            return target.insertEvents(...args);
          };
        }
        if (property === 'readSequencedEvents') {
          return (...args: Parameters<AuditStore['readSequencedEvents']>) => {
            reads += 1;
            return target.readSequencedEvents(...args);
          };
        }
        if (property === 'withTransaction' && target.withTransaction) {
          const bind = target.withTransaction.bind(target);
          return (handle: unknown) => wrap(bind(handle));
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  return {
    store: wrap(inner),
    /** How many sequence reads (the deliverer's polls) reached the store so far. */
    get reads() {
      return reads;
    },
    /** Holds the next insertEvents: `reached` once it is waiting (ids assigned), until `release()`. */
    holdNextInsert() {
      let reached: () => void = () => {};
      let release: () => void = () => {};
      const reachedPromise = new Promise<void>((resolve) => {
        reached = resolve;
      });
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      armed = { reached, released };
      return { reached: reachedPromise, release };
    },
  };
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Log streams deliver by commit-ordered position, so an event whose transaction commits after a
 * later event's is delivered after it, never skipped: the case a cursor on ids or `receivedAt`
 * gets wrong. Run by the SQL adapters' log stream test files, with the application's own
 * transactions.
 *
 * @example
 * ```ts
 * runLogStreamCommitOrderCases({ freshLocation, openStore: (filename) => sqliteStore({ filename }), beginTransaction });
 * ```
 */
export function runLogStreamCommitOrderCases(options: LogStreamCommitOrderOptions): void {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
  });

  describe('log stream delivery in commit order', () => {
    it('delivers an event that took its id first but committed after a caller transaction’s later one, none skipped', async () => {
      await lateCommit(options, 'own');
    });

    if (options.callerCommitsLate === false) {
      it.skip(`delivers a caller transaction’s event that took its id first and committed last: ${options.callerCannotCommitLate}`, () => {});
    } else {
      it('delivers a caller transaction’s event that took its id first and committed last, after the later one, none skipped', async () => {
        await lateCommit(options, 'caller');
      });
    }
  });

  /**
   * T1 takes its event's id and receivedAt, then its write waits (held between core and the
   * store); T2 takes a later id, commits, and is delivered; then T1 writes and commits. With
   * `late` = 'caller', T1 is the application's transaction and stays open, written, while the
   * deliverer polls; with 'own', T1 is AuditKit's own write and T2 the application's transaction.
   */
  async function lateCommit(options: LogStreamCommitOrderOptions, late: 'own' | 'caller') {
    const location = await options.freshLocation();
    const receiver: LogStreamReceiver = await startLogStreamReceiver({ type: 'webhook', secret: SECRET });
    cleanup.push(() => receiver.close());
    // The stream exists before the delivering log opens (see SETTINGS).
    const setup = await createAuditLog({ store: options.openStore(location), requireSchemas: false });
    const stream = await setup.createLogStream({
      organizationId: ORG_A,
      destination: { type: 'webhook', url: receiver.url, secret: SECRET },
      startAt: 'beginning',
    });
    await setup.close();
    const held = holdingStore(options.openStore(location));
    const auditLog: AuditLog = await createAuditLog({
      store: held.store,
      requireSchemas: false,
      logStreams: SETTINGS,
    });
    cleanup.push(() => auditLog.close());
    const delivered = (id: string) => receiver.events.some((event) => event.id === id);
    const cursorAt = async (position: number) => (await auditLog.getLogStream(stream.id)).cursor === position;
    const begin = async () => {
      const transaction = await options.beginTransaction(location);
      let open = true;
      cleanup.push(async () => {
        if (open) await transaction.rollback();
      });
      return {
        transaction,
        commit: async () => {
          open = false;
          await transaction.commit();
        },
      };
    };

    const [first] = await auditLog.createEvents(ORG_A, [signInEvent({ metadata: { n: 0 } })]);
    await until('the first event is delivered and acknowledged', async () =>
      first ? delivered(first.id) && (await cursorAt(1)) : false,
    );

    // T1: its event gets its id and receivedAt now; its write waits until released.
    const t1 = late === 'caller' ? await begin() : undefined;
    const hold = held.holdNextInsert();
    const t1Item = { event: signInEvent({ metadata: { n: 1 } }), idempotencyKey: 't1' };
    const t1Write = t1
      ? auditLog.withTransaction(t1.transaction.handle).createEvents(ORG_A, [t1Item])
      : auditLog.createEvents(ORG_A, [t1Item]);
    await hold.reached;

    // T2 begins after T1, takes a later id, commits first, and is delivered.
    const t2Item = { event: signInEvent({ metadata: { n: 2 } }), idempotencyKey: 't2' };
    let second: CreatedAuditLogEvent | undefined;
    if (late === 'caller') {
      [second] = await auditLog.createEvents(ORG_A, [t2Item]);
    } else {
      const t2 = await begin();
      [second] = await auditLog.withTransaction(t2.transaction.handle).createEvents(ORG_A, [t2Item]);
      await t2.transaction.writeAppRow('t2');
      await t2.commit();
    }
    if (!second) throw new Error('T2 stored nothing');
    const t2Id = second.id;
    await until(
      'T2’s event is delivered and acknowledged',
      async () => delivered(t2Id) && (await cursorAt(2)),
    );

    hold.release();
    const [lateEvent] = await t1Write;
    if (!lateEvent) throw new Error('T1 stored nothing');
    if (t1) {
      // Written and still open while the deliverer polls: nothing of it may be delivered
      // (uncommitted), and the cursor may not pass it.
      await t1.transaction.writeAppRow('late-commit');
      const readsBefore = held.reads;
      await until('the deliverer polled three times while T1 is open', () => held.reads >= readsBefore + 3);
      expect(delivered(lateEvent.id)).toBe(false);
      expect(await cursorAt(2)).toBe(true);
      await t1.commit();
    }

    await until('T1’s event is delivered after its commit', () => delivered(lateEvent.id));
    // T1's event came first by id and receivedAt; it is delivered after T2's, at the next position.
    expect(lateEvent.id < second.id).toBe(true);
    expect(lateEvent.receivedAt.getTime()).toBeLessThanOrEqual(second.receivedAt.getTime());
    expect(receiver.events.map((event) => [event.id, event.position])).toEqual([
      [first?.id, 1],
      [second.id, 2],
      [lateEvent.id, 3],
    ]);
    expect(receiver.unauthorized).toBe(0);
    await until('the cursor is acknowledged at 3', () => cursorAt(3));
    expect((await expectWholeSequence(auditLog, ORG_A)).map((sequenced) => sequenced.event.id)).toEqual([
      first?.id,
      second.id,
      lateEvent.id,
    ]);
  }
}
