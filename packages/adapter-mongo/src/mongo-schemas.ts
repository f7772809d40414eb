import type { AuditLogSchema } from '@auditkit/core';
import type { ActionPageQuery, ActionRecord, SchemaPageQuery } from '@auditkit/core/store';
import type { ClientSession } from 'mongodb';
import type { MongoCollections } from './mongo-collections.js';
import { fromSchemaDocument, toSchemaDocument } from './mongo-documents.js';
import { isDuplicateKeyError } from './mongo-duplicates.js';

type Schemas = MongoCollections['schemas'];

/** Stores a schema version; `false` when the unique `(action, version)` index already holds it. */
export async function insertSchema(
  schemas: Schemas,
  schema: AuditLogSchema,
  session?: ClientSession,
): Promise<boolean> {
  if (session !== undefined) return insertSchemaInTransaction(schemas, schema, session);
  try {
    await schemas.insertOne(toSchemaDocument(schema));
    return true;
  } catch (error) {
    // `(action, version)` is the only unique index besides the generated `_id`.
    if (isDuplicateKeyError(error)) return false;
    throw error;
  }
}

/**
 * In the caller's transaction a duplicate-key error would abort the whole transaction, so the
 * version is looked up first, in the transaction. The unique `(action, version)` index still
 * decides: a concurrent writer of the same version makes the insert fail (a write conflict or a
 * duplicate key), which aborts the caller's transaction and rejects this call — never a `true`
 * for a version this call did not write.
 */
async function insertSchemaInTransaction(
  schemas: Schemas,
  schema: AuditLogSchema,
  session: ClientSession,
): Promise<boolean> {
  const existing = await schemas.findOne(
    { action: schema.action, version: schema.version },
    { projection: { _id: 1 }, session },
  );
  if (existing) return false;
  await schemas.insertOne(toSchemaDocument(schema), { session });
  return true;
}

export async function getSchema(
  schemas: Schemas,
  action: string,
  version?: number,
  session?: ClientSession,
): Promise<AuditLogSchema | undefined> {
  const document =
    version === undefined
      ? await schemas.findOne({ action }, { sort: { version: -1 }, session })
      : await schemas.findOne({ action, version }, { session });
  return document ? fromSchemaDocument(document) : undefined;
}

export async function listSchemas(
  schemas: Schemas,
  { action, order, afterVersion, limit }: SchemaPageQuery,
  session?: ClientSession,
): Promise<AuditLogSchema[]> {
  const direction = order === 'asc' ? 1 : -1;
  const documents = await schemas
    .find(
      {
        action,
        ...(afterVersion === undefined
          ? {}
          : { version: { [order === 'asc' ? '$gt' : '$lt']: afterVersion } }),
      },
      { session },
    )
    .sort({ version: direction })
    .limit(limit)
    .toArray();
  return documents.map(fromSchemaDocument);
}

/** What one action's versions tell about it while scanning. */
interface ActionSummary {
  action: string;
  latestVersion: number;
  firstVersion: number;
  firstCreatedAt: Date;
}

/**
 * One page of actions without aggregation (FerretDB's `$group` computes one accumulator only):
 * a scan of `(action, version)` in index order over just the page's actions, reading three small
 * fields per version, then one read of each action's latest version.
 */
export async function listActions(
  schemas: Schemas,
  { order, afterAction, limit }: ActionPageQuery,
  session?: ClientSession,
): Promise<ActionRecord[]> {
  const direction = order === 'asc' ? 1 : -1;
  const cursor = schemas
    .find(afterAction === undefined ? {} : { action: { [order === 'asc' ? '$gt' : '$lt']: afterAction } }, {
      projection: { _id: 0, action: 1, version: 1, created_at: 1 },
      session,
    })
    .sort({ action: direction, version: direction });
  const summaries: ActionSummary[] = [];
  try {
    for await (const { action, version, created_at: createdAt } of cursor) {
      let current = summaries.at(-1);
      if (current?.action !== action) {
        // The first version of the next action past the page: the page is complete.
        if (summaries.length === limit) break;
        current = { action, latestVersion: version, firstVersion: version, firstCreatedAt: createdAt };
        summaries.push(current);
      }
      if (version > current.latestVersion) current.latestVersion = version;
      if (version < current.firstVersion) {
        current.firstVersion = version;
        current.firstCreatedAt = createdAt;
      }
    }
  } finally {
    await cursor.close();
  }
  if (summaries.length === 0) return [];

  const latest = await schemas
    .find(
      { $or: summaries.map(({ action, latestVersion }) => ({ action, version: latestVersion })) },
      { session },
    )
    .toArray();
  const byAction = new Map(latest.map((document) => [document.action, fromSchemaDocument(document)]));
  return summaries.flatMap(({ action, firstCreatedAt }) => {
    const schema = byAction.get(action);
    // A version deleted by hand between the two reads leaves the action out rather than half-read.
    return schema ? [{ latest: schema, createdAt: firstCreatedAt }] : [];
  });
}
