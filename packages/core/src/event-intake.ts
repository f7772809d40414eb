import { AuditKitError, type AuditKitErrorDetail } from './errors.js';
import { fastNormalizeEvent, lastEventTextIsPlain } from './event-fast-path.js';
import {
  type AuditLogEvent,
  type CreateAuditLogEventInput,
  type CreatedAuditLogEvent,
  createEventInputSchema,
  type NormalizedEvent,
  withoutUndefined,
} from './event-model.js';
import { oversizeReason } from './event-size.js';
import { type EventIdentity, identifyEvent } from './fingerprint.js';
import { GroupCommit, type GroupCommitSettings } from './group-commit.js';
import { decideOutcomeBuilding } from './idempotent-outcome.js';
import { newEventId } from './ids.js';
import { chainEvents, chainReusingContent } from './integrity/sequence-chain.js';
import type { EventLimits } from './limits.js';
import { plainObjectConstructor } from './plain-object.js';
import type { SchemaRegistry } from './schema-registry.js';
import type { AuditStore, EventRow, SequenceChain } from './store.js';
import { isStorableText } from './text-rules.js';
import { issueDetails } from './zod-issues.js';

/** One entry of a `createEvents` batch: an event, or an event with its own idempotency key. */
export type BatchEventInput =
  | CreateAuditLogEventInput
  | { event: CreateAuditLogEventInput; idempotencyKey?: string };

interface IntakeOptions {
  store: AuditStore;
  schemas: SchemaRegistry;
  limits: EventLimits;
  requireSchemas: boolean;
  now: () => Date;
  /** Group commit of single `createEvent` calls; `undefined` writes each call on its own. */
  groupCommit?: GroupCommitSettings | undefined;
  /** Called after events were stored (the sealer of a sealer store schedules its run). */
  afterWrite?: () => void;
}

const MAX_KEY_LENGTH = 255;

/** Validates, identifies and stores events: the whole write path of `createEvent(s)`. */
export class EventIntake {
  readonly #options: IntakeOptions;
  readonly #inputSchema: ReturnType<typeof createEventInputSchema>;
  readonly #group: GroupCommit | undefined;

  constructor(options: IntakeOptions, inputSchema = createEventInputSchema(options.limits)) {
    this.#options = options;
    this.#inputSchema = inputSchema;
    this.#group =
      options.groupCommit &&
      new GroupCommit(
        {
          write: (rows, contents) => this.#insert(rows, contents),
          conflict: (key) => conflictError([0], () => key, true),
        },
        options.groupCommit,
        // A store that links events inside its writes holds each organization's head row for
        // the length of the write: concurrent groups sharing one would take turns on it.
        { organizationsApart: !options.store.capabilities.sealer },
      );
  }

  /**
   * The same intake writing to another store (one bound to the caller's transaction), without
   * group commit: a caller's transaction is its own, and its statements cannot be shared.
   */
  withStore(store: AuditStore, schemas: SchemaRegistry): EventIntake {
    return new EventIntake({ ...this.#options, store, schemas, groupCommit: undefined }, this.#inputSchema);
  }

  /**
   * One `insertEvents` call for rows unique by `(organizationId, idempotencyKey)`, core deciding.
   * `contents[i]`, when given, is the canonical text of `rows[i]` taken for its fingerprint: the
   * chain hash covers the same text, and stores chain these very row objects, so it is not
   * written twice.
   */
  #insert(rows: readonly EventRow[], contents?: readonly (string | undefined)[]) {
    let contentByRow: Map<AuditLogEvent, string | undefined> | undefined;
    const chain: SequenceChain =
      contents === undefined
        ? chainEvents
        : chainReusingContent((event) => {
            // Built on the first link only: a store that chains nothing (a sealer store) pays nothing.
            contentByRow ??= new Map(rows.map((row, index) => [row, contents[index]]));
            return contentByRow.get(event);
          });
    return this.#options.store.insertEvents(
      rows,
      (facts) => decideOutcomeBuilding(rows, facts, created),
      chain,
    );
  }

