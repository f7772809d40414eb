import { createHash, type KeyObject, sign, verify } from 'node:crypto';
import type { AuditLogEvent } from '../event-model.js';
import { chainHash } from './chain-hash.js';
import {
  type CheckpointJson,
  checkCheckpointSignature,
  ed25519PublicKey,
  type KeyInput,
  parseCheckpoint,
} from './checkpoint.js';

/** Names the manifest layout. */
export const MANIFEST_FORMAT = 'auditkit.export-manifest.v1';

/**
 * One position of a verifiable export's range: `[position, hash, idempotencyKey]`, the key
 * being `null` for an event of the range that is not in the file (filtered out by time,
 * action, actor or target). The hash of every position is listed, so nothing between the first
 * and the last position can be left out unnoticed.
 *
 * @example
 * ```ts
 * const entry: ManifestEntry = [17, '9f86d0…', 'signin-7f3a'];
 * ```
 */
export type ManifestEntry = [position: number, hash: string, idempotencyKey: string | null];

/**
 * What an auditor needs besides an NDJSON export file and the public key to check it offline:
 * every position and hash from the file's first to its last event, the hash before the first,
 * the file's SHA-256, a signed checkpoint at the last position, and an Ed25519 signature over
 * all of it.
 *
 * @example
 * ```ts
 * const { lines, manifest } = auditLog.verifiableExport({ organizationId: 'org_123', rangeStart, rangeEnd });
 * await pipeline(Readable.from(lines), createWriteStream('events.ndjson'));
 * await writeFile('events.manifest.json', JSON.stringify(await manifest));
 * ```
 */
export interface ExportManifest {
  format: typeof MANIFEST_FORMAT;
  organizationId: string;
  /** The export's filters, as given (dates as ISO strings). */
  filters: Record<string, unknown>;
  /** Events in the file. */
  eventCount: number;
  /** Positions covered (0 and 0 for an export with no events). */
  firstPosition: number;
  lastPosition: number;
  /** The chain hash before `firstPosition`. */
  previousHash: string;
  entries: ManifestEntry[];
  /** SHA-256 (hex) of the file's bytes. */
  fileSha256: string;
  /** A checkpoint at `lastPosition` (absent for an export with no events). */
  checkpoint?: CheckpointJson;
  keyId: string;
  /** Ed25519 signature (base64) of {@link manifestText}. */
  signature: string;
}

/**
 * The text a manifest's signature covers: its fields (all but `signature`) as JSON in a fixed
 * order.
 *
 * @example
 * ```ts
 * const valid = verify(null, Buffer.from(manifestText(manifest)), publicKey, Buffer.from(manifest.signature, 'base64'));
 * ```
 */
export function manifestText(manifest: Omit<ExportManifest, 'signature'>): string {
  return JSON.stringify([
    manifest.format,
    manifest.organizationId,
    manifest.filters,
    manifest.eventCount,
    manifest.firstPosition,
    manifest.lastPosition,
    manifest.previousHash,
    manifest.entries,
    manifest.fileSha256,
    manifest.checkpoint ?? null,
    manifest.keyId,
  ]);
}

/**
 * Signs a manifest's fields.
 *
 * @example
 * ```ts
 * const manifest = signManifest(fields, privateKey);
 * ```
 */
export function signManifest(
  fields: Omit<ExportManifest, 'signature'>,
  privateKey: KeyObject,
): ExportManifest {
  return {
    ...fields,
    signature: sign(null, Buffer.from(manifestText(fields)), privateKey).toString('base64'),
  };
}

/**
 * What went wrong in a verifiable export. `position` is the event's place in the organization's
 * sequence when one can be named; `line` the file's line (1-based) when the problem is in it.
 *
 * @example
 * ```ts
 * const problem: ExportProblem = { kind: 'altered', position: 12, line: 3, message: '…' };
 * ```
 */
export interface ExportProblem {
  kind:
    | 'altered'
    | 'missing'
    | 'inserted'
    | 'bad_signature'
    | 'unknown_key'
    | 'checkpoint_mismatch'
    | 'file_digest'
    | 'malformed';
  position?: number;
  line?: number;
  message: string;
}

/**
 * The outcome of {@link verifyExport}.
 *
 * @example
 * ```ts
 * const { ok, checked, problem } = verifyExport({ file, manifest, publicKeys: { k1: publicKeyPem } });
 * ```
 */
export interface ExportVerifyResult {
  ok: boolean;
  /** File events whose hash was recomputed and matched. */
  checked: number;
  problem?: ExportProblem;
}

/**
 * Checks a verifiable export offline — no database, only the file, its manifest and the public
 * key(s) — that no event in the file was altered, none of the range is missing and none was
 * added: the manifest's and its checkpoint's signatures, every file event's chain hash
 * recomputed against the manifest, the positions contiguous from first to last, the file's
 * SHA-256.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { verifyExport } from '@auditkit/core';
 *
 * const result = verifyExport({
 *   file: readFileSync('events.ndjson'),
 *   manifest: readFileSync('events.manifest.json', 'utf8'),
 *   publicKeys: { k2026: readFileSync('auditkit-k2026.pub.pem', 'utf8') },
 * });
 * if (!result.ok) console.error(result.problem);
 * ```
 */
