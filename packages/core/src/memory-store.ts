import type { AuditLogEvent } from './event-model.js';
import { compareEventPositions, matchesFilter } from './event-order.js';
import type { Checkpoint } from './integrity/checkpoint.js';
import type { AuditLogSchema } from './schema-definition.js';
import type {
  ActionPageQuery,
  ActionRecord,
  AuditStore,
  EventPageQuery,
  EventRow,
  EventSummary,
  EventWriteFact,
  ExportRecord,
  InsertEventsResult,
  LeaseGrant,
  LogStreamChange,
  LogStreamCondition,
  LogStreamRecord,
  RetentionRecord,
  SchemaPageQuery,
  SequencedEvent,
  SequenceHead,
} from './store.js';

/** A stored row with its link of the organization's chain. */
interface SequencedRow extends EventRow {
  position: number;
  hash: string;
  previousHash: string;
}

/**
 * An in-memory {@link AuditStore}: fast and dependency-free, for unit tests of the application
 * using AuditKit. Data lives as long as the store object and is not shared between processes.
 *
 * @example
 * ```ts
 * import { createAuditLog, memoryStore } from '@auditkit/core';
 *
 * const auditLog = await createAuditLog({ store: memoryStore() });
 * ```
 */
export function memoryStore(): AuditStore {
  const rowsByKey = new Map<string, SequencedRow>();
  const heads = new Map<string, SequenceHead>();
  const schemas = new Map<string, AuditLogSchema[]>();
  const exports = new Map<string, ExportRecord>();
  const retention = new Map<string, number>();
  // The database is this process, so its clock (Date.now()) is the database's clock.
  const leases = new Map<string, LeaseGrant>();
  const logStreams = new Map<string, LogStreamRecord>();
  const checkpoints = new Map<string, Checkpoint>();
  const keyOf = (organizationId: string, idempotencyKey: string) =>
    JSON.stringify([organizationId, idempotencyKey]);
  const toEvent = ({
    idempotencyKey: _k,
    fingerprint: _f,
    position: _p,
    hash: _h,
    previousHash: _ph,
    ...event
  }: SequencedRow): AuditLogEvent => structuredClone(event);

  return {
    name: 'memory',
    capabilities: { persistent: false },
    async open() {},
    async close() {},

    async insertEvents(rows, decide, chain): Promise<InsertEventsResult> {
      // One synchronous pass: nothing else runs between reading the facts and applying the decision.
      const facts = rows.map((row): EventWriteFact => {
        const stored = rowsByKey.get(keyOf(row.organizationId, row.idempotencyKey));
        return stored
          ? { inserted: false, stored: { fingerprint: stored.fingerprint, event: toEvent(stored) } }
          : { inserted: true };
      });
      const outcome = decide(facts);
      if (outcome.status !== 'stored') return outcome;
      // Still the same synchronous pass: the chain is computed and applied before anything else runs.
      const inserted = new Map<string, EventRow[]>();
      for (const [index, row] of rows.entries()) {
        if (!facts[index]?.inserted) continue;
        const group = inserted.get(row.organizationId);
        if (group) group.push(row);
        else inserted.set(row.organizationId, [row]);
      }
      const sealed: SequencedRow[] = [];
      for (const [organizationId, group] of inserted) {
        const links = chain(
          heads.get(organizationId),
          group.map((row) => ({ event: row, idempotencyKey: row.idempotencyKey })),
        );
        group.forEach((row, index) => {
          const link = links[index];
          if (!link) throw new Error('the chain returned fewer links than events');
          sealed.push({ ...structuredClone(row), ...link });
        });
        const last = links.at(-1);
        if (last) heads.set(organizationId, { position: last.position, hash: last.hash });
      }
      for (const row of sealed) rowsByKey.set(keyOf(row.organizationId, row.idempotencyKey), row);
      return outcome;
    },

    async readSequencedEvents({ organizationId, afterPosition, limit }): Promise<SequencedEvent[]> {
      return [...rowsByKey.values()]
        .filter((row) => row.organizationId === organizationId && row.position > afterPosition)
        .sort((a, b) => a.position - b.position)
        .slice(0, limit)
        .map((row) => ({
          position: row.position,
          hash: row.hash,
          previousHash: row.previousHash,
          idempotencyKey: row.idempotencyKey,
          event: toEvent(row),
        }));
    },

    async getSequenceHead(organizationId) {
      const head = heads.get(organizationId);
      return head && { ...head };
    },

    async findEvents(query: EventPageQuery) {
      const direction = query.order === 'asc' ? 1 : -1;
      const { after } = query;
      return [...rowsByKey.values()]
        .filter((row) => matchesFilter(row, query))
        .filter((row) => after === undefined || compareEventPositions(row, after) * direction > 0)
        .sort((a, b) => compareEventPositions(a, b) * direction)
        .slice(0, query.limit)
        .map(toEvent);
    },

    async deleteEventsBefore(organizationId, before, limit) {
      const expired = [...rowsByKey.entries()]
        .filter(([, row]) => row.organizationId === organizationId && row.occurredAt < before)
        .sort(([, a], [, b]) => compareEventPositions(a, b))
        .slice(0, limit);
      for (const [key] of expired) rowsByKey.delete(key);
      return expired.length;
    },

    async deleteEventsThrough(organizationId, through, limit) {
      const expired = [...rowsByKey.entries()]
        .filter(([, row]) => row.organizationId === organizationId && row.position <= through)
        .sort(([, a], [, b]) => a.position - b.position)
        .slice(0, limit);
      for (const [key] of expired) rowsByKey.delete(key);
      return expired.length;
    },

    async insertCheckpoint(checkpoint) {
      const key = JSON.stringify([checkpoint.organizationId, checkpoint.size, checkpoint.keyId]);
      if (checkpoints.has(key)) return false;
      checkpoints.set(key, structuredClone(checkpoint));
      return true;
    },

    async listCheckpoints({ organizationId, order, after, limit }) {
      const direction = order === 'asc' ? 1 : -1;
      return [...checkpoints.values()]
        .filter((checkpoint) => checkpoint.organizationId === organizationId)
        .filter((checkpoint) => after === undefined || (checkpoint.size - after) * direction > 0)
        .sort((a, b) => (a.size - b.size) * direction || (a.keyId < b.keyId ? -1 : a.keyId > b.keyId ? 1 : 0))
        .slice(0, limit)
        .map((checkpoint) => structuredClone(checkpoint));
    },

    async summarizeEvents({ organizationId, before }) {
      const groups = new Map<string, EventSummary>();
      for (const row of rowsByKey.values()) {
        if (organizationId !== undefined && row.organizationId !== organizationId) continue;
        if (before !== undefined && row.occurredAt >= before) continue;
        const key = JSON.stringify([row.organizationId, row.action]);
        const group = groups.get(key);
        if (!group) {
          groups.set(key, {
            organizationId: row.organizationId,
            action: row.action,
            count: 1,
            oldest: new Date(row.occurredAt),
            newest: new Date(row.occurredAt),
          });
          continue;
        }
        group.count += 1;
        if (row.occurredAt < group.oldest) group.oldest = new Date(row.occurredAt);
        if (row.occurredAt > group.newest) group.newest = new Date(row.occurredAt);
      }
      return [...groups.values()];
    },

    async insertSchema(schema) {
      const versions = schemas.get(schema.action) ?? [];
      if (versions.some((existing) => existing.version === schema.version)) return false;
      versions.push(structuredClone(schema));
      versions.sort((a, b) => a.version - b.version);
      schemas.set(schema.action, versions);
      return true;
    },

    async getSchema(action, version) {
      const versions = schemas.get(action) ?? [];
      const found =
        version === undefined ? versions.at(-1) : versions.find((schema) => schema.version === version);
      return found && structuredClone(found);
    },

    async listSchemas({ action, order, afterVersion, limit }: SchemaPageQuery) {
      const direction = order === 'asc' ? 1 : -1;
      return (schemas.get(action) ?? [])
        .filter((schema) => afterVersion === undefined || (schema.version - afterVersion) * direction > 0)
        .sort((a, b) => (a.version - b.version) * direction)
        .slice(0, limit)
        .map((schema) => structuredClone(schema));
    },

    async listActions({ order, afterAction, limit }: ActionPageQuery): Promise<ActionRecord[]> {
      const direction = order === 'asc' ? 1 : -1;
      const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0) * direction;
      return [...schemas.entries()]
        .filter(([action]) => afterAction === undefined || compare(action, afterAction) > 0)
        .sort(([a], [b]) => compare(a, b))
        .slice(0, limit)
        .flatMap(([, versions]) => {
          const first = versions[0];
          const latest = versions.at(-1);
          return first && latest ? [{ latest: structuredClone(latest), createdAt: first.createdAt }] : [];
        });
    },

    async insertExport(record) {
      if (exports.has(record.id)) throw new Error(`export ${record.id} already exists`);
      exports.set(record.id, structuredClone(record));
    },
    async updateExport(record) {
      exports.set(record.id, structuredClone(record));
    },
    async getExport(id) {
      const record = exports.get(id);
      return record && structuredClone(record);
    },
    async updateExportIf(record, expected) {
      const stored = exports.get(record.id);
      if (stored?.state !== expected.state) return false;
      if (expected.leaseToken !== undefined && stored.leaseToken !== expected.leaseToken) return false;
      exports.set(record.id, structuredClone(record));
      return true;
    },
    async claimExport(id, token, updatedAt) {
      const stored = exports.get(id);
      if (stored?.state !== 'pending') return undefined;
      if (stored.leaseToken !== undefined && stored.leaseToken >= token) return undefined;
      const claimed = { ...stored, leaseToken: token, updatedAt: new Date(updatedAt) };
      exports.set(id, claimed);
      return structuredClone(claimed);
    },
    async listExports({ state, expiresBefore, afterId, limit }) {
      return [...exports.values()]
        .filter((record) => record.state === state)
        .filter((record) => afterId === undefined || record.id > afterId)
        .filter(
          (record) =>
            expiresBefore === undefined ||
            (record.expiresAt !== undefined && record.expiresAt < expiresBefore),
        )
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .slice(0, limit)
        .map((record) => structuredClone(record));
    },

    async acquireLease({ name, holder, ttlMs }) {
      // Synchronous from read to write: nothing else runs in between, as in a database's upsert.
      const now = Date.now();
      const current = leases.get(name);
      const live = current !== undefined && current.expiresAt.getTime() > now;
      if (live && current.holder !== holder) return undefined;
      const grant: LeaseGrant = {
        name,
        holder,
        expiresAt: new Date(now + ttlMs),
        token: live ? current.token : (current?.token ?? 0) + 1,
      };
      leases.set(name, grant);
      return { ...grant, expiresAt: new Date(grant.expiresAt) };
    },
    async releaseLease(name, holder) {
      const current = leases.get(name);
      if (current?.holder === holder) leases.set(name, { ...current, expiresAt: new Date(0) });
    },

    async insertLogStream(record) {
      if (logStreams.has(record.id)) throw new Error(`log stream ${record.id} already exists`);
      logStreams.set(record.id, structuredClone(record));
    },
    async getLogStream(id) {
      const record = logStreams.get(id);
      return record && structuredClone(record);
    },
    async listLogStreams({ organizationId }) {
      return [...logStreams.values()]
        .filter((record) => organizationId === undefined || record.organizationId === organizationId)
        .sort(
          (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
        )
        .map((record) => structuredClone(record));
    },
    async updateLogStream(id, change, when = {}) {
      // Synchronous from the check to the write, as one conditional UPDATE in a database.
      const record = logStreams.get(id);
      if (!record || !meetsCondition(record, when)) return false;
      logStreams.set(id, applyChange(record, change));
      return true;
    },
    async deleteLogStream(id) {
      return logStreams.delete(id);
    },

    async setRetention(organizationId, days) {
      if (days === null) retention.delete(organizationId);
      else retention.set(organizationId, days);
    },
    async getRetention(organizationId) {
      return { retentionPeriodInDays: retention.get(organizationId) ?? null };
    },
    async listRetention(): Promise<RetentionRecord[]> {
      return [...retention.entries()].map(([organizationId, retentionPeriodInDays]) => ({
        organizationId,
        retentionPeriodInDays,
      }));
    },
  };
}

function meetsCondition(record: LogStreamRecord, when: LogStreamCondition): boolean {
  if (when.states !== undefined && !when.states.includes(record.state)) return false;
  if (when.deliveryToken !== undefined && record.deliveryToken !== when.deliveryToken) return false;
  if (when.deliveryTokenBelow !== undefined && !(record.deliveryToken < when.deliveryTokenBelow))
    return false;
  if (when.cursor !== undefined && record.cursor !== when.cursor) return false;
  return true;
}

function applyChange(record: LogStreamRecord, change: LogStreamChange): LogStreamRecord {
  const next: LogStreamRecord = { ...record, updatedAt: new Date(change.updatedAt) };
  if (change.state !== undefined) next.state = change.state;
  if (change.cursor !== undefined) next.cursor = change.cursor;
  if (change.deliveryToken !== undefined) next.deliveryToken = change.deliveryToken;
  if (change.lastSyncedAt === null) delete next.lastSyncedAt;
  else if (change.lastSyncedAt !== undefined) next.lastSyncedAt = new Date(change.lastSyncedAt);
  if (change.lastError === null) delete next.lastError;
  else if (change.lastError !== undefined) next.lastError = change.lastError;
  return next;
}
