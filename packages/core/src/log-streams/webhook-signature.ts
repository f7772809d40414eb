import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The header every webhook request of a log stream carries: `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const WEBHOOK_SIGNATURE_HEADER = 'auditkit-signature';

/** How far (seconds) a signature's timestamp may be from the receiver's clock, by default: 5 minutes. */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * A new webhook signing secret: `whsec_` and 32 random bytes in base64url.
 *
 * @example
 * ```ts
 * const secret = newWebhookSecret(); // 'whsec_3q2-…'
 * ```
 */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

function hmacHex(secret: string, timestamp: number, body: string | Uint8Array): string {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestamp}.`);
  mac.update(body);
  return mac.digest('hex');
}

/**
 * The value of the `AuditKit-Signature` header for `body` sent at `timestamp` (unix seconds):
 * `t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed with the secret>`, the scheme
 * of Stripe's and Svix's webhook signatures.
 *
 * @example
 * ```ts
 * const header = signWebhookPayload(body, 'whsec_…', Math.floor(Date.now() / 1000));
 * ```
 */
export function signWebhookPayload(body: string | Uint8Array, secret: string, timestamp: number): string {
  return `t=${timestamp},v1=${hmacHex(secret, timestamp, body)}`;
}

/** What {@link verifyWebhookSignature} checks. */
export interface VerifyWebhookSignatureOptions {
  /** The request body exactly as received (bytes or text), before any JSON parsing. */
  payload: string | Uint8Array;
  /** The `AuditKit-Signature` header's value. */
  header: string | undefined | null;
  /** The stream's signing secret (`whsec_…`); several during a rotation. */
  secret: string | readonly string[];
  /** Largest accepted distance between the signature's time and now, in seconds. Default 300. */
  toleranceSeconds?: number;
  /** The receiver's clock in milliseconds, for tests. Default `Date.now()`. */
  now?: number;
}

/**
 * `true` when the `AuditKit-Signature` header is a valid signature of `payload` by (one of) the
 * secret(s), made within `toleranceSeconds` of now; `false` otherwise (a missing or malformed
 * header, another body, another secret, an old timestamp: a replayed request). The comparison
 * takes constant time.
 *
 * Receivers in other languages: take `t` and every `v1` from the header (comma-separated
 * `key=value` pairs), compute HMAC-SHA256 with the secret (the whole `whsec_…` string, as UTF-8)
 * over the bytes of `t`, a `.`, and the raw body, hex-encode it, compare it in constant time with
 * each `v1`, and reject a `t` more than 5 minutes away from your clock.
 *
 * @example
 * ```ts
 * import { verifyWebhookSignature } from '@auditkit/core';
 *
 * const valid = verifyWebhookSignature({
 *   payload: rawBody, // a Buffer or string: the body exactly as it arrived
 *   header: request.headers['auditkit-signature'],
 *   secret: process.env.AUDITKIT_STREAM_SECRET!,
 * });
 * if (!valid) return response.writeHead(400).end();
 * ```
 */
export function verifyWebhookSignature(options: VerifyWebhookSignatureOptions): boolean {
  const { payload, header } = options;
  if (typeof header !== 'string' || header.length === 0) return false;
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    if (separator <= 0) continue;
    const key = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  if (timestamp === undefined || signatures.length === 0) return false;
  const tolerance = options.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS;
  const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000);
  if (Math.abs(nowSeconds - timestamp) > tolerance) return false;
  const secrets = typeof options.secret === 'string' ? [options.secret] : options.secret;
  for (const secret of secrets) {
    const expected = Buffer.from(hmacHex(secret, timestamp, payload), 'hex');
    for (const signature of signatures) {
      if (timingSafeEqual(expected, Buffer.from(signature, 'hex'))) return true;
    }
  }
  return false;
}
