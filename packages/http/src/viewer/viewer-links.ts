import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AuditKitError, type AuditKitErrorDetailCode } from '@auditkit/core';

/** What a valid viewer token grants: one organization, until `expiresAt`. */
export interface ViewerGrant {
  organizationId: string;
  expiresAt: Date;
}

const MIN_SECRET_BYTES = 32;
// Domain separation: a viewer token's MAC can never be confused with a download link's, even
// when an operator reuses one secret for both.
const MAC_PREFIX = 'auditkit-viewer-link-v1\n';
const MAX_TOKEN_LENGTH = 4096;

/**
 * Signs and verifies viewer tokens: `base64url(JSON {o, e})` + `.` + `base64url(HMAC-SHA256)`.
 * The token is the whole permission of a viewer page (one organization, until an expiry), so
 * any change to its text is refused, and so is an expired one.
 */
export class ViewerLinks {
  readonly #secret: Buffer;
  readonly #now: () => number;

  /** `now` returns epoch milliseconds; tests pass their own. */
  constructor(secret: string | Uint8Array | undefined, now: () => number = Date.now) {
    this.#secret = secret === undefined ? randomBytes(32) : Buffer.from(secret);
    if (this.#secret.byteLength < MIN_SECRET_BYTES) {
      throw invalidOption('secret', 'too_small', `must be at least ${MIN_SECRET_BYTES} bytes`);
    }
    this.#now = now;
  }

  /** A token granting `organizationId` for `expiresInSeconds` from now. */
  sign(organizationId: string, expiresInSeconds: number): { token: string; expiresAt: Date } {
    if (typeof organizationId !== 'string' || organizationId === '') {
      throw invalidOption('organizationId', 'required', 'must be a non-empty string');
    }
    if (!(Number.isInteger(expiresInSeconds) && expiresInSeconds > 0 && expiresInSeconds <= 7 * 86_400)) {
      throw invalidOption(
        'expiresIn',
        'invalid_value',
        'must be a whole number of seconds from 1 to 604800 (7 days)',
      );
    }
    const expires = Math.floor(this.#now() / 1000) + expiresInSeconds;
    const payload = Buffer.from(JSON.stringify({ o: organizationId, e: expires }), 'utf8').toString(
      'base64url',
    );
    return { token: `${payload}.${this.#mac(payload)}`, expiresAt: new Date(expires * 1000) };
  }

  /** The grant of `token`, or `undefined` when it is missing, altered, malformed or expired. */
  verify(token: string | null): ViewerGrant | undefined {
    if (token === null || token.length > MAX_TOKEN_LENGTH) return undefined;
    const parts = token.split('.');
    if (parts.length !== 2) return undefined;
    const [payload = '', signature = ''] = parts;
    // Compared as text (as download links are): a decoded comparison would accept a signature
    // with stray characters appended, because Node's base64url decoder skips them.
    const expected = Buffer.from(this.#mac(payload), 'utf8');
    const given = Buffer.from(signature, 'utf8');
    if (given.byteLength !== expected.byteLength || !timingSafeEqual(given, expected)) return undefined;
    const grant = parseGrant(payload);
    if (grant === undefined || grant.expiresAt.getTime() <= this.#now()) return undefined;
    return grant;
  }

  #mac(payload: string): string {
    return createHmac('sha256', this.#secret).update(MAC_PREFIX).update(payload).digest('base64url');
  }
}

function parseGrant(payload: string): ViewerGrant | undefined {
  // Only reached with a valid MAC, so the payload is one this process signed.
  try {
    const parsed: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { o, e } = parsed as { o?: unknown; e?: unknown };
    if (typeof o !== 'string' || typeof e !== 'number' || !Number.isInteger(e)) return undefined;
    return { organizationId: o, expiresAt: new Date(e * 1000) };
  } catch {
    return undefined;
  }
}

function invalidOption(path: string, code: AuditKitErrorDetailCode, message: string): AuditKitError {
  return new AuditKitError('invalid_request', `Invalid audit log viewer option: \`${path}\` ${message}`, {
    errors: [{ path, code, message }],
  });
}
