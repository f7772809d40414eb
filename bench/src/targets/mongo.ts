import { mongoStore } from '@auditkit/adapter-mongo';
import { createAuditLog } from '@auditkit/core';
import { MongoClient } from 'mongodb';
import { startMongoServer } from '../../../scripts/mongo-server.mjs';
import { csvCell, RAW_CSV_HEADER } from '../raw-csv.js';
import type { BenchTarget, RawDriver, RawRow } from '../target.js';

// The export children reach the server the parent started through this variable.
export function mongoBenchUrl(): string {
  const url = process.env.AUDITKIT_BENCH_MONGODB_URL ?? process.env.MONGODB_URL;
  if (!url) throw new Error('no MongoDB server: the bench parent sets AUDITKIT_BENCH_MONGODB_URL');
  return url;
}

function toDocument(row: RawRow) {
  return {
    _id: row.id,
    organization_id: row.organizationId,
    idempotency_key: row.idempotencyKey,
    action: row.action,
    version: row.version,
    occurred_at: row.occurredAt,
    received_at: row.receivedAt,
    actor: {
      type: row.actorType,
      id: row.actorId,
      name: row.actorName,
      metadata: row.actorMetadata && JSON.parse(row.actorMetadata),
    },
    targets: JSON.parse(row.targets),
    context: { location: row.contextLocation, user_agent: row.contextUserAgent },
    metadata: row.metadata && JSON.parse(row.metadata),
  };
}

/** MongoDB (FerretDB here unless MONGODB_URL is set): a fresh database per measurement. */
export async function mongoTarget(): Promise<BenchTarget> {
  const server = await startMongoServer({ log: (line) => console.error(`[bench] ${line}`) });
  process.env.AUDITKIT_BENCH_MONGODB_URL = server.url;
  const client = await new MongoClient(server.url).connect();
  const databases: string[] = [];
  let count = 0;
  const freshName = (kind: string) => {
    const name = `auditkit_bench_${kind}_${process.pid}_${count++}`;
    databases.push(name);
    return name;
  };
  return {
    name: 'mongo',
    exportModes: ['auditkit', 'raw-cursor'],
    // MongoDB at 200,000 events is enough (1,000,000 × 0.2).
    exportScale: 0.2,
    // FerretDB reads each `verify` page with two collection scans (links by position, events by
    // `_id: { $in }`), so verify slows as the organization grows: 100,000 events (1,000 and
    // 5,000 with --quick before `quickScale`).
    verifyScale: 0.1,
    // FerretDB answers a replay's `_id: { $in }` reads with collection scans, so replays slow
    // down as the collection grows; 30,000 events (3,000 with --quick before `quickScale`) keep the run short.
    ingestScale: 0.3,
    // FerretDB's parts took 132–172 s of a 4–5 minute quick run (2026-12-01): halved there.
    quickScale: 0.5,
    async freshAuditLog(options = {}) {
      const dbName = freshName('kit');
      return {
        auditLog: await createAuditLog({ ...options, store: mongoStore({ url: server.url, dbName }) }),
        location: dbName,
      };
    },
    async freshRawDriver(): Promise<RawDriver> {
      const events = client.db(freshName('raw')).collection('events');
      await events.createIndexes([
        { key: { organization_id: 1, idempotency_key: 1 }, unique: true },
        { key: { organization_id: 1, occurred_at: 1, _id: 1 } },
      ]);
      return {
        insertBatch: async (rows) => {
          await events.insertMany(rows.map(toDocument) as never[], { ordered: false });
        },
        insertBatchIgnoringDuplicates: async (rows) => {
          await events
            .insertMany(rows.map(toDocument) as never[], { ordered: false })
            .catch((error: { code?: number }) => {
              if (error.code !== 11000) throw error;
            });
        },
        insertOne: async (row) => {
          await events.insertOne(toDocument(row) as never);
        },
        close: async () => {},
      };
    },
    async dispose() {
      for (const name of databases)
        await client
          .db(name)
          .dropDatabase()
          .catch(() => undefined);
      await client.close();
      await server.stop();
    },
  };
}

interface MongoRow {
  _id: string;
  organization_id: string;
  action: string;
  version: number;
  occurred_at: Date;
  received_at: Date;
  actor: { type: string; id: string; name?: string; metadata?: object };
  targets: object[];
  context: { location: string; user_agent?: string };
  metadata?: object;
}

/**
 * One sorted cursor over an organization's events with the driver, written as minimal CSV: the
 * fastest straightforward export with MongoDB (a keyset query per page costs FerretDB a
 * collection scan each, which made the keyset baseline quadratic there).
 */
export async function rawMongoExport(
  dbName: string,
  organizationId: string,
  write: (chunk: string) => Promise<void>,
): Promise<number> {
  const client = await new MongoClient(mongoBenchUrl()).connect();
  const events = client.db(dbName).collection<MongoRow>('auditkit_events');
  await write(RAW_CSV_HEADER);
  let rows = 0;
  let text = '';
  const cursor = events
    .find({ organization_id: organizationId })
    .sort({ occurred_at: 1, _id: 1 })
    .batchSize(1000);
  for await (const d of cursor) {
    text += `${d._id},${d.organization_id},${d.action},${d.version},${d.occurred_at.toISOString()},${d.actor.type},${d.actor.id},${csvCell(d.actor.name)},${csvCell(d.actor.metadata && JSON.stringify(d.actor.metadata))},${csvCell(JSON.stringify(d.targets))},${d.context.location},${csvCell(d.context.user_agent)},${csvCell(d.metadata && JSON.stringify(d.metadata))},${d.received_at.toISOString()}\n`;
    if (++rows % 1000 === 0) {
      await write(text);
      text = '';
    }
  }
  await write(text);
  await client.close();
  return rows;
}
