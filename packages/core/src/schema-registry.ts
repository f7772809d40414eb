import { z } from 'zod';
import { AuditKitError } from './errors.js';
import {
  decodeCursor,
  encodeCursor,
  type List,
  type PaginationOptions,
  paginationShape,
  parseRequest,
  planPage,
  toList,
} from './pagination.js';
import {
  type AuditLogSchema,
  type CreateAuditLogSchemaInput,
  normalizeSchemaDefinition,
  sameDefinition,
} from './schema-definition.js';
import { type SchemaValidator, SchemaValidatorCache } from './schema-validator.js';
import type { AuditStore } from './store.js';
import { requiredText } from './text-rules.js';

/** Options of `listSchemas` (the WorkOS SDK's `ListSchemasOptions`). */
export interface ListSchemasOptions extends PaginationOptions {
  action: string;
}

/** One configured action (the WorkOS `AuditLogActionSchema` listing entry). */
export interface AuditLogAction {
  object: 'audit_log_action';
  name: string;
  /** The latest schema version. */
  schema: AuditLogSchema;
  createdAt: Date;
  updatedAt: Date;
}

const listSchemasRequest = z.strictObject({ action: requiredText(1024), ...paginationShape });
const listActionsRequest = z.strictObject(paginationShape);
// Cursors come back from clients: bounded like the values they stand for (versions are int4 in
// SQL stores, actions storable text), so a forged one never reaches the database.
const versionCursor = z.number().int().min(0).max(2_147_483_647);
const actionCursor = requiredText(1024);

// Only a handful of processes can race to declare the same action at start-up.
const MAX_DECLARE_ATTEMPTS = 10;

/** Schema versions: declaring, listing and looking up validators. */
export class SchemaRegistry {
  readonly #store: AuditStore;
  readonly #validators: SchemaValidatorCache;
  readonly #now: () => Date;

  constructor(store: AuditStore, now: () => Date, validators = new SchemaValidatorCache()) {
    this.#store = store;
    this.#now = now;
    this.#validators = validators;
  }

  /** The same registry reading through another store, sharing the compiled validators. */
  withStore(store: AuditStore): SchemaRegistry {
    return new SchemaRegistry(store, this.#now, this.#validators);
  }

  /**
   * Stores a new version unless the latest one is identical. Two processes racing to add a
   * version both end on the same stored version: the database's unique `(action, version)`
   * picks the winner and the loser re-reads.
   */
  async create(input: CreateAuditLogSchemaInput): Promise<AuditLogSchema> {
    const definition = normalizeSchemaDefinition(input);
    for (let attempt = 0; attempt < MAX_DECLARE_ATTEMPTS; attempt++) {
      const latest = await this.#store.getSchema(definition.action);
      if (latest && sameDefinition(latest, definition)) return latest;
      const candidate: AuditLogSchema = {
        object: 'audit_log_schema',
        ...definition,
        version: (latest?.version ?? 0) + 1,
        createdAt: this.#now(),
      };
      // Compiling first means a definition zod cannot turn into a validator is never stored.
      this.#validators.remember(candidate);
      if (await this.#store.insertSchema(candidate)) return candidate;
    }
    throw new AuditKitError(
      'storage_error',
      `Could not store a version of schema "${definition.action}": other writers kept adding versions`,
    );
  }

  async list(options: ListSchemasOptions): Promise<List<AuditLogSchema>> {
    const request = parseRequest(listSchemasRequest, options, 'listSchemas options');
    const plan = planPage(request, (cursor) => decodeCursor('schema', cursor, versionCursor));
    const rows = await this.#store.listSchemas({
      action: request.action,
      order: plan.order,
      ...(plan.start === undefined ? {} : { afterVersion: plan.start }),
      limit: plan.limit + 1,
    });
    return toList(plan, rows, (schema) => encodeCursor('schema', schema.version));
  }

  async listActions(options: PaginationOptions = {}): Promise<List<AuditLogAction>> {
    const request = parseRequest(listActionsRequest, options, 'listActions options');
    const plan = planPage(request, (cursor) => decodeCursor('action', cursor, actionCursor));
    const rows = await this.#store.listActions({
      order: plan.order,
      ...(plan.start === undefined ? {} : { afterAction: plan.start }),
      limit: plan.limit + 1,
    });
    const actions = rows.map(
      ({ latest, createdAt }): AuditLogAction => ({
        object: 'audit_log_action',
        name: latest.action,
        schema: latest,
        createdAt,
        updatedAt: latest.createdAt,
      }),
    );
    return toList(plan, actions, (action) => encodeCursor('action', action.name));
  }

  /** The latest version number of an action's schema, `undefined` when it has none. */
  async latestVersion(action: string): Promise<number | undefined> {
    return (await this.#store.getSchema(action))?.version;
  }

  /** The validator of one schema version, or `undefined` when that version does not exist. */
  /** The validator of a version already compiled in this process, without a store read. */
  cachedValidator(action: string, version: number): SchemaValidator | undefined {
    return this.#validators.get(action, version);
  }

  async validatorFor(action: string, version: number): Promise<SchemaValidator | undefined> {
    const cached = this.#validators.get(action, version);
    if (cached) return cached;
    const schema = await this.#store.getSchema(action, version);
    return schema && this.#validators.remember(schema);
  }
}
