import { z } from 'zod';
import { checkOrganizationId } from './event-intake.js';
import { isStorableTime } from './event-model.js';
import { parseRequest } from './pagination.js';
import type { AuditStore, EventSummary } from './store.js';

/** An organization's retention (the WorkOS `AuditLogsRetention`). */
export interface AuditLogRetention {
  /** Days events are kept after `occurredAt`; `null` keeps them forever (the default). */
  retentionPeriodInDays: number | null;
}

/** Options of `purgeExpiredEvents`. */
export interface PurgeOptions {
  /** The moment retention is measured from; default now. */
  now?: Date;
  /** Most events deleted per statement; default 1000. */
  batchSize?: number;
  /** Called after each deleted batch with the total deleted so far. */
  onProgress?: (deletedSoFar: number) => void;
  /**
   * Count what would be deleted (one grouped count per organization) and delete nothing.
   * Default `false`.
   */
  dryRun?: boolean;
}

/** What `purgeExpiredEvents` deleted, or with `dryRun` would have deleted at `now`. */
export interface PurgeResult {
  dryRun: boolean;
  /** Events deleted (with `dryRun`: events older than their cutoff, which a purge would delete). */
  deleted: number;
  organizations: { organizationId: string; deleted: number; cutoff: Date }[];
}

const DAY_MS = 86_400_000;

const retentionRequest = z.strictObject({
  retentionPeriodInDays: z
    .number({ error: 'must be a positive integer or null' })
    .int({ error: 'must be a whole number of days' })
    .positive({ error: 'must be a positive integer or null' })
    .max(365_000, { error: 'must be at most 365000 days' })
    .nullable(),
});

const purgeRequest = z.strictObject({
  now: z
    .date({ error: 'must be a Date' })
    .refine((date) => isStorableTime(date.getTime()), { error: 'must be between years 0000 and 9999' })
    .optional(),
  batchSize: z.number().int().min(1).max(100_000).default(1000),
  onProgress: z
    .custom<(count: number) => void>((value) => typeof value === 'function', { error: 'must be a function' })
    .optional(),
  dryRun: z.boolean({ error: 'must be a boolean' }).default(false),
});

/** `auditLog.setRetention`: validates the period, stores it, and returns it in the one retention shape. */
export async function setRetention(
  store: AuditStore,
  organizationId: string,
  options: AuditLogRetention,
): Promise<AuditLogRetention> {
  checkOrganizationId(organizationId);
  const { retentionPeriodInDays } = parseRequest(retentionRequest, options, 'retention');
  await store.setRetention(organizationId, retentionPeriodInDays);
  return { retentionPeriodInDays };
}

/** `auditLog.getRetention`: the organization's retention in the one retention shape. */
export async function getRetention(store: AuditStore, organizationId: string): Promise<AuditLogRetention> {
  checkOrganizationId(organizationId);
  // A fresh object with only the known field, whatever else a store's record carries.
  const { retentionPeriodInDays } = await store.getRetention(organizationId);
  return { retentionPeriodInDays };
}

/**
 * Deletes, batch by batch, the events older than their organization's retention period.
 * Organizations without a period are never visited.
 */
export async function purgeExpiredEvents(
  store: AuditStore,
  options: PurgeOptions = {},
  integrity?: RetentionIntegrity,
): Promise<PurgeResult> {
  const {
    now = new Date(),
    batchSize,
    onProgress,
    dryRun,
  } = parseRequest(purgeRequest, options, 'purge options');
  const result: PurgeResult = { dryRun, deleted: 0, organizations: [] };
  for (const { organizationId, retentionPeriodInDays } of await store.listRetention()) {
    const cutoff = new Date(now.getTime() - retentionPeriodInDays * DAY_MS);
    if (integrity?.signing) {
      // Tamper evidence: delete only a prefix of the sequence, after signing a checkpoint at its
      // end, so that what remains verifies from that checkpoint.
      const deleted = await integrity.purge(organizationId, cutoff, batchSize, dryRun, (count) => {
        result.deleted += count;
        onProgress?.(result.deleted);
      });
      if (dryRun) result.deleted += deleted;
      result.organizations.push({ organizationId, deleted, cutoff });
      continue;
    }
    if (dryRun) {
      const groups = await store.summarizeEvents({ organizationId, before: cutoff });
      const expired = groups.reduce((sum, group) => sum + group.count, 0);
      result.deleted += expired;
      result.organizations.push({ organizationId, deleted: expired, cutoff });
      continue;
    }
    let deleted = 0;
    for (;;) {
      const count = await store.deleteEventsBefore(organizationId, cutoff, batchSize);
      deleted += count;
      result.deleted += count;
      if (count > 0) onProgress?.(result.deleted);
      if (count < batchSize) break;
    }
    result.organizations.push({ organizationId, deleted, cutoff });
  }
  return result;
}

/** What retention needs of core's integrity policy (`Integrity`). */
export interface RetentionIntegrity {
  readonly signing: boolean;
  purge(
    organizationId: string,
    cutoff: Date,
    batchSize: number,
    dryRun: boolean,
    onBatch: (count: number) => void,
  ): Promise<number>;
}

/** Options of `summarizeEvents`. */
export interface SummarizeEventsOptions {
  /** Only this organization's events; default every organization. */
  organizationId?: string;
}

/**
 * Events per organization and action with the oldest and newest `occurredAt`, ordered by
 * organization then action (code-unit order, the same on every store).
 */
export async function summarizeEvents(
  store: AuditStore,
  options: SummarizeEventsOptions = {},
): Promise<EventSummary[]> {
  if (options.organizationId !== undefined) checkOrganizationId(options.organizationId);
  const groups = await store.summarizeEvents(
    options.organizationId === undefined ? {} : { organizationId: options.organizationId },
  );
  const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return groups.sort(
    (a, b) => byCodeUnits(a.organizationId, b.organizationId) || byCodeUnits(a.action, b.action),
  );
}
