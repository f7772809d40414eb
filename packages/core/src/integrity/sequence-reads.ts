import { AuditKitError } from '../errors.js';
import { checkOrganizationId } from '../event-intake.js';
import type { AuditStore, SequencedEvent, SequenceHead } from '../store.js';

/** Most events one {@link readSequencedEvents} call returns. */
export const MAX_SEQUENCE_PAGE = 1000;

/**
 * What `auditLog.readSequencedEvents` takes: one organization, the last position the reader
 * has, and a page size (1 to 1000, default 100).
 *
 * @example
 * ```ts
 * const options: ReadSequencedEventsOptions = { organizationId: 'org_123', afterPosition: 0, limit: 500 };
 * ```
 */
export interface ReadSequencedEventsOptions {
  organizationId: string;
  /** Return positions greater than this; `0` (the default) from the start. */
  afterPosition?: number;
  /** At most this many events, 1 to 1000; default 100. */
  limit?: number;
}

function invalid(path: string, message: string): AuditKitError {
  return new AuditKitError('invalid_request', `${path} ${message}`, {
    errors: [{ path, code: 'invalid_value', message }],
  });
}

/**
 * One page of an organization's sealed events in position order (commit order), after
 * `afterPosition`: the order log streams deliver and `verify` checks.
 *
 * @example
 * ```ts
 * const page = await readSequencedEvents(store, { organizationId: 'org_123', afterPosition: 0 });
 * ```
 */
export async function readSequencedEvents(
  store: AuditStore,
  options: ReadSequencedEventsOptions,
): Promise<SequencedEvent[]> {
  if (typeof options !== 'object' || options === null) throw invalid('options', 'must be an object');
  checkOrganizationId(options.organizationId);
  const afterPosition = options.afterPosition ?? 0;
  if (!Number.isSafeInteger(afterPosition) || afterPosition < 0) {
    throw invalid('afterPosition', 'must be a whole number, 0 or more');
  }
  const limit = options.limit ?? 100;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_SEQUENCE_PAGE) {
    throw invalid('limit', `must be a whole number from 1 to ${MAX_SEQUENCE_PAGE}`);
  }
  return store.readSequencedEvents({ organizationId: options.organizationId, afterPosition, limit });
}

/**
 * The organization's last sealed position and hash, `undefined` before its first sealed event.
 *
 * @example
 * ```ts
 * const head = await getSequenceHead(store, 'org_123');
 * ```
 */
export async function getSequenceHead(
  store: AuditStore,
  organizationId: string,
): Promise<SequenceHead | undefined> {
  checkOrganizationId(organizationId);
  return store.getSequenceHead(organizationId);
}
