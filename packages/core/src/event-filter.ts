import { z } from 'zod';
import { AuditKitError } from './errors.js';
import { dateInputSchema } from './event-model.js';
import { paginationShape, parseRequest } from './pagination.js';
import type { EventFilter } from './store.js';
import { requiredText } from './text-rules.js';

/**
 * Which events an export covers (the WorkOS SDK's `CreateAuditLogExportOptions`).
 *
 * @example
 * ```ts
 * const filters: AuditLogExportFilters = {
 *   organizationId: 'org_01EHWNCE74X7JSDV0X3SZ3KJNY',
 *   rangeStart: new Date('2024-01-01'),
 *   rangeEnd: new Date('2024-02-01'),
 *   actions: ['user.signed_in'],
 * };
 * ```
 */
export interface AuditLogExportFilters {
  organizationId: string;
  /** Inclusive: events with `occurredAt >= rangeStart`. */
  rangeStart: Date | string;
  /** Exclusive: events with `occurredAt < rangeEnd`. */
  rangeEnd: Date | string;
  /** Any of these actions. */
  actions?: string[];
  /** Actors with any of these names. */
  actorNames?: string[];
  /** Actors with any of these ids. */
  actorIds?: string[];
  /** Events with a target of any of these types. */
  targets?: string[];
}

/** Options of `listEvents`: the export filters (range optional) plus cursor paging. */
export interface ListEventsOptions extends Partial<Omit<AuditLogExportFilters, 'organizationId'>> {
  organizationId: string;
  limit?: number;
  before?: string;
  after?: string;
  /** Default `desc`: newest first. */
  order?: 'asc' | 'desc';
}

const valueList = z
  .array(requiredText(1024), { error: 'must be an array of strings' })
  .min(1, { error: 'must not be empty (omit it to match everything)' })
  .max(100, { error: 'must hold at most 100 values' })
  .optional();

const rangeBound = z.unknown().optional();

const filterShape = {
  organizationId: requiredText(255),
  rangeStart: rangeBound,
  rangeEnd: rangeBound,
  actions: valueList,
  actorNames: valueList,
  actorIds: valueList,
  targets: valueList,
};

const exportFiltersRequest = z.strictObject(filterShape);
const listEventsRequest = z.strictObject({ ...filterShape, ...paginationShape });

function parseBound(value: unknown, name: string): Date {
  const parsed = dateInputSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const reason = value === undefined ? 'is required' : (parsed.error.issues[0]?.message ?? 'is invalid');
  throw new AuditKitError('invalid_export_range', `Invalid range: ${name} ${reason}`, {
    errors: [{ path: name, code: value === undefined ? 'required' : 'invalid_format', message: reason }],
  });
}

function toFilter(
  request: z.output<typeof exportFiltersRequest>,
  range: { rangeStart?: Date; rangeEnd?: Date },
): EventFilter {
  const { organizationId, actions, actorNames, actorIds, targets } = request;
  if (range.rangeStart && range.rangeEnd && range.rangeStart.getTime() >= range.rangeEnd.getTime()) {
    throw new AuditKitError('invalid_export_range', 'Invalid range: rangeStart must be before rangeEnd', {
      errors: [{ path: 'rangeEnd', code: 'range_order', message: 'must be after rangeStart' }],
    });
  }
  return Object.fromEntries(
    Object.entries({ organizationId, ...range, actions, actorNames, actorIds, targets }).filter(
      ([, value]) => value !== undefined,
    ),
  ) as unknown as EventFilter;
}

/** Validates export filters: both range bounds required and in order. */
export function parseExportFilters(
  filters: AuditLogExportFilters,
): Required<Pick<EventFilter, 'rangeStart' | 'rangeEnd'>> & EventFilter {
  const request = parseRequest(exportFiltersRequest, filters, 'export filters');
  const rangeStart = parseBound(request.rangeStart, 'rangeStart');
  const rangeEnd = parseBound(request.rangeEnd, 'rangeEnd');
  return { ...toFilter(request, { rangeStart, rangeEnd }), rangeStart, rangeEnd };
}

/** Validates `listEvents` options: the range is optional, but ordered when both bounds are given. */
export function parseListEventsOptions(options: ListEventsOptions) {
  const request = parseRequest(listEventsRequest, options, 'listEvents options');
  const range: { rangeStart?: Date; rangeEnd?: Date } = {};
  if (request.rangeStart !== undefined) range.rangeStart = parseBound(request.rangeStart, 'rangeStart');
  if (request.rangeEnd !== undefined) range.rangeEnd = parseBound(request.rangeEnd, 'rangeEnd');
  const { limit, before, after, order } = request;
  return { filter: toFilter(request, range), page: { limit, before, after, order } };
}
