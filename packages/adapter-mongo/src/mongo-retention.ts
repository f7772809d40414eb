import type { AuditLogRetention } from '@auditkit/core';
import type { RetentionRecord } from '@auditkit/core/store';
import type { ClientSession } from 'mongodb';
import type { MongoCollections } from './mongo-collections.js';
import { isDuplicateKeyError } from './mongo-duplicates.js';

type Retention = MongoCollections['retention'];

export async function setRetention(
  retention: Retention,
  organizationId: string,
  days: number | null,
  session?: ClientSession,
): Promise<void> {
  if (days === null) {
    await retention.deleteOne({ _id: organizationId }, { session });
    return;
  }
  const upsert = () =>
    retention.updateOne(
      { _id: organizationId },
      { $set: { retention_period_in_days: days } },
      { upsert: true, session },
    );
  // In the caller's transaction a lost upsert race is a write conflict that has already aborted
  // the transaction: there is nothing to retry within it.
  if (session !== undefined) {
    await upsert();
    return;
  }
  try {
    await upsert();
  } catch (error) {
    // Two upserts racing on a missing `_id` may both try to insert; the loser's retry updates.
    if (!isDuplicateKeyError(error)) throw error;
    await upsert();
  }
}

/** The organization's retention, in the one shape every layer returns. */
export async function getRetention(
  retention: Retention,
  organizationId: string,
  session?: ClientSession,
): Promise<AuditLogRetention> {
  const document = await retention.findOne({ _id: organizationId }, { session });
  return { retentionPeriodInDays: document ? document.retention_period_in_days : null };
}

export async function listRetention(
  retention: Retention,
  session?: ClientSession,
): Promise<RetentionRecord[]> {
  const documents = await retention.find({}, { session }).sort({ _id: 1 }).toArray();
  return documents.map((document) => ({
    organizationId: document._id,
    retentionPeriodInDays: document.retention_period_in_days,
  }));
}
