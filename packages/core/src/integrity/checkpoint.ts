import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { AuditKitError } from '../errors.js';

/** Names the signed text's layout, so a later layout can never be mistaken for this one. */
export const CHECKPOINT_FORMAT = 'auditkit.checkpoint.v1';

/**
 * Why a checkpoint was made: `scheduled` (every `checkpointEvery` events or
 * `checkpointIntervalMs`), `manual` (`auditLog.createCheckpoint`), `retention` (just before a
 * retention purge deletes the positions up to `size`: verification of what remains starts
 * there) or `export` (the end of a verifiable export's range).
 *
 * @example
 * ```ts
 * const reason: CheckpointReason = 'manual';
 * ```
 */
export type CheckpointReason = 'scheduled' | 'manual' | 'retention' | 'export';

/**
 * A signed statement that an organization's hash chain had `size` events and that the event at
 * position `size` has hash `hash`. Signed (Ed25519) by a key the application holds outside the
 * database, so someone who can write the database can neither make one nor change one; a copy
 * kept elsewhere (see `integrity.publish`) catches deleted newest events and recomputed hashes.
 *
 * @example
 * ```ts
 * const checkpoint: Checkpoint = {
 *   organizationId: 'org_123', size: 1042, hash: '5d41…', issuedAt: new Date(),
 *   keyId: 'k2026', reason: 'scheduled', signature: 'MEUCIQ…',
 * };
 * ```
 */
export interface Checkpoint {
  organizationId: string;
  /** Positions 1 to `size` are covered; a whole number ≥ 1. */
  size: number;
  /** The chain hash of the event at position `size` (lowercase hex SHA-256). */
  hash: string;
  /** When the checkpoint was signed, by the application's clock. */
  issuedAt: Date;
  /** Which key signed it: verification looks the public key up by this id. */
  keyId: string;
  reason: CheckpointReason;
  /** Ed25519 signature of {@link checkpointText}, base64. */
  signature: string;
}

/**
 * A key as integrity options take it: a `KeyObject`, or PEM text (PKCS#8 private, SPKI public).
 *
 * @example
 * ```ts
 * const { privateKey } = generateKeyPairSync('ed25519');
 * const key: KeyInput = privateKey;
 * ```
 */
export type KeyInput = KeyObject | string;

/**
 * The exact text a checkpoint's signature covers: RFC 8785 canonical JSON of its fields (keys
 * sorted, times as ISO strings) and {@link CHECKPOINT_FORMAT}.
 *
 * @example
 * ```ts
 * checkpointText(checkpoint); // '{"format":"auditkit.checkpoint.v1","hash":"5d41…",…}'
 * ```
 */
export function checkpointText(checkpoint: Omit<Checkpoint, 'signature'>): string {
  const text = JSON.stringify;
  return (
    `{"format":${text(CHECKPOINT_FORMAT)},"hash":${text(checkpoint.hash)}` +
    `,"issuedAt":${text(checkpoint.issuedAt.toISOString())},"keyId":${text(checkpoint.keyId)}` +
    `,"organizationId":${text(checkpoint.organizationId)},"reason":${text(checkpoint.reason)}` +
    `,"size":${String(checkpoint.size)}}`
  );
}

/**
 * Reads an Ed25519 private key (a `KeyObject` or PKCS#8 PEM); rejects anything else with
 * `invalid_request`, so a wrong key fails at start-up rather than at the first checkpoint.
 *
 * @example
 * ```ts
 * const key = ed25519PrivateKey(process.env.AUDITKIT_SIGNING_KEY ?? '');
 * ```
 */
export function ed25519PrivateKey(input: KeyInput, path = 'integrity.signingKey'): KeyObject {
  let key: KeyObject;
  try {
    key = typeof input === 'string' ? createPrivateKey(input) : input;
  } catch (error) {
    throw keyError(path, 'must be an Ed25519 private key (a KeyObject or PKCS#8 PEM)', error);
  }
  if (key.type !== 'private' || key.asymmetricKeyType !== 'ed25519') {
    throw keyError(path, 'must be an Ed25519 private key (a KeyObject or PKCS#8 PEM)');
  }
  return key;
}

/**
 * Reads an Ed25519 public key (a `KeyObject`, SPKI PEM, or a private key whose public half is
 * meant); rejects anything else with `invalid_request`.
 *
 * @example
 * ```ts
 * const publicKey = ed25519PublicKey(readFileSync('auditkit-k2026.pub.pem', 'utf8'));
 * ```
 */
export function ed25519PublicKey(input: KeyInput, path = 'publicKeys'): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(input);
  } catch (error) {
    throw keyError(path, 'must be an Ed25519 public key (a KeyObject or SPKI PEM)', error);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw keyError(path, 'must be an Ed25519 public key (a KeyObject or SPKI PEM)');
  }
  return key;
}

