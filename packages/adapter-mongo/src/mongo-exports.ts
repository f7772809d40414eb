import type { ExportRecord } from '@auditkit/core/store';
import type { ClientSession } from 'mongodb';
import type { MongoCollections } from './mongo-collections.js';
import { fromExportDocument, toExportDocument } from './mongo-documents.js';

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
