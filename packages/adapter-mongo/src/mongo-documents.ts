import type {
  AuditLogActor,
  AuditLogEvent,
  AuditLogSchema,
  AuditLogTarget,
  Metadata,
  SchemaDefinition,
} from '@auditkit/core';
import type { EventRow, ExportRecord } from '@auditkit/core/store';

/** One reserved idempotency key (collection `<prefix>event_keys`); `_id` makes it unique. */
export interface KeyDocument {
  /** {@link keyId}: the organization and the idempotency key, as one string. */
  _id: string;
  /** The event this key stands for, whether or not its document has been written yet. */
  event_id: string;
  fingerprint: string;
  /** Kept so that a writer repairing a missing event writes exactly what the first writer would have. */
  received_at: Date;
  /** Set by a writer that repairs this key's missing event; a writer rolling back a conflict keeps such keys. */
  claimed: boolean;
}

/** An actor or a target as stored: optional fields absent, never null. */
export interface PartyDocument {
  type: string;
  id: string;
  name?: string;
  metadata?: Metadata;
}

/** One event (collection `<prefix>events`), `_id` being the event id. */
export interface EventDocument {
  _id: string;
  organization_id: string;
  action: string;
  version: number;
  occurred_at: Date;
  actor: PartyDocument;
  targets: PartyDocument[];
  context: { location: string; user_agent?: string };
  metadata?: Metadata;
  received_at: Date;
  /** So that retention can release the key together with the event. */
  idempotency_key: string;
}

/**
 * A sealed event's place in its organization's sequence and its chain link (collection
 * `<prefix>event_links`), `_id` being the event id: at most one link per event, and a unique index
 * on `(organization_id, position)` gives each position at most one event. Links live beside the
 * events rather than on them because the sealer writes a whole claim with one `insertMany`, where
 * setting a field on each event document would take one update each (on FerretDB 1.24 one SQLite
 * transaction each, ~35 times the cost per event).
 */
export interface LinkDocument {
  _id: string;
  organization_id: string;
  position: number;
  hash: string;
  previous_hash: string;
}

/**
 * The sealer's work list (collection `<prefix>unsealed_events`), `_id` being the id of an event
 * that is being or has been written and has no link yet. The insert path writes it before the key
 * document that names that event id, so no event can exist without one; the sealer deletes it once
 * the event's link is written (or, long after, when no event and no key holds its id). Scanning
 * this small collection replaces scanning every event for a missing position.
 */
export interface UnsealedDocument {
  _id: string;
  organization_id: string;
  /** The `_id` of the key document the insert reserves for the event. */
  key_id: string;
  /** When the insert began (the writer's clock): leftovers of crashed writers expire long after. */
  created_at: Date;
}

/**
 * One organization's sequence head (collection `<prefix>sequence_heads`), `_id` being the
 * organization id: its last position and hash, moved by compare-and-set. While `pending` is set,
 * the head already counts those links but they may not all be written yet; any sealer
 * completes them (idempotently) before going on, and readers stop before them.
 */
export interface SequenceHeadDocument {
  _id: string;
  position: number;
  hash: string;
  pending?: PendingLink[];
}

/** A link the head has claimed for an event: inserted as its `LinkDocument` by whoever completes the claim. */
export interface PendingLink {
  event_id: string;
  position: number;
  hash: string;
  previous_hash: string;
}

/** One schema version (collection `<prefix>schemas`); a unique index makes `(action, version)` unique. */
export interface SchemaDocument {
  action: string;
  version: number;
  targets: SchemaDefinition['targets'];
  actor?: SchemaDefinition['actor'];
  metadata?: SchemaDefinition['metadata'];
  created_at: Date;
}

/** One lease (collection `<prefix>leases`); `_id` (the lease name) makes it unique. Never deleted. */
export interface LeaseDocument {
  _id: string;
  holder: string;
  /** Fencing token: +1 whenever the lease starts anew. */
  token: number;
  /** By the server's clock. */
  expires_at: Date;
}

/** A held mutex (collection `<prefix>mutexes`): `_id` is what it guards; deleted when released. */
export interface MutexDocument {
  _id: string;
  /** Whose it is: only its holder deletes it (or a breaker of this exact, expired one). */
  nonce: string;
  /** By the server's clock; after it, the holder is taken to have died. */
  expires_at: Date;
}

/** A data migration this database has been through (collection `<prefix>migrations`), `_id` its name. */
export interface MigrationDocument {
  _id: string;
  done_at: Date;
}

/** One export job (collection `<prefix>exports`). */
export interface ExportDocument {
  _id: string;
  state: ExportRecord['state'];
  /** Absent only on documents written before it existed; `open()` fills those in from `filters`. */
  organization_id: string;
  format: ExportRecord['format'];
  filters: string;
  created_at: Date;
  updated_at: Date;
  path?: string;
  row_count?: number;
  error_message?: string;
  /** The lease token of the production attempt allowed to finish the export. */
  lease_token?: number;
  /** The file's key in the export storage. */
  object_key?: string;
  /** When the file expires. */
  expires_at?: Date;
}

/** One organization's retention period (collection `<prefix>retention`), `_id` being the organization id. */
export interface RetentionDocument {
  _id: string;
  retention_period_in_days: number;
}

/** Null counts as absent: documents edited by hand or by other tools may hold null where AuditKit leaves a field out. */
function isPresent<T>(value: T | null | undefined): value is T {
  return value !== undefined && value !== null;
}

/**
 * The `_id` of the key document of `(organizationId, idempotencyKey)`. A JSON array keeps the two
 * apart whatever they contain, and a string (unlike a subdocument) is an `_id` FerretDB can look up
 * by index.
 */