function keyError(path: string, message: string, cause?: unknown): AuditKitError {
  return new AuditKitError('invalid_request', `${path} ${message}`, {
    errors: [{ path, code: 'invalid_value', message }],
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * Signs a checkpoint's fields with an Ed25519 private key.
 *
 * @example
 * ```ts
 * const checkpoint = signCheckpoint({ organizationId: 'org_123', size: 10, hash, issuedAt: new Date(), keyId: 'k1', reason: 'manual' }, privateKey);
 * ```
 */
export function signCheckpoint(fields: Omit<Checkpoint, 'signature'>, privateKey: KeyObject): Checkpoint {
  const signature = sign(null, Buffer.from(checkpointText(fields)), privateKey).toString('base64');
  return { ...fields, signature };
}

/**
 * Whether a checkpoint's signature is valid under the public key named by its `keyId`: `'ok'`,
 * `'unknown_key'` (no such key in `publicKeys`) or `'bad_signature'`.
 *
 * @example
 * ```ts
 * if (checkCheckpointSignature(checkpoint, { k1: publicKey }) !== 'ok') throw new Error('forged checkpoint');
 * ```
 */
export function checkCheckpointSignature(
  checkpoint: Checkpoint,
  publicKeys: ReadonlyMap<string, KeyObject> | Readonly<Record<string, KeyObject>>,
): 'ok' | 'unknown_key' | 'bad_signature' {
  const key =
    publicKeys instanceof Map
      ? publicKeys.get(checkpoint.keyId)
      : Object.hasOwn(publicKeys, checkpoint.keyId)
        ? (publicKeys as Record<string, KeyObject>)[checkpoint.keyId]
        : undefined;
  if (!key) return 'unknown_key';
  if (!wellFormed(checkpoint)) return 'bad_signature';
  try {
    const signature = Buffer.from(checkpoint.signature, 'base64');
    return verify(null, Buffer.from(checkpointText(checkpoint)), key, signature) ? 'ok' : 'bad_signature';
  } catch {
    return 'bad_signature';
  }
}

function wellFormed(checkpoint: Checkpoint): boolean {
  return (
    typeof checkpoint.organizationId === 'string' &&
    Number.isSafeInteger(checkpoint.size) &&
    checkpoint.size >= 1 &&
    typeof checkpoint.hash === 'string' &&
    checkpoint.issuedAt instanceof Date &&
    !Number.isNaN(checkpoint.issuedAt.getTime()) &&
    typeof checkpoint.signature === 'string'
  );
}

/**
 * A checkpoint as JSON-safe data (`issuedAt` an ISO string): what `publish` callbacks, files
 * and manifests hold. {@link parseCheckpoint} reads it back.
 *
 * @example
 * ```ts
 * await appendFile('checkpoints.ndjson', `${JSON.stringify(checkpointToJson(checkpoint))}\n`);
 * ```
 */
export interface CheckpointJson extends Omit<Checkpoint, 'issuedAt'> {
  issuedAt: string;
}

/**
 * The JSON form of a checkpoint.
 *
 * @example
 * ```ts
 * const line = JSON.stringify(checkpointToJson(checkpoint));
 * ```
 */
export function checkpointToJson(checkpoint: Checkpoint): CheckpointJson {
  return {
    organizationId: checkpoint.organizationId,
    size: checkpoint.size,
    hash: checkpoint.hash,
    issuedAt: checkpoint.issuedAt.toISOString(),
    keyId: checkpoint.keyId,
    reason: checkpoint.reason,
    signature: checkpoint.signature,
  };
}

const REASONS: readonly string[] = ['scheduled', 'manual', 'retention', 'export'];

/**
 * Reads a checkpoint from its JSON form (or a `Checkpoint`), checking the shape (not the
 * signature); rejects a malformed one with `invalid_request`.
 *
 * @example
 * ```ts
 * const checkpoints = readFileSync('checkpoints.ndjson', 'utf8').trim().split('\n').map((line) => parseCheckpoint(JSON.parse(line)));
 * ```
 */
export function parseCheckpoint(value: unknown, path = 'checkpoint'): Checkpoint {
  const fail = (message: string) =>
    new AuditKitError('invalid_request', `${path} ${message}`, {
      errors: [{ path, code: 'invalid_value', message }],
    });
  if (typeof value !== 'object' || value === null) throw fail('must be a checkpoint object');
  const record = value as Record<string, unknown>;
  const issuedAt =
    record.issuedAt instanceof Date
      ? record.issuedAt
      : typeof record.issuedAt === 'string'
        ? new Date(record.issuedAt)
        : undefined;
  if (
    typeof record.organizationId !== 'string' ||
    typeof record.size !== 'number' ||
    !Number.isSafeInteger(record.size) ||
    record.size < 1 ||
    typeof record.hash !== 'string' ||
    issuedAt === undefined ||
    Number.isNaN(issuedAt.getTime()) ||
    typeof record.keyId !== 'string' ||
    typeof record.reason !== 'string' ||
    !REASONS.includes(record.reason) ||
    typeof record.signature !== 'string'
  ) {
    throw fail('must have organizationId, size (≥ 1), hash, issuedAt, keyId, reason and signature');
  }
  return {
    organizationId: record.organizationId,
    size: record.size,
    hash: record.hash,
    issuedAt,
    keyId: record.keyId,
    reason: record.reason as CheckpointReason,
    signature: record.signature,
  };
}