  async create(
    organizationId: string,
    items: readonly BatchEventInput[],
    single: boolean,
  ): Promise<CreatedAuditLogEvent[]> {
    checkOrganizationId(organizationId);
    if (!Array.isArray(items)) {
      throw new AuditKitError('invalid_request', 'createEvents expects an array of events', {
        errors: [{ path: '', code: 'invalid_type', message: 'must be an array' }],
      });
    }
    if (items.length > this.#options.limits.maxBatchSize) {
      throw new AuditKitError(
        'invalid_audit_log_event',
        `A batch holds at most ${this.#options.limits.maxBatchSize} events, got ${items.length}`,
        {
          errors: [
            {
              path: '',
              code: 'too_big',
              message: `must hold at most ${this.#options.limits.maxBatchSize} events`,
            },
          ],
        },
      );
    }
    if (items.length === 0) return [];

    const contents: string[] = [];
    const rows = await this.#toRows(organizationId, items, single, contents);
    // The caller's key of the event at `index` (its stored form may differ), else its derived key.
    const keyOf = (index: number) =>
      unwrap(items[index] as BatchEventInput).idempotencyKey ?? rows[index]?.idempotencyKey;

    const [row] = rows;
    if (single && this.#group && row && rows.length === 1) {
      // A valid, identified event joins the next group; its outcome is its own.
      const outcome = await this.#group.submit(row, keyOf(0) ?? row.idempotencyKey, contents[0]);
      // As after a batch: a sealer store seals shortly after, not only on its interval.
      this.#options.afterWrite?.();
      return [{ ...outcome.event, replayed: outcome.replayed }];
    }

    // Within one call a key may appear twice: same content is one event, other content a conflict.
    // Nearly every batch has distinct keys: one Set pass shows it, and the rows go as they are.
    const keys = new Set<string>();
    for (const { idempotencyKey } of rows) {
      const known = keys.size;
      if (keys.add(idempotencyKey).size === known) break;
    }
    const unique = keys.size === rows.length ? undefined : withoutRepeatedKeys(rows, contents);
    if (unique?.conflicts.length) throw conflictError(unique.conflicts, keyOf, single);

    const result = await this.#insert(unique?.rows ?? rows, unique?.contents ?? contents);
    if (result.status === 'conflict') {
      const original = unique
        ? result.indexes.map((uniqueIndex) => unique.sourceOf.indexOf(uniqueIndex))
        : result.indexes;
      throw conflictError(original, keyOf, single);
    }
    this.#options.afterWrite?.();
    const events: CreatedAuditLogEvent[] = [];
    for (let index = 0; index < rows.length; index++) {
      // `sourceOf`: the unique row an event was written as; -1 - i for a repeat of unique row i.
      const source = unique ? (unique.sourceOf[index] as number) : index;
      const stored = result.events[source < 0 ? -1 - source : source];
      if (!stored)
        throw new AuditKitError('storage_error', `Store ${this.#options.store.name} returned too few events`);
      const replayed = source < 0 || stored.replayed;
      // A new event is the one `#insert`'s decision built from core's row with `created`: it is
      // returned as it is. Replays come back as the store read them.
      events.push(replayed ? { ...stored.event, replayed } : asCreated(stored.event));
    }
    return events;
  }