export function keyId(organizationId: string, idempotencyKey: string): string {
  return JSON.stringify([organizationId, idempotencyKey]);
}

export function toKeyDocument(row: EventRow): KeyDocument {
  return {
    _id: keyId(row.organizationId, row.idempotencyKey),
    event_id: row.id,
    fingerprint: row.fingerprint,
    received_at: row.receivedAt,
    claimed: false,
  };
}

function toPartyDocument(party: AuditLogActor | AuditLogTarget): PartyDocument {
  const document: PartyDocument = { type: party.type, id: party.id };
  if (party.name !== undefined) document.name = party.name;
  if (party.metadata !== undefined) document.metadata = party.metadata;
  return document;
}

function fromPartyDocument(document: PartyDocument): AuditLogActor {
  const party: AuditLogActor = { type: document.type, id: document.id };
  if (isPresent(document.name)) party.name = document.name;
  if (isPresent(document.metadata)) party.metadata = document.metadata;
  return party;
}

/**
 * The document of `row`'s event under the identity its key document holds: the row's own when this
 * call reserved the key, the first writer's when this call repairs an event that writer never wrote.
 */
export function toEventDocument(row: EventRow, identity: Pick<KeyDocument, 'event_id' | 'received_at'>) {
  const document: EventDocument = {
    _id: identity.event_id,
    organization_id: row.organizationId,
    action: row.action,
    version: row.version,
    occurred_at: row.occurredAt,
    actor: toPartyDocument(row.actor),
    targets: row.targets.map(toPartyDocument),
    context: { location: row.context.location },
    received_at: identity.received_at,
    idempotency_key: row.idempotencyKey,
  };
  if (row.context.userAgent !== undefined) document.context.user_agent = row.context.userAgent;
  if (row.metadata !== undefined) document.metadata = row.metadata;
  return document;
}

export function fromEventDocument(document: EventDocument): AuditLogEvent {
  const event: AuditLogEvent = {
    object: 'audit_log_event',
    id: document._id,
    organizationId: document.organization_id,
    action: document.action,
    version: document.version,
    occurredAt: document.occurred_at,
    actor: fromPartyDocument(document.actor),
    targets: document.targets.map(fromPartyDocument),
    context: { location: document.context.location },
    receivedAt: document.received_at,
  };
  const { user_agent: userAgent } = document.context;
  if (isPresent(userAgent)) event.context.userAgent = userAgent;
  if (isPresent(document.metadata)) event.metadata = document.metadata;
  return event;
}

export function toSchemaDocument(schema: AuditLogSchema): SchemaDocument {
  const document: SchemaDocument = {
    action: schema.action,
    version: schema.version,
    targets: schema.targets,
    created_at: schema.createdAt,
  };
  if (schema.actor !== undefined) document.actor = schema.actor;
  if (schema.metadata !== undefined) document.metadata = schema.metadata;
  return document;
}

export function fromSchemaDocument(document: SchemaDocument): AuditLogSchema {
  const schema: AuditLogSchema = {
    object: 'audit_log_schema',
    action: document.action,
    version: document.version,
    targets: document.targets,
    createdAt: document.created_at,
  };
  if (isPresent(document.actor)) schema.actor = document.actor;
  if (isPresent(document.metadata)) schema.metadata = document.metadata;
  return schema;
}

export function toExportDocument(record: ExportRecord): ExportDocument {
  const document: ExportDocument = {
    _id: record.id,
    state: record.state,
    organization_id: record.organizationId,
    format: record.format,
    filters: record.filters,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
  if (record.path !== undefined) document.path = record.path;
  if (record.rowCount !== undefined) document.row_count = record.rowCount;
  if (record.errorMessage !== undefined) document.error_message = record.errorMessage;
  if (record.leaseToken !== undefined) document.lease_token = record.leaseToken;
  if (record.objectKey !== undefined) document.object_key = record.objectKey;
  if (record.expiresAt !== undefined) document.expires_at = record.expiresAt;
  return document;
}

export function fromExportDocument(document: ExportDocument): ExportRecord {
  const record: ExportRecord = {
    id: document._id,
    state: document.state,
    organizationId: document.organization_id,
    format: document.format,
    filters: document.filters,
    createdAt: document.created_at,
    updatedAt: document.updated_at,
  };
  if (isPresent(document.path)) record.path = document.path;
  if (isPresent(document.row_count)) record.rowCount = document.row_count;
  if (isPresent(document.error_message)) record.errorMessage = document.error_message;
  if (isPresent(document.lease_token)) record.leaseToken = document.lease_token;
  if (isPresent(document.object_key)) record.objectKey = document.object_key;
  if (isPresent(document.expires_at)) record.expiresAt = document.expires_at;
  return record;
}

/**
 * One revision of a log stream (collection `<prefix>log_streams`): `_id` is `<stream id>:<revision>`,
 * unique, so a change (the next revision) is written by one process only. The newest revision is
 * the stream; `deleted` marks a deleted stream's last revision.
 */
export interface LogStreamDocument {
  _id: string;
  stream_id: string;
  revision: number;
  deleted?: true;
  organization_id: string;
  type: string;
  /** The destination's configuration as JSON text, handed back verbatim. */
  destination: string;
  state: string;
  cursor: number;
  delivery_token: number;
  last_synced_at?: Date;
  last_error?: string;
  created_at: Date;
  updated_at: Date;
}

/** One signed checkpoint (collection `<prefix>checkpoints`); `_id` is `[organization, size, key id]` as JSON. */
export interface CheckpointDocument {
  _id: string;
  organization_id: string;
  size: number;
  key_id: string;
  hash: string;
  issued_at: Date;
  reason: string;
  signature: string;
}
