import type { AuditLogSchema } from '@auditkit/core';
import type {
  ActionRecord,
  AuditStore,
  AuditStoreCapabilities,
  ChainLink,
  Checkpoint,
  EventPageQuery,
  EventRow,
  EventSummary,
  EventWriteFact,
  ExportRecord,
  IdempotencyDecision,
  InsertEventsResult,
  SequenceChain,
  SequencedEvent,
  SequenceHead,
} from '@auditkit/core/store';
import type { Kysely, Selectable } from 'kysely';
import { type CallerTransaction, type DataMethods, onCallerTransaction } from './caller-transaction.js';
import type { SqlDialectTraits } from './dialect-traits.js';
import { eventColumnsInserter } from './event-insert.js';
import { columnsToEvent, eventToColumns } from './event-rows.js';
import { sqlLeases } from './leases.js';
import { sqlLogStreams } from './log-streams.js';
import { ConflictRollback, ownTransactionWriter, type RowWriter, savepointWriter } from './row-writers.js';
import { SequenceHeadCache } from './sequence-head-cache.js';
import { lastLinks, linkRows, sequenceHeadStatements } from './sequence-heads.js';
import type { AuditDatabase, ExportsTable, SchemasTable } from './tables.js';
import {
  type SequencingSwitch,
  UNSEQUENCED_FOR_BENCHMARKS,
  unsequencedWholeInsert,
} from './unsequenced-writes.js';

/** What an SQL adapter hands to {@link kyselyStore}. */
export interface KyselyStoreConfig<TransactionHandle = unknown> {
  name: string;
  capabilities: AuditStoreCapabilities;
  /** A Kysely instance on the adapter's database (its own, or wrapping the app's pool). */
  db: Kysely<AuditDatabase>;
  traits: SqlDialectTraits;
  /** Runs the adapter's migrations under its database's lock. */
  migrate(): Promise<void>;
  /** Releases what the adapter created; never the application's own pool or database. */
  release(): Promise<void>;
  /**
   * Turns a handle of the application's transaction into a kysely executor on its connection
   * (see {@link CallerTransaction}); throws `invalid_request` for a handle it does not accept.
   * Without it the store reports no `transactions` capability.
   */
  bindTransaction?(handle: TransactionHandle): CallerTransaction;
  /**
   * Set when every connection of `db` runs an `eachRowQuery` (AuditKit's statement cache on
   * better-sqlite3): with `traits.rowByRowInsert`, a batch's single-row inserts are sent in
   * each-row queries of up to 64 rows.
   */
  eachRowQueries?: boolean;
}

function byKey(a: EventRow, b: EventRow): number {
  if (a.organizationId !== b.organizationId) return a.organizationId < b.organizationId ? -1 : 1;
  if (a.idempotencyKey === b.idempotencyKey) return 0;
  return a.idempotencyKey < b.idempotencyKey ? -1 : 1;
}

/** The heads a sequenced write left (once it returns), and the organizations whose remembered head was wrong. */
interface WrittenHeads {
  heads?: Map<string, SequenceHead>;
  missed: string[];
}

/**
 * The largest write done in one statement outside a transaction (`advanceFromWithAllRows`). On
 * PostgreSQL 15 one statement wrote batches of 100 rows 10–13 % faster than two, and batches of
 * 300 and 1,000 rows 7–20 % slower (`docs/benchmarks.md`, seventh round): the round trips it
 * saves stop mattering.
 */
const MAX_ROWS_IN_ONE_STATEMENT = 100;

// One fact object for every inserted row rather than one each: a batch's 1,000 facts live until
// core has decided, which is what makes V8 allocate such objects in the old generation (see
// plain-object.ts in @auditkit/core). Core only reads facts; frozen, none can be changed.
const INSERTED: EventWriteFact = Object.freeze({ inserted: true });

/** The link computed for `row` (every row has one: the chain returns one per row). */
function linkedOf(linkOf: ReadonlyMap<string, ChainLink | undefined>, row: EventRow): ChainLink {
  const link = linkOf.get(row.id);
  if (!link) throw new Error('the chain returned fewer links than rows');
  return link;
}

/**
 * `links` with the rows of `organizations` linked again after their `heads` (the others' links
 * are kept: their heads did not change).
 */