  /**
   * Validates every event of the call and, while none is invalid, identifies it and builds its
   * row in the same pass (a batch with an invalid event stores nothing, so identifying stops at
   * the first error). `contents[i]` receives the canonical text of `rows[i]`.
   */
  async #toRows(
    organizationId: string,
    items: readonly BatchEventInput[],
    single: boolean,
    contents: string[],
  ): Promise<EventRow[]> {
    const errors: AuditKitErrorDetail[] = [];
    const rows: EventRow[] = [];
    const receivedAt = this.#options.now();
    const receivedTime = receivedAt.getTime();
    let index = 0;
    // One closure per call, not per event: it reads the loop's current index.
    const at = (detail: AuditKitErrorDetail) => errors.push(single ? detail : { ...detail, index });
    for (; index < items.length; index++) {
      const { event, idempotencyKey } = unwrap(items[index] as BatchEventInput);
      if (idempotencyKey !== undefined && !isValidKey(idempotencyKey)) {
        at({
          path: 'idempotencyKey',
          code: 'invalid_value',
          message: `must be a non-empty string of at most ${MAX_KEY_LENGTH} characters`,
        });
      }
      // Plainly valid events of acceptable size take the fast lane; everything else is sized,
      // then zod decides (and explains).
      let normalized = fastNormalizeEvent(event, this.#options.limits);
      let plainText = normalized !== undefined && lastEventTextIsPlain();
      if (!normalized) {
        const oversize = oversizeReason(event, this.#options.limits.maxEventBytes);
        if (oversize) {
          at({ path: '', code: 'too_big', message: oversize });
          continue;
        }
        const parsed = this.#inputSchema.safeParse(event);
        if (!parsed.success) {
          for (const detail of issueDetails(this.#inputSchema, parsed.error.issues, event)) at(detail);
          continue;
        }
        normalized = normalize(parsed.data);
        plainText = false;
      }
      const validator = this.#options.schemas.cachedValidator(normalized.action, normalized.version);
      const schemaErrors = validator ? validator(normalized) : await this.#schemaErrors(normalized);
      for (const detail of schemaErrors) at(detail);
      if (errors.length > 0) continue;
      const identity = identifyEvent(organizationId, normalized, idempotencyKey, plainText);
      contents.push(identity.content);
      rows.push(
        new EventRowObject(organizationId, normalized, identity, newEventId(receivedTime), receivedAt),
      );
    }
    if (errors.length > 0) throw invalidEventError(errors, items.length, single);
    return rows;
  }

  async #schemaErrors(event: NormalizedEvent): Promise<AuditKitErrorDetail[]> {
    const validator = await this.#options.schemas.validatorFor(event.action, event.version);
    if (validator) return validator(event);
    if (!this.#options.requireSchemas) return [];
    const latest = await this.#options.schemas.latestVersion(event.action);
    return latest === undefined
      ? [
          {
            path: 'action',
            code: 'unknown_action',
            message: `no schema is configured for action "${event.action}"; call createSchema first`,
          },
        ]
      : [
          {
            path: 'version',
            code: 'unknown_version',
            message: `schema "${event.action}" has no version ${event.version} (latest is ${latest})`,
          },
        ];
  }
}

/** A new event's fields, in the order the API lists them, onto the object being built. */
function assignEventFields(
  target: AuditLogEvent,
  id: string,
  organizationId: string,
  event: NormalizedEvent,
  receivedAt: Date,
): void {
  target.object = 'audit_log_event';
  target.id = id;
  target.organizationId = organizationId;
  target.action = event.action;
  target.occurredAt = event.occurredAt;
  target.version = event.version;
  target.actor = event.actor;
  target.targets = event.targets;
  target.context = event.context;
  if (event.metadata !== undefined) target.metadata = event.metadata;
  target.receivedAt = receivedAt;
}

/** The row of a validated, identified event (a plain object: see plain-object.ts). */
const EventRowObject = plainObjectConstructor(function (
  this: EventRow,
  organizationId: string,
  event: NormalizedEvent,
  identity: EventIdentity,
  id: string,
  receivedAt: Date,
) {
  assignEventFields(this, id, organizationId, event, receivedAt);
  this.idempotencyKey = identity.idempotencyKey;
  this.fingerprint = identity.fingerprint;
});

/**
 * The rows of a call whose keys repeat, each key once: a repeat with the same fingerprint is the
 * same event (`sourceOf[i]` is `-1 - u` for unique row `u`), one with another is a conflict.
 */
function withoutRepeatedKeys(rows: readonly EventRow[], contents: readonly string[]) {
  const firstIndexByKey = new Map<string, number>();
  const unique = {
    rows: [] as EventRow[],
    contents: [] as string[],
    sourceOf: [] as number[],
    conflicts: [] as number[],
  };
  rows.forEach((row, index) => {
    const first = firstIndexByKey.get(row.idempotencyKey);
    if (first === undefined) {
      firstIndexByKey.set(row.idempotencyKey, unique.rows.length);
      unique.sourceOf.push(unique.rows.length);
      unique.rows.push(row);
      unique.contents.push(contents[index] as string);
    } else if (unique.rows[first]?.fingerprint === row.fingerprint) {
      unique.sourceOf.push(-1 - first);
    } else {
      unique.conflicts.push(index);
    }
  });
  return unique;
}

/** A new event as `created` built it for the decision, else (a store that built its own) a copy. */
function asCreated(event: AuditLogEvent): CreatedAuditLogEvent {
  return (event as Partial<CreatedAuditLogEvent>).replayed === false
    ? (event as CreatedAuditLogEvent)
    : created(event);
}

/** A newly stored event as `createEvent(s)` returns it (a plain object: see plain-object.ts). */
const CreatedEventObject = plainObjectConstructor(function (
  this: CreatedAuditLogEvent,
  event: AuditLogEvent,
) {
  assignEventFields(this, event.id, event.organizationId, event, event.receivedAt);
  this.replayed = false;
});

/** {@link CreatedEventObject} as a function, for `decideOutcomeBuilding`. */
function created(event: AuditLogEvent): CreatedAuditLogEvent {
  return new CreatedEventObject(event);
}

function unwrap(item: BatchEventInput): { event: unknown; idempotencyKey: string | undefined } {
  if (typeof item === 'object' && item !== null && 'event' in item && !('action' in item)) {
    return { event: item.event, idempotencyKey: item.idempotencyKey };
  }
  return { event: item, idempotencyKey: undefined };
}

function isValidKey(key: unknown): key is string {
  return typeof key === 'string' && key.length > 0 && key.length <= MAX_KEY_LENGTH && isStorableText(key);
}

/** Fresh objects without `undefined` fields, so equal content has one shape and one fingerprint. */
export function normalize(
  event: ReturnType<ReturnType<typeof createEventInputSchema>['parse']>,
): NormalizedEvent {
  return withoutUndefined({
    action: event.action,
    occurredAt: event.occurredAt,
    version: event.version,
    actor: withoutUndefined(event.actor),
    targets: event.targets.map((target) => withoutUndefined(target)),
    context: withoutUndefined(event.context),
    metadata: event.metadata,
  });
}

export function checkOrganizationId(organizationId: unknown): asserts organizationId is string {
  if (
    typeof organizationId !== 'string' ||
    organizationId.length === 0 ||
    organizationId.length > 255 ||
    !isStorableText(organizationId)
  ) {
    throw new AuditKitError(
      'invalid_request',
      'organizationId must be a non-empty string of at most 255 characters',
      {
        errors: [
          {
            path: 'organizationId',
            code: 'invalid_value',
            message: 'must be a non-empty string of at most 255 characters',
          },
        ],
      },
    );
  }
}

function invalidEventError(errors: AuditKitErrorDetail[], count: number, single: boolean): AuditKitError {
  const first = errors[0];
  const where = first
    ? `${first.index === undefined ? '' : `events[${first.index}].`}${first.path || 'event'}`
    : 'event';
  const message = single
    ? `Invalid audit log event: ${where} ${first?.message ?? ''}`
    : `Invalid batch: ${new Set(errors.map((error) => error.index)).size} of ${count} events are invalid (first: ${where} ${first?.message ?? ''}); nothing was stored`;
  return new AuditKitError('invalid_audit_log_event', message.trim(), { errors });
}

/** `keyOf(index)`: the caller's key of the event at `index`, else its derived key. */
function conflictError(
  indexes: number[],
  keyOf: (index: number) => string | undefined,
  single: boolean,
): AuditKitError {
  const errors = indexes.map((index) => ({
    path: 'idempotencyKey',
    code: 'key_reused' as const,
    message: `key "${keyOf(index)}" was already used for an event with different content`,
    ...(single ? {} : { index }),
  }));
  const message = single
    ? `Idempotency conflict: ${errors[0]?.message ?? ''}; nothing was stored`
    : `Idempotency conflict in ${indexes.length} event(s) of the batch (first at index ${indexes[0]}); nothing was stored`;
  return new AuditKitError('idempotency_conflict', message, { errors });
}
