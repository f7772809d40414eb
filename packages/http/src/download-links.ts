import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { invalidOption } from './handler-options.js';

/**
 * How export download links are signed. The WorkOS SDK hands `url` to its user, who downloads
 * it with a plain `fetch` and no API key, so the link itself carries the permission: an HMAC of
 * the export id and an expiry time.
 *
 * @example
 * ```ts
 * createAuditLogHandler({
 *   auditLog,
 *   apiKeys,
 *   downloads: { secret: process.env.AUDITKIT_DOWNLOAD_SECRET, ttlSeconds: 300 },
 * });
 * ```
 */
export interface DownloadLinkOptions {
  /**
   * The signing key, at least 32 bytes. Default: random per handler, so links only work
   * against the process that issued them — set it when several processes serve the API.
   */
  secret?: string | Uint8Array;
  /** How long a link stays valid. Default 600 (10 minutes). */
  ttlSeconds?: number;
}

const MIN_SECRET_BYTES = 32;

/** Signs and verifies `expires` + `signature` query parameters for one export id. */
export class DownloadLinks {
  readonly #secret: Buffer;
  readonly #ttlSeconds: number;
  readonly #now: () => number;

  /** `now` returns epoch milliseconds; tests pass their own. */
  constructor(options: DownloadLinkOptions = {}, now: () => number = Date.now) {
    this.#secret = options.secret === undefined ? randomBytes(32) : Buffer.from(options.secret);
    if (this.#secret.byteLength < MIN_SECRET_BYTES) {
      throw invalidOption('downloads.secret', 'too_small', `must be at least ${MIN_SECRET_BYTES} bytes`);
    }
    this.#ttlSeconds = options.ttlSeconds ?? 600;
    if (!(Number.isInteger(this.#ttlSeconds) && this.#ttlSeconds > 0)) {
      throw invalidOption(
        'downloads.ttlSeconds',
        'invalid_value',
        'must be a positive whole number of seconds',
      );
    }
    this.#now = now;
  }

  /** Query parameters granting a download of `exportId` until the link expires. */
  sign(exportId: string): URLSearchParams {
    const expires = String(Math.floor(this.#now() / 1000) + this.#ttlSeconds);
    return new URLSearchParams({ expires, signature: this.#mac(exportId, expires).toString('base64url') });
  }

  /** `true` when `query` holds an unexpired signature for `exportId`. */
  verify(exportId: string, query: URLSearchParams): boolean {
    const expires = query.get('expires');
    const signature = query.get('signature');
    if (expires === null || signature === null || !/^\d{1,12}$/.test(expires)) return false;
    if (Number(expires) * 1000 <= this.#now()) return false;
    // Compared as text, not as decoded bytes: Node's base64url decoder skips characters outside
    // the alphabet and ignores the unused low bits of the last character, so a decoded
    // comparison would accept a link with `=`, `.`, a space or NUL appended, or its last
    // character changed. Any change to the text must be refused.
    const expected = Buffer.from(this.#mac(exportId, expires).toString('base64url'), 'utf8');
    const given = Buffer.from(signature, 'utf8');
    return given.byteLength === expected.byteLength && timingSafeEqual(given, expected);
  }

  #mac(exportId: string, expires: string): Buffer {
    // The separator cannot occur in `expires`, so no two (id, expires) pairs sign the same text.
    return createHmac('sha256', this.#secret).update(`${exportId}\n${expires}`).digest();
  }
}