function relink(
  rows: readonly EventRow[],
  links: readonly ChainLink[],
  organizations: ReadonlySet<string>,
  heads: ReadonlyMap<string, SequenceHead | undefined>,
  chain: SequenceChain,
): ChainLink[] {
  const indexes: number[] = [];
  rows.forEach((row, index) => {
    if (organizations.has(row.organizationId)) indexes.push(index);
  });
  const again = linkRows(
    indexes.map((index) => rows[index] as EventRow),
    heads,
    chain,
  );
  const relinked = [...links];
  indexes.forEach((rowIndex, index) => {
    relinked[rowIndex] = again[index] as ChainLink;
  });
  return relinked;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/**
 * The {@link AuditStore} contract on kysely: one implementation for every SQL database, each
 * adapter supplying its connection, migrations and {@link SqlDialectTraits}.
 *
 * @example
 * ```ts
 * export function myDialectStore(db: Kysely<AuditDatabase>): AuditStore {
 *   return kyselyStore({ name: 'mydb', capabilities: { persistent: true }, db, traits, migrate, release });
 * }
 * ```
 */
export function kyselyStore<TransactionHandle = unknown>(
  config: KyselyStoreConfig<TransactionHandle>,
): AuditStore<TransactionHandle> {
  const { db, traits, bindTransaction } = config;
  // Leases (and log streams, whose cursors are fenced by leases) always run on AuditKit's own
  // connections, also for a store bound to the caller's transaction: a grant must be visible to
  // other processes at once, not when the caller commits.
  const leases = { ...sqlLeases(db, traits), ...sqlLogStreams(db, traits) };
  const sequencing: SequencingSwitch = { on: true };
  const store: AuditStore<TransactionHandle> = {
    ...storeOn(
      db,
      traits,
      ownTransactionWriter(db),
      sequencing,
      new SequenceHeadCache(),
      config.eachRowQueries === true,
    ),
    ...leases,
    name: config.name,
    capabilities: { ...config.capabilities, transactions: bindTransaction !== undefined },
    open: () => config.migrate(),
    close: () => config.release(),
  };
  if (bindTransaction) {
    store.withTransaction = (handle) => {
      const caller = bindTransaction(handle);
      return {
        ...onCallerTransaction(
          caller,
          storeOn(
            caller.db,
            traits,
            savepointWriter(caller),
            sequencing,
            undefined,
            caller.eachRowQueries === true,
          ),
        ),
        ...leases,
        name: config.name,
        // Reads inside the caller's transaction page through findEvents: no COPY cells here.
        capabilities: { ...config.capabilities, transactions: true, exportCells: false },
        open: async () => {},
        close: async () => {},
      };
    };
  }
  // Not enumerable and keyed by a symbol: no spread, option or type carries it (see its doc).
  Object.defineProperty(store, UNSEQUENCED_FOR_BENCHMARKS, {
    value: () => {
      sequencing.on = false;
    },
  });
  return store;
}

/** The data methods of the store on one executor: AuditKit's own pool, or the caller's transaction. */
function storeOn(
  db: Kysely<AuditDatabase>,
  traits: SqlDialectTraits,
  writer: RowWriter,
  sequencing: SequencingSwitch,
  /** Heads this process wrote, on AuditKit's own connections only (see SequenceHeadCache). */
  headCache: SequenceHeadCache | undefined,
  /** Whether `db`'s connections run an `eachRowQuery`. */
  eachRowQueries: boolean,
): DataMethods {
  const reused = traits.reusedStatement?.bind(traits);
  const insertColumns = eventColumnsInserter(
    reused,
    !traits.rowByRowInsert ? 'multi-row' : eachRowQueries ? 'each-row' : 'row-by-row',
  );
  const sequenceHeads = sequenceHeadStatements(reused);
  const insertAllUnsequenced = unsequencedWholeInsert(reused);
  const toEvent = (columns: Parameters<typeof columnsToEvent>[0]) => columnsToEvent(columns, traits);
  const toSchema = (row: Selectable<SchemasTable>): AuditLogSchema => ({
    object: 'audit_log_schema',
    action: row.action,
    version: Number(row.version),
    ...(traits.decodeJson(row.definition) as Omit<
      AuditLogSchema,
      'object' | 'action' | 'version' | 'createdAt'
    >),
    createdAt: traits.decodeTime(row.created_at),
  });
  const toExport = (row: Selectable<ExportsTable>): ExportRecord => {
    const record: ExportRecord = {
      id: row.id,
      state: row.state as ExportRecord['state'],
      organizationId: row.organization_id,
      format: row.format as ExportRecord['format'],
      filters: row.filters,
      createdAt: traits.decodeTime(row.created_at),
      updatedAt: traits.decodeTime(row.updated_at),
    };
    if (row.path !== null) record.path = row.path;
    if (row.row_count !== null) record.rowCount = Number(row.row_count);
    if (row.error_message !== null) record.errorMessage = row.error_message;
    if (row.lease_token !== null) record.leaseToken = Number(row.lease_token);
    if (row.object_key !== null) record.objectKey = row.object_key;
    if (row.expires_at !== null) record.expiresAt = traits.decodeTime(row.expires_at);
    return record;
  };
  const exportColumns = (record: ExportRecord) => ({
    id: record.id,
    state: record.state,
    organization_id: record.organizationId,
    format: record.format,
    filters: record.filters,
    created_at: traits.encodeTime(record.createdAt),
    updated_at: traits.encodeTime(record.updatedAt),
    path: record.path ?? null,
    row_count: record.rowCount ?? null,
    error_message: record.errorMessage ?? null,
    lease_token: record.leaseToken ?? null,
    object_key: record.objectKey ?? null,
    expires_at: record.expiresAt === undefined ? null : traits.encodeTime(record.expiresAt),
  });

  return {
    insertEvents: (rows, decide, chain) =>
      sequencing.on ? writeSequenced(rows, decide, chain, headCache) : writeUnsequenced(rows, decide),

    readSequencedEvents: async ({ organizationId, afterPosition, limit }): Promise<SequencedEvent[]> => {
      const rows = await db
        .selectFrom('auditkit_events')
        .selectAll()
        .where('organization_id', '=', organizationId)
        .where('position', '>', afterPosition)
        .orderBy('position')
        .limit(limit)
        .execute();
      return rows.map((row) => ({
        position: Number(row.position),
        hash: row.hash,
        previousHash: row.previous_hash,
        idempotencyKey: row.idempotency_key,
        event: toEvent(row),
      }));
    },

    getSequenceHead: async (organizationId): Promise<SequenceHead | undefined> => {
      const row = await db
        .selectFrom('auditkit_sequence_heads')
        .select(['position', 'hash'])
        .where('organization_id', '=', organizationId)
        .executeTakeFirst();
      // A head of 0 is left by a write that locked a new organization's head and stored nothing.
      return row && Number(row.position) > 0 ? { position: Number(row.position), hash: row.hash } : undefined;
    },

    findEvents: async (query) => {
      const rows = await selectEvents(db, traits, query).execute();
      return rows.map(toEvent);
    },

    deleteEventsThrough: async (organizationId, through, limit) => {
      const result = await db
        .deleteFrom('auditkit_events')
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('auditkit_events')
            .select('id')
            .where('organization_id', '=', organizationId)
            .where('position', '<=', through)
            .orderBy('position')
            .limit(limit),
        )
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    insertCheckpoint: async (checkpoint) => {
      const result = await db
        .insertInto('auditkit_checkpoints')
        .values({
          organization_id: checkpoint.organizationId,
          size: checkpoint.size,
          key_id: checkpoint.keyId,
          hash: checkpoint.hash,
          issued_at: traits.encodeTime(checkpoint.issuedAt),
          reason: checkpoint.reason,
          signature: checkpoint.signature,
        })
        .onConflict((conflict) => conflict.columns(['organization_id', 'size', 'key_id']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    listCheckpoints: async ({ organizationId, order, after, limit }): Promise<Checkpoint[]> => {
      let query = db
        .selectFrom('auditkit_checkpoints')
        .selectAll()
        .where('organization_id', '=', organizationId);
      if (after !== undefined) query = query.where('size', order === 'asc' ? '>' : '<', after);
      const rows = await query.orderBy('size', order).orderBy('key_id', 'asc').limit(limit).execute();
      return rows.map((row) => ({
        organizationId: row.organization_id,
        size: Number(row.size),
        hash: row.hash,
        issuedAt: traits.decodeTime(row.issued_at),
        keyId: row.key_id,
        reason: row.reason as Checkpoint['reason'],
        signature: row.signature,
      }));
    },

    deleteEventsBefore: async (organizationId, before, limit) => {
      const result = await db
        .deleteFrom('auditkit_events')
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('auditkit_events')
            .select('id')
            .where('organization_id', '=', organizationId)
            .where('occurred_at', '<', traits.encodeTime(before))
            .orderBy('occurred_at')
            .limit(limit),
        )
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    summarizeEvents: async ({ organizationId, before }): Promise<EventSummary[]> => {
      let query = db
        .selectFrom('auditkit_events')
        .select((eb) => [
          'organization_id',
          'action',
          eb.fn.countAll().as('count'),
          eb.fn.min('occurred_at').as('oldest'),
          eb.fn.max('occurred_at').as('newest'),
        ])
        .groupBy(['organization_id', 'action']);
      if (organizationId !== undefined) query = query.where('organization_id', '=', organizationId);
      if (before !== undefined) query = query.where('occurred_at', '<', traits.encodeTime(before));
      const rows = await query.execute();
      return rows.map((row) => ({
        organizationId: row.organization_id,
        action: row.action,
        count: Number(row.count),
        oldest: traits.decodeTime(row.oldest),
        newest: traits.decodeTime(row.newest),
      }));
    },

    insertSchema: async (schema) => {
      const { object: _o, action, version, createdAt, ...definition } = schema;
      const result = await db
        .insertInto('auditkit_schemas')
        .values({
          action,
          version,
          definition: traits.encodeJson(definition),
          created_at: traits.encodeTime(createdAt),
        })
        .onConflict((conflict) => conflict.columns(['action', 'version']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
    },

    getSchema: async (action, version) => {
      let query = db.selectFrom('auditkit_schemas').selectAll().where('action', '=', action);
      query =
        version === undefined
          ? query.orderBy('version', 'desc').limit(1)
          : query.where('version', '=', version);
      const row = await query.executeTakeFirst();
      return row && toSchema(row);
    },

    listSchemas: async ({ action, order, afterVersion, limit }) => {
      let query = db.selectFrom('auditkit_schemas').selectAll().where('action', '=', action);
      if (afterVersion !== undefined)
        query = query.where('version', order === 'asc' ? '>' : '<', afterVersion);
      const rows = await query.orderBy('version', order).limit(limit).execute();
      return rows.map(toSchema);
    },

    listActions: async ({ order, afterAction, limit }): Promise<ActionRecord[]> => {
      let latest = db
        .selectFrom('auditkit_schemas')
        .select([
          'action',
          (eb) => eb.fn.max('version').as('latest_version'),
          (eb) => eb.fn.min('created_at').as('first_created_at'),
        ])
        .groupBy('action');
      if (afterAction !== undefined)
        latest = latest.where('action', order === 'asc' ? '>' : '<', afterAction);
      const rows = await db
        .selectFrom(latest.orderBy('action', order).limit(limit).as('latest'))
        .innerJoin('auditkit_schemas as s', (join) =>
          join.onRef('s.action', '=', 'latest.action').onRef('s.version', '=', 'latest.latest_version'),
        )
        .selectAll('s')
        .select('latest.first_created_at')
        .orderBy('s.action', order)
        .execute();
      return rows.map((row) => ({
        latest: toSchema(row),
        createdAt: traits.decodeTime(row.first_created_at),
      }));
    },

    insertExport: async (record) => {
      await db.insertInto('auditkit_exports').values(exportColumns(record)).execute();
    },
    updateExport: async (record) => {
      const { id, ...columns } = exportColumns(record);
      await db.updateTable('auditkit_exports').set(columns).where('id', '=', id).execute();
    },
    getExport: async (id) => {
      const row = await db.selectFrom('auditkit_exports').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toExport(row);
    },
    updateExportIf: async (record, expected) => {
      const { id, ...columns } = exportColumns(record);
      let update = db
        .updateTable('auditkit_exports')
        .set(columns)
        .where('id', '=', id)
        .where('state', '=', expected.state);
      if (expected.leaseToken !== undefined) update = update.where('lease_token', '=', expected.leaseToken);
      const result = await update.executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    claimExport: async (id, token, updatedAt) => {
      const row = await db
        .updateTable('auditkit_exports')
        .set({ lease_token: token, updated_at: traits.encodeTime(updatedAt) })
        .where('id', '=', id)
        .where('state', '=', 'pending')
        .where((eb) => eb.or([eb('lease_token', 'is', null), eb('lease_token', '<', token)]))
        .returningAll()
        .executeTakeFirst();
      return row && toExport(row);
    },
    listExports: async ({ state, expiresBefore, afterId, limit }) => {
      let query = db.selectFrom('auditkit_exports').selectAll().where('state', '=', state);
      if (expiresBefore !== undefined)
        query = query.where('expires_at', '<', traits.encodeTime(expiresBefore));
      if (afterId !== undefined) query = query.where('id', '>', afterId);
      const rows = await query.orderBy('id').limit(limit).execute();
      return rows.map(toExport);
    },

    setRetention: async (organizationId, days) => {
      if (days === null) {
        await db.deleteFrom('auditkit_retention').where('organization_id', '=', organizationId).execute();
        return;
      }
      await db
        .insertInto('auditkit_retention')
        .values({ organization_id: organizationId, retention_period_in_days: days })
        .onConflict((conflict) =>
          conflict.column('organization_id').doUpdateSet({ retention_period_in_days: days }),
        )
        .execute();
    },
    getRetention: async (organizationId) => {
      const row = await db
        .selectFrom('auditkit_retention')
        .select('retention_period_in_days')
        .where('organization_id', '=', organizationId)
        .executeTakeFirst();
      return { retentionPeriodInDays: row ? Number(row.retention_period_in_days) : null };
    },
    listRetention: async () => {
      const rows = await db.selectFrom('auditkit_retention').selectAll().orderBy('organization_id').execute();
      return rows.map((row) => ({
        organizationId: row.organization_id,
        retentionPeriodInDays: Number(row.retention_period_in_days),
      }));
    },
  };

  /**
   * Locks and advances the sequence heads of the rows' organizations, inserts the rows whose keys
   * are free with core's chain links, reads back the events stored under the others, and lets
   * core decide; throws ConflictRollback when core decided a conflict, to roll the transaction
   * back. The heads stay locked until the transaction ends, which is what makes positions follow
   * commit order.
   *
   * Where `cache` remembers every organization's head (this process wrote it last), the links
   * are computed first and the heads locked and advanced in one statement that holds only if
   * they are still the remembered ones (`sequenceHeads.advanceFrom`); a head that moved meanwhile
   * is read under its lock and its rows linked again. Otherwise the heads are locked and read
   * first (one statement), then advanced (one more). Either way a row is only ever written with
   * a link continuing its organization's locked head.
   */
  async function writeRows(
    executor: Kysely<AuditDatabase>,
    rows: readonly EventRow[],
    decide: IdempotencyDecision,
    chain: SequenceChain,
    cache: SequenceHeadCache | undefined,
    written: WrittenHeads,
  ): Promise<InsertEventsResult> {
    // Ascending organization order: two writes that share organizations lock their heads in the
    // same order and cannot deadlock; every later lock of this call (the unique index's) is
    // taken under them.
    const organizations = [...new Set(rows.map((row) => row.organizationId))].sort();
    const remembered = cache?.headsOf(organizations);
    // The heads the links continue from; linked as if every row were new, which is the common
    // case (replays are renumbered below).
    let heads: Map<string, SequenceHead | undefined>;
    let links: ChainLink[];
    if (remembered && cache) {
      heads = new Map(remembered);
      links = linkRows(rows, heads, chain);
      const next = lastLinks(rows, links);
      // Before the statement is sent: a write this process starts meanwhile continues from here.
      cache.advancing(heads, next);
      const moved = await sequenceHeads.advanceFrom(executor, remembered, next);
      const missed = organizations.filter((organizationId) => !moved.has(organizationId));
      if (missed.length > 0) {
        // Another process wrote since (or a write this one continued rolled back). Those heads
        // are locked now; the next write of theirs reads them under the lock, as a first would.
        cache.forget(missed);
        written.missed = missed;
        for (const [organizationId, head] of await sequenceHeads.lock(executor, missed)) {
          heads.set(organizationId, head);
        }
        links = relink(rows, links, new Set(missed), heads, chain);
        const relinked = lastLinks(rows, links);
        await sequenceHeads.write(
          executor,
          new Map(missed.map((id) => [id, relinked.get(id) as SequenceHead])),
        );
      }
    } else {
      heads = await sequenceHeads.lock(executor, organizations);
      links = linkRows(rows, heads, chain);
      const next = lastLinks(rows, links);
      cache?.advancing(heads, next);
      await sequenceHeads.write(executor, next);
    }
    const linkOf = new Map(rows.map((row, index) => [row.id, links[index]]));
    const inserted = new Set<string>();
    // Inserted in one global (organization, key) order, concurrent batches take the unique
    // index's locks in that order too, and so cannot deadlock (as they do on Postgres when
    // two batches share keys in different orders).
    const ordered = [...rows].sort(byKey);
    for (const part of chunk(ordered, traits.maxRowsPerInsert)) {
      const ids = await insertColumns(executor, part, (row) =>
        eventToColumns(row, traits, linkedOf(linkOf, row)),
      );
      for (const id of ids) inserted.add(id);
    }
    return finishRows(executor, rows, decide, chain, cache, heads, links, linkOf, inserted, written);
  }

  /**
   * The rest of a sequenced write once the rows whose ids are in `inserted` are in (linked by
   * `links` after `heads`; `linkOf` is the same links by row id): core decides on the facts, and
   * replayed rows' positions are closed up.
   */
  async function finishRows(
    executor: Kysely<AuditDatabase>,
    rows: readonly EventRow[],
    decide: IdempotencyDecision,
    chain: SequenceChain,
    cache: SequenceHeadCache | undefined,
    heads: ReadonlyMap<string, SequenceHead | undefined>,
    links: readonly ChainLink[],
    linkOf: ReadonlyMap<string, ChainLink | undefined>,
    inserted: ReadonlySet<string>,
    written: WrittenHeads,
  ): Promise<InsertEventsResult> {
    const outcome = decide(await writeFacts(executor, rows, inserted));
    if (outcome.status === 'conflict') throw new ConflictRollback(outcome);
    const fresh = rows.filter((row) => inserted.has(row.id));
    let final = lastLinks(rows, links);
    if (fresh.length < rows.length) {
      // Some rows were replays: the inserted ones close up behind the head, in ascending order,
      // so each moves down onto a free position (a replay's hole or its own).
      const freshLinks = linkRows(fresh, heads, chain);
      for (const [index, row] of fresh.entries()) {
        const link = freshLinks[index];
        if (!link) throw new Error('the chain returned fewer links than rows');
        // Unmoved means every row before it in its organization was new: the link is unchanged too.
        if (link.position === linkOf.get(row.id)?.position) continue;
        await executor
          .updateTable('auditkit_events')
          .set({ position: link.position, hash: link.hash, previous_hash: link.previousHash })
          .where('id', '=', row.id)
          .execute();
      }
      // Each head moves back to its last inserted row, or to where it was if all were replays.
      final = lastLinks(fresh, freshLinks);
      for (const organizationId of heads.keys()) {
        if (!final.has(organizationId)) {
          final.set(organizationId, heads.get(organizationId) ?? { position: 0, hash: '' });
        }
      }
      cache?.advancing(heads, final);
      await sequenceHeads.write(executor, final);
    }
    written.heads = final;
    return outcome;
  }

  /**
   * Writes through `writer` with the heads `cache` remembers: a write that did not commit is
   * forgotten (a write that continued from it misses and links again), one that did is
   * remembered for the next. A small write that continues from remembered heads, with no other
   * write of this process on its organizations, is first tried in one statement outside a
   * transaction (`writeInOneStatement`).
   */
  async function writeSequenced(
    rows: readonly EventRow[],
    decide: IdempotencyDecision,
    chain: SequenceChain,
    cache: SequenceHeadCache | undefined,
  ): Promise<InsertEventsResult> {
    const organizations = [...new Set(rows.map((row) => row.organizationId))].sort();
    const alone = cache?.startWriting(organizations) ?? false;
    try {
      const whole =
        alone && cache ? await writeInOneStatement(rows, decide, chain, cache, organizations) : undefined;
      return whole ?? (await writeThroughCache(rows, decide, chain, cache, organizations));
    } finally {
      cache?.endWriting(organizations);
    }
  }

  /**
   * The whole write as one statement on AuditKit's own connections, outside a transaction
   * (`sequenceHeads.advanceFromWithAllRows`): the remembered heads move and every row goes in
   * with its link, or nothing is written. Only where the dialect has the statement, the write
   * is at most {@link MAX_ROWS_IN_ONE_STATEMENT} rows and `cache` remembers every head. Returns
   * `undefined` when nothing was written because a head had moved, a row's key was taken or
   * another writer holds a row's position: the caller then writes in a transaction from the
   * heads in the database (the cache forgot them), which handles each of those.
   *
   * Only when no other write of this process is moving these heads (`alone`): one that
   * continues from a write in flight can take the lock before that write's successor
   * (PostgreSQL wakes row-lock waiters in no set order) and miss.
   */
  async function writeInOneStatement(
    rows: readonly EventRow[],
    decide: IdempotencyDecision,
    chain: SequenceChain,
    cache: SequenceHeadCache,
    organizations: readonly string[],
  ): Promise<InsertEventsResult | undefined> {
    const dialect = traits.headAdvanceWithInsert;
    if (!dialect || rows.length > MAX_ROWS_IN_ONE_STATEMENT) return undefined;
    const remembered = cache.headsOf(organizations);
    if (!remembered) return undefined;
    const heads = new Map<string, SequenceHead | undefined>(remembered);
    const links = linkRows(rows, heads, chain);
    const next = lastLinks(rows, links);
    // Before the statement is sent: a write this process starts meanwhile continues from here.
    cache.advancing(heads, next);
    const linkOf = new Map(rows.map((row, index) => [row.id, links[index]]));
    try {
      // In one global (organization, key) order, as every insert (see writeRows).
      await sequenceHeads.advanceFromWithAllRows(
        db,
        remembered,
        next,
        [...rows].sort(byKey).map((row) => eventToColumns(row, traits, linkedOf(linkOf, row))),
      );
    } catch (error) {
      cache.forget(organizations);
      if (dialect.isIncomplete(error) || dialect.isPositionTaken(error)) return undefined;
      throw error;
    }
    const outcome = decide(rows.map(() => INSERTED));
    // Core decides a conflict only for a row that found its key taken; every row here was new.
    if (outcome.status === 'conflict')
      throw new Error('a conflict was decided for rows that were all inserted');
    cache.committed(next);
    return outcome;
  }

  /** One write in a transaction through `writer`, counted by `writeSequenced`. */
  async function writeThroughCache(
    rows: readonly EventRow[],
    decide: IdempotencyDecision,
    chain: SequenceChain,
    cache: SequenceHeadCache | undefined,
    organizations: readonly string[],
  ): Promise<InsertEventsResult> {
    const written: WrittenHeads = { missed: [] };
    let outcome: InsertEventsResult;
    try {
      outcome = await writer((executor) => writeRows(executor, rows, decide, chain, cache, written));
    } catch (error) {
      cache?.forget(organizations);
      throw error;
    }
    if (outcome.status === 'conflict') cache?.forget(organizations);
    else if (written.heads) {
      // Not those whose remembered head was wrong: another process is writing them, and the
      // next write reads them under the lock instead of trying a head that likely moved again.
      for (const organizationId of written.missed) written.heads.delete(organizationId);
      cache?.committed(written.heads);
    }
    return outcome;
  }

  /**
   * What happened to each of `rows` once the rows whose ids are in `inserted` were inserted: those
   * are new; every other one found the key taken, and the fact carries the event stored under it.
   */
  async function writeFacts(
    executor: Kysely<AuditDatabase>,
    rows: readonly EventRow[],
    inserted: ReadonlySet<string>,
  ): Promise<EventWriteFact[]> {
    const existing = await findByKeys(
      executor,
      rows.filter((row) => !inserted.has(row.id)),
    );
    return rows.map((row): EventWriteFact => {
      if (inserted.has(row.id)) return INSERTED;
      const stored = existing.get(`${row.organizationId}\u0000${row.idempotencyKey}`);
      if (!stored) throw new Error(`event with key "${row.idempotencyKey}" was neither inserted nor found`);
      return { inserted: false, stored: { fingerprint: stored.fingerprint, event: toEvent(stored) } };
    });
  }

  /**
   * The benchmark's integrity-off write (unsequenced-writes.ts): a small group in one statement
   * outside a transaction where integrity on writes it so (`writeInOneStatement`), otherwise the
   * rows in a transaction (one row without one, as before the sequence).
   */
  async function writeUnsequenced(rows: readonly EventRow[], decide: IdempotencyDecision) {
    const dialect = traits.headAdvanceWithInsert;
    if (dialect && headCache && rows.length > 1 && rows.length <= MAX_ROWS_IN_ONE_STATEMENT) {
      try {
        await insertAllUnsequenced(
          db,
          [...rows].sort(byKey).map((row) => eventToColumns(row, traits)),
        );
        return decide(rows.map(() => INSERTED));
      } catch (error) {
        if (!dialect.isIncomplete(error)) throw error;
      }
    }
    return writer((executor) => writeUnsequencedRows(executor, rows, decide), {
      withoutTransaction: rows.length === 1,
    });
  }

  async function writeUnsequencedRows(
    executor: Kysely<AuditDatabase>,
    rows: readonly EventRow[],
    decide: IdempotencyDecision,
  ): Promise<InsertEventsResult> {
    const inserted = new Set<string>();
    for (const part of chunk([...rows].sort(byKey), traits.maxRowsPerInsert)) {
      const ids = await insertColumns(executor, part, (row) => eventToColumns(row, traits));
      for (const id of ids) inserted.add(id);
    }
    const outcome = decide(await writeFacts(executor, rows, inserted));
    if (outcome.status === 'conflict') throw new ConflictRollback(outcome);
    return outcome;
  }

  async function findByKeys(trx: Kysely<AuditDatabase>, rows: readonly EventRow[]) {
    const found = new Map<string, Selectable<AuditDatabase['auditkit_events']>>();
    const byOrganization = new Map<string, EventRow[]>();
    for (const row of rows) {
      const group = byOrganization.get(row.organizationId);
      if (group) group.push(row);
      else byOrganization.set(row.organizationId, [row]);
    }
    for (const [organizationId, group] of byOrganization) {
      for (const part of chunk(group, traits.maxRowsPerInsert)) {
        const stored = await trx
          .selectFrom('auditkit_events')
          .selectAll()
          .where('organization_id', '=', organizationId)
          .where(
            'idempotency_key',
            'in',
            part.map((row) => row.idempotencyKey),
          )
          .execute();
        for (const row of stored) found.set(`${row.organization_id}\u0000${row.idempotency_key}`, row);
      }
    }
    return found;
  }
}

/**
 * Which of the range bound and the keyset bound to send on each side. Only the tighter one is
 * sent: with both, SQLite seeks from the range start on every page, which makes a full export
 * quadratic.
 */
function tighterBounds(query: Omit<EventPageQuery, 'limit'>) {
  const afterTime = query.after?.occurredAt.getTime();
  if (afterTime === undefined)
    return { rangeStart: query.rangeStart, rangeEnd: query.rangeEnd, after: undefined };
  if (query.order === 'asc') {
    const keysetIsTighter = !query.rangeStart || afterTime >= query.rangeStart.getTime();
    return keysetIsTighter
      ? { rangeStart: undefined, rangeEnd: query.rangeEnd, after: query.after }
      : { rangeStart: query.rangeStart, rangeEnd: query.rangeEnd, after: undefined };
  }
  const keysetIsTighter = !query.rangeEnd || afterTime < query.rangeEnd.getTime();
  return keysetIsTighter
    ? { rangeStart: query.rangeStart, rangeEnd: undefined, after: query.after }
    : { rangeStart: query.rangeStart, rangeEnd: query.rangeEnd, after: undefined };
}

/** The keyset query behind reads and exports; every filter becomes SQL. */
function selectEvents(db: Kysely<AuditDatabase>, traits: SqlDialectTraits, query: EventPageQuery) {
  return filteredEvents(db, traits, query)
    .orderBy('occurred_at', query.order)
    .orderBy('id', query.order)
    .limit(query.limit);
}

/**
 * Every column of the events matching `query`'s filter (and keyset position, if any), unordered
 * and unlimited: the `WHERE` clause every read uses, for a store that reads events another way
 * (the Postgres store's `COPY` export).
 *
 * @example
 * ```ts
 * const { sql, parameters } = filteredEvents(db, traits, { organizationId: 'org_1', order: 'asc' }).compile();
 * ```
 */
export function filteredEvents(
  db: Kysely<AuditDatabase>,
  traits: SqlDialectTraits,
  query: Omit<EventPageQuery, 'limit'>,
) {
  const { rangeStart, rangeEnd, after } = tighterBounds(query);
  let select = db
    .selectFrom('auditkit_events')
    .selectAll()
    .where('organization_id', '=', query.organizationId);
  if (rangeStart) select = select.where('occurred_at', '>=', traits.encodeTime(rangeStart));
  if (rangeEnd) select = select.where('occurred_at', '<', traits.encodeTime(rangeEnd));
  if (query.actions) select = select.where('action', 'in', query.actions);
  if (query.actorIds) select = select.where('actor_id', 'in', query.actorIds);
  if (query.actorNames) select = select.where('actor_name', 'in', query.actorNames);
  if (query.targets) select = select.where(traits.hasTargetType(query.targets));
  if (after) {
    select = select.where((eb) =>
      eb(
        eb.refTuple('occurred_at', 'id'),
        query.order === 'asc' ? '>' : '<',
        eb.tuple(traits.encodeTime(after.occurredAt), after.id),
      ),
    );
  }
  return select;
}
