import type { AuditLogRetention } from '@auditkit/core';
import type { RetentionRecord } from '@auditkit/core/store';
import type { MongoCollections } from './mongo-collections.js';
import { isDuplicateKeyError } from './mongo-duplicates.js';

type Retention = MongoCollections['retention'];

export async function setRetention(
  retention: Retention,
  organizationId: string,
  days: number | null,
): Promise<void> {
  if (days === null) {
    await retention.deleteOne({ _id: organizationId });
    return;
  }
  const upsert = () =>
    retention.updateOne(
      { _id: organizationId },
      { $set: { retention_period_in_days: days } },
      { upsert: true },
    );
  try {
    await upsert();
  } catch (error) {
    // Two upserts racing on a missing `_id` may both try to insert; the loser's retry updates.
    if (!isDuplicateKeyError(error)) throw error;
    await upsert();
  }
}

/** The organization's retention, in the one shape every layer returns. */
export async function getRetention(retention: Retention, organizationId: string): Promise<AuditLogRetention> {
  const document = await retention.findOne({ _id: organizationId });
  return { retentionPeriodInDays: document ? document.retention_period_in_days : null };
}

export async function listRetention(retention: Retention): Promise<RetentionRecord[]> {
  const documents = await retention.find().sort({ _id: 1 }).toArray();
  return documents.map((document) => ({
    organizationId: document._id,
    retentionPeriodInDays: document.retention_period_in_days,
  }));
}