export function verifyExport(input: {
  file: string | Uint8Array;
  manifest: ExportManifest | string;
  publicKeys: Readonly<Record<string, KeyInput>>;
}): ExportVerifyResult {
  const result: ExportVerifyResult = { ok: true, checked: 0 };
  const fail = (problem: ExportProblem): ExportVerifyResult => {
    result.ok = false;
    result.problem = problem;
    return result;
  };
  let manifest: ExportManifest;
  try {
    manifest = typeof input.manifest === 'string' ? JSON.parse(input.manifest) : input.manifest;
  } catch {
    return fail({ kind: 'malformed', message: 'the manifest is not JSON' });
  }
  if (manifest?.format !== MANIFEST_FORMAT || !Array.isArray(manifest.entries)) {
    return fail({ kind: 'malformed', message: `the manifest is not an ${MANIFEST_FORMAT} manifest` });
  }
  const keys = new Map<string, KeyObject>();
  for (const [keyId, key] of Object.entries(input.publicKeys)) {
    keys.set(keyId, ed25519PublicKey(key, `publicKeys.${keyId}`));
  }
  const key = keys.get(manifest.keyId);
  if (!key) return fail({ kind: 'unknown_key', message: `no public key "${manifest.keyId}"` });
  let signed = false;
  try {
    signed = verify(
      null,
      Buffer.from(manifestText(manifest)),
      key,
      Buffer.from(manifest.signature, 'base64'),
    );
  } catch {
    signed = false;
  }
  if (!signed) return fail({ kind: 'bad_signature', message: 'the manifest signature does not verify' });

  const { entries } = manifest;
  if (manifest.checkpoint) {
    let checkpoint: ReturnType<typeof parseCheckpoint>;
    try {
      checkpoint = parseCheckpoint(manifest.checkpoint, 'manifest.checkpoint');
    } catch {
      return fail({ kind: 'malformed', message: 'the manifest checkpoint is malformed' });
    }
    const verdict = checkCheckpointSignature(checkpoint, keys);
    if (verdict !== 'ok') {
      return fail({ kind: verdict, position: checkpoint.size, message: `the checkpoint: ${verdict}` });
    }
    const last = entries.at(-1);
    if (
      checkpoint.organizationId !== manifest.organizationId ||
      checkpoint.size !== manifest.lastPosition ||
      !last ||
      last[1] !== checkpoint.hash
    ) {
      return fail({
        kind: 'checkpoint_mismatch',
        position: checkpoint.size,
        message: 'the checkpoint does not match the last entry',
      });
    }
  }
  for (const [index, entry] of entries.entries()) {
    if (entry[0] !== manifest.firstPosition + index) {
      return fail({
        kind: 'malformed',
        position: entry[0],
        message: 'manifest positions are not contiguous',
      });
    }
  }

  const bytes = typeof input.file === 'string' ? Buffer.from(input.file) : Buffer.from(input.file);
  const lines = bytes.toString('utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  let lineIndex = 0;
  let previousHash = manifest.previousHash;
  for (const [index, [position, hash, idempotencyKey]] of entries.entries()) {
    if (idempotencyKey === null) {
      previousHash = hash;
      continue;
    }
    const text = lines[lineIndex];
    if (text === undefined) {
      return fail({ kind: 'missing', position, message: `the event at ${position} is not in the file` });
    }
    const line = lineIndex + 1;
    const event = parseLine(text);
    const matches = (at: number, before: string, expected: string, key: string) =>
      event !== undefined &&
      chainHash({ event, idempotencyKey: key, position: at, previousHash: before }) === expected;
    if (!matches(position, previousHash, hash, idempotencyKey)) {
      // The line is a later event of the range: the one for this position was left out.
      for (let later = index + 1; later < entries.length; later++) {
        const [laterPosition, laterHash, laterKey] = entries[later] as ManifestEntry;
        const before = (entries[later - 1] as ManifestEntry)[1];
        if (laterKey !== null && matches(laterPosition, before, laterHash, laterKey)) {
          return fail({
            kind: 'missing',
            position,
            line,
            message: `the event at ${position} is not in the file`,
          });
        }
      }
      return fail({
        kind: event === undefined ? 'malformed' : 'altered',
        position,
        line,
        message:
          event === undefined
            ? `line ${line} is not an event`
            : `line ${line} (position ${position}) does not match its hash`,
      });
    }
    result.checked += 1;
    lineIndex += 1;
    previousHash = hash;
  }
  if (lineIndex < lines.length) {
    return fail({
      kind: 'inserted',
      line: lineIndex + 1,
      message: `line ${lineIndex + 1} is not in the manifest`,
    });
  }
  if (result.checked !== manifest.eventCount) {
    return fail({
      kind: 'malformed',
      message: `${result.checked} events, the manifest says ${manifest.eventCount}`,
    });
  }
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (digest !== manifest.fileSha256) {
    return fail({ kind: 'file_digest', message: 'the file bytes differ from the signed SHA-256' });
  }
  return result;
}

function parseLine(text: string): AuditLogEvent | undefined {
  try {
    const value = JSON.parse(text) as Record<string, unknown>;
    if (typeof value !== 'object' || value === null) return undefined;
    const occurredAt = new Date(value.occurredAt as string);
    const receivedAt = new Date(value.receivedAt as string);
    if (Number.isNaN(occurredAt.getTime()) || Number.isNaN(receivedAt.getTime())) return undefined;
    const event = { ...value, occurredAt, receivedAt } as unknown as AuditLogEvent;
    if (
      typeof event.action !== 'string' ||
      typeof event.actor !== 'object' ||
      !Array.isArray(event.targets)
    ) {
      return undefined;
    }
    return event;
  } catch {
    return undefined;
  }
}
