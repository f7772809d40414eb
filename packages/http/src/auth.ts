import { createHash, timingSafeEqual } from 'node:crypto';
import { invalidOption } from './handler-options.js';

/**
 * One API key the handler accepts: the key itself, or (so the secret need not sit in the
 * configuration) its SHA-256 hex digest from {@link hashApiKey}. `organizations` scopes the key:
 * it can then never read or write events, exports or retention of any other organization.
 * `name` identifies the key in logs and rate limits (default: a prefix of its digest).
 *
 * @example
 * ```ts
 * const apiKeys: ApiKeyConfig[] = [
 *   process.env.AUDITKIT_ADMIN_KEY!,
 *   { sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', name: 'ingest' },
 *   { key: process.env.ACME_KEY!, organizations: ['org_acme'], name: 'acme' },
 * ];
 * ```
 */
export type ApiKeyConfig =
  | string
  | { key: string; sha256?: never; organizations?: readonly string[]; name?: string }
  | { sha256: string; key?: never; organizations?: readonly string[]; name?: string };

/** Who made a request: the matched key's name and, for a scoped key, its organizations. */
export interface Principal {
  readonly name: string;
  /** `undefined` for a key that may use every organization. */
  readonly organizations: ReadonlySet<string> | undefined;
}

/**
 * The SHA-256 hex digest of an API key, the form to put in configuration as `{ sha256 }`.
 *
 * @example
 * ```ts
 * import { hashApiKey } from '@auditkit/http';
 * console.log(hashApiKey('sk_live_…')); // store this instead of the key
 * ```
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

interface KeyEntry {
  digest: Buffer;
  principal: Principal;
}

const SHA256_HEX = /^[0-9a-f]{64}$/i;
const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;

/** The configured keys, checked in constant time. */
export class ApiKeyRing {
  readonly #entries: KeyEntry[];

  constructor(configs: readonly ApiKeyConfig[]) {
    if (!Array.isArray(configs) || configs.length === 0) {
      throw invalidOption('apiKeys', 'too_small', 'must hold at least one API key');
    }
    this.#entries = configs.map((config, index) => toEntry(config, index));
    const digests = new Set(this.#entries.map((entry) => entry.digest.toString('hex')));
    if (digests.size !== this.#entries.length) {
      throw invalidOption('apiKeys', 'duplicate', 'holds the same key twice');
    }
  }

  /**
   * The principal of an `Authorization: Bearer <key>` header, or `undefined`. Both sides are
   * compared as SHA-256 digests, so every comparison has the same length, and every configured
   * key is compared, so the time taken does not tell which key (or how much of one) matched.
   */
  authenticate(authorization: string | null): Principal | undefined {
    const token = authorization === null ? undefined : BEARER.exec(authorization)?.[1];
    if (token === undefined) return undefined;
    const presented = createHash('sha256').update(token, 'utf8').digest();
    let match: Principal | undefined;
    for (const entry of this.#entries) {
      if (timingSafeEqual(entry.digest, presented)) match = entry.principal;
    }
    return match;
  }
}

/** `true` when the principal may read and write the organization's data. */
export function canAccessOrganization(principal: Principal, organizationId: string | undefined): boolean {
  if (principal.organizations === undefined) return true;
  return organizationId !== undefined && principal.organizations.has(organizationId);
}

function toEntry(config: ApiKeyConfig, index: number): KeyEntry {
  const where = `apiKeys[${index}]`;
  const options = typeof config === 'string' ? { key: config } : config;
  let digest: Buffer;
  if (typeof options.key === 'string' && options.sha256 === undefined) {
    if (options.key.length === 0) throw invalidOption(where, 'too_small', 'is an empty key');
    digest = createHash('sha256').update(options.key, 'utf8').digest();
  } else if (typeof options.sha256 === 'string' && options.key === undefined) {
    if (!SHA256_HEX.test(options.sha256)) {
      throw invalidOption(`${where}.sha256`, 'invalid_format', 'must be 64 hex characters');
    }
    digest = Buffer.from(options.sha256, 'hex');
  } else {
    throw invalidOption(where, 'invalid_type', 'must be a key string, { key } or { sha256 }');
  }
  let organizations: ReadonlySet<string> | undefined;
  if (options.organizations !== undefined) {
    if (
      !Array.isArray(options.organizations) ||
      options.organizations.length === 0 ||
      !options.organizations.every((id) => typeof id === 'string' && id.length > 0)
    ) {
      throw invalidOption(
        `${where}.organizations`,
        'invalid_value',
        'must be a non-empty array of organization ids (omit it for an unscoped key)',
      );
    }
    organizations = new Set(options.organizations);
  }
  return {
    digest,
    principal: { name: options.name ?? `key_${digest.toString('hex').slice(0, 8)}`, organizations },
  };
}
