import type { ExportExpectation, ExportPageQuery, ExportRecord } from '@auditkit/core/store';
import type { ClientSession, Filter } from 'mongodb';
import type { MongoCollections } from './mongo-collections.js';
import { type ExportDocument, fromExportDocument, toExportDocument } from './mongo-documents.js';

type Exports = MongoCollections['exports'];

/** Stores a new export record; the `_id` (the export id) rejects a second one. */
export async function insertExport(
  exports: Exports,
  record: ExportRecord,
  session?: ClientSession,
): Promise<void> {
  await exports.insertOne(toExportDocument(record), { session });
}

/** Replaces the record: fields an update clears (a path, an error) must disappear, not linger. */
export async function updateExport(
  exports: Exports,
  record: ExportRecord,
  session?: ClientSession,
): Promise<void> {
  const { _id, ...fields } = toExportDocument(record);
  await exports.replaceOne({ _id }, fields, { session });
}

export async function getExport(
  exports: Exports,
  id: string,
  session?: ClientSession,
): Promise<ExportRecord | undefined> {
  const document = await exports.findOne({ _id: id }, { session });
  return document ? fromExportDocument(document) : undefined;
}

/** Replaces the record only when the stored one matches `expected`: one filtered `replaceOne`. */
export async function updateExportIf(
  exports: Exports,
  record: ExportRecord,
  expected: ExportExpectation,
): Promise<boolean> {
  const { _id, ...fields } = toExportDocument(record);
  const filter: Filter<ExportDocument> = { _id, state: expected.state };
  if (expected.leaseToken !== undefined) filter.lease_token = expected.leaseToken;
  const result = await exports.replaceOne(filter, fields);
  return result.matchedCount === 1;
}

/** Sets the lease token of a pending export that has none or a smaller one: one `findOneAndUpdate`. */
export async function claimExport(
  exports: Exports,
  id: string,
  token: number,
  updatedAt: Date,
): Promise<ExportRecord | undefined> {
  const document = await exports.findOneAndUpdate(
    {
      _id: id,
      state: 'pending',
      $or: [{ lease_token: { $exists: false } }, { lease_token: { $lt: token } }],
    },
    { $set: { lease_token: token, updated_at: updatedAt } },
    { returnDocument: 'after' },
  );
  return document ? fromExportDocument(document) : undefined;
}

/** One page of export records in a state, by `_id`, served by the `state_expiry` index. */
export async function listExports(
  exports: Exports,
  { state, expiresBefore, afterId, limit }: ExportPageQuery,
): Promise<ExportRecord[]> {
  const filter: Filter<ExportDocument> = { state };
  if (expiresBefore !== undefined) filter.expires_at = { $lt: expiresBefore };
  if (afterId !== undefined) filter._id = { $gt: afterId };
  const documents = await exports.find(filter).sort({ _id: 1 }).limit(limit).toArray();
  return documents.map(fromExportDocument);
}

/**
 * The one migration of the exports collection: documents written before exports stored their
 * organization get it from their filters (core always wrote them as JSON naming it). Runs at
 * every `open()`; after the first it finds nothing to do. Concurrent runs write the same value.
 */
export async function fillExportOrganizations(exports: Exports): Promise<void> {
  const missing = exports.find({ organization_id: { $exists: false } }, { projection: { filters: 1 } });
  for await (const document of missing) {
    await exports.updateOne(
      { _id: document._id, organization_id: { $exists: false } },
      { $set: { organization_id: organizationInFilters(document.filters) } },
    );
  }
}

function organizationInFilters(filters: string): string {
  try {
    const parsed: unknown = JSON.parse(filters);
    if (typeof parsed === 'object' && parsed !== null && 'organizationId' in parsed) {
      return typeof parsed.organizationId === 'string' ? parsed.organizationId : '';
    }
    return '';
  } catch {
    return '';
  }
}
