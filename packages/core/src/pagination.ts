import { z } from 'zod';
import { AuditKitError } from './errors.js';
import type { SortOrder } from './store.js';
import { issueDetails } from './zod-issues.js';

/** Cursor paging options shared by every list (the WorkOS SDK's `PaginationOptions`). */
export interface PaginationOptions {
  /** Page size, 1–1000; default 10. */
  limit?: number;
  /** Cursor from `listMetadata.before`: the page before it. */
  before?: string;
  /** Cursor from `listMetadata.after`: the page after it. */
  after?: string;
  /** Default `desc` (newest first), like the WorkOS API. */
  order?: SortOrder;
}

/**
 * A page of results (the WorkOS SDK's `List`).
 *
 * @example
 * ```ts
 * let page = await auditLog.listEvents({ organizationId, limit: 100 });
 * while (page.listMetadata.after) {
 *   page = await auditLog.listEvents({ organizationId, limit: 100, after: page.listMetadata.after });
 * }
 * ```
 */
export interface List<T> {
  object: 'list';
  data: T[];
  listMetadata: { before: string | null; after: string | null };
}

export const paginationShape = {
  limit: z
    .number({ error: 'must be a number' })
    .int({ error: 'must be an integer' })
    .min(1, { error: 'must be between 1 and 1000' })
    .max(1000, { error: 'must be between 1 and 1000' })
    .default(10),
  before: z.string({ error: 'must be a cursor string' }).optional(),
  after: z.string({ error: 'must be a cursor string' }).optional(),
  order: z.enum(['asc', 'desc'], { error: 'must be "asc" or "desc"' }).default('desc'),
};

/** Parses request options with zod, throwing `invalid_request` that names every bad field. */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const errors = issueDetails(schema, parsed.error.issues, value);
  const summary = errors.map((error) => `${error.path || what} ${error.message}`).join('; ');
  throw new AuditKitError('invalid_request', `Invalid ${what}: ${summary}`, { errors });
}

/** Opaque cursors: base64url JSON of a position, tagged with what it pages through. */
export function encodeCursor(kind: string, position: unknown): string {
  return Buffer.from(JSON.stringify([kind, position])).toString('base64url');
}

export function decodeCursor<T>(kind: string, cursor: string, guard: z.ZodType<T>): T {
  try {
    const [decodedKind, position] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [
      unknown,
      unknown,
    ];
    if (decodedKind === kind) {
      const parsed = guard.safeParse(position);
      if (parsed.success) return parsed.data;
    }
  } catch {
    // fall through: every malformed cursor gets the same clear error
  }
  throw new AuditKitError('invalid_request', `Invalid cursor "${cursor}": it was not returned by this list`, {
    errors: [{ path: 'cursor', code: 'invalid_cursor', message: 'is not a cursor of this list' }],
  });
}

/** How one page is read from a store: which direction, from where, and how to present it. */
export interface PagePlan<P> {
  order: SortOrder;
  start: P | undefined;
  limit: number;
  /** Paging backwards: rows come in reverse and are flipped before returning. */
  backwards: boolean;
  hasCursor: boolean;
}

/** Turns `before`/`after` into one store query that fetches `limit + 1` rows (the extra row says "more"). */
export function planPage<P>(
  options: { limit: number; order: SortOrder; before?: string | undefined; after?: string | undefined },
  decode: (cursor: string) => P,
): PagePlan<P> {
  if (options.before !== undefined && options.after !== undefined) {
    throw new AuditKitError('invalid_request', 'Invalid pagination: give "before" or "after", not both', {
      errors: [{ path: 'before', code: 'conflicting_options', message: 'cannot be combined with "after"' }],
    });
  }
  const backwards = options.before !== undefined;
  const cursor = options.before ?? options.after;
  const reverse: SortOrder = options.order === 'asc' ? 'desc' : 'asc';
  return {
    order: backwards ? reverse : options.order,
    start: cursor === undefined ? undefined : decode(cursor),
    limit: options.limit,
    backwards,
    hasCursor: cursor !== undefined,
  };
}

/** Builds the `List` from the `limit + 1` rows a {@link PagePlan} fetched. */
export function toList<T>(plan: PagePlan<unknown>, rows: T[], cursorOf: (row: T) => string): List<T> {
  const hasMore = rows.length > plan.limit;
  const data = rows.slice(0, plan.limit);
  if (plan.backwards) data.reverse();
  const first = data[0];
  const last = data.at(-1);
  const moreBefore = plan.backwards ? hasMore : plan.hasCursor;
  const moreAfter = plan.backwards ? true : hasMore;
  return {
    object: 'list',
    data,
    listMetadata: {
      before: moreBefore && first !== undefined ? cursorOf(first) : null,
      after: moreAfter && last !== undefined ? cursorOf(last) : null,
    },
  };
}
