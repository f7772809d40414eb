import type { ExportRecord } from '@auditkit/core';
import type { MongoCollections } from './mongo-collections.js';
import { fromExportDocument, toExportDocument } from './mongo-documents.js';

type Exports = MongoCollections['exports'];

/** Stores a new export record; the `_id` (the export id) rejects a second one. */
export async function insertExport(exports: Exports, record: ExportRecord): Promise<void> {
  await exports.insertOne(toExportDocument(record));
}

/** Replaces the record: fields an update clears (a path, an error) must disappear, not linger. */
export async function updateExport(exports: Exports, record: ExportRecord): Promise<void> {
  const { _id, ...fields } = toExportDocument(record);
  await exports.replaceOne({ _id }, fields);
}

export async function getExport(exports: Exports, id: string): Promise<ExportRecord | undefined> {
  const document = await exports.findOne({ _id: id });
  return document ? fromExportDocument(document) : undefined;
}
