import type { KeyObject } from 'node:crypto';
import type { SequencedEvent, SequenceHead } from '../store.js';
import { chainHash, GENESIS_HASH } from './chain-hash.js';
import { type Checkpoint, checkCheckpointSignature } from './checkpoint.js';

/**
 * What kind of tampering `verify` found, at the position it names:
 *
 * - `altered`: the event's stored content (or hash) no longer gives its hash, or an edited event
 *   whose hash was recomputed no longer links to the event after it.
 * - `missing`: no event at a position the chain (or the head, or a checkpoint) says exists.
 * - `inserted`: an event the chain does not link (the events around it link past it), or one
 *   beyond the organization's head.
 * - `reordered`: the event belongs at another position (its neighbour's hash is its predecessor).
 * - `checkpoint_mismatch`: a correctly signed checkpoint names another hash for this position
 *   than the chain has: the history was rewritten and its hashes recomputed.
 * - `bad_signature`: a checkpoint (at position `size`) whose signature does not verify.
 * - `unknown_key`: a checkpoint signed by a key id missing from the public keys.
 * - `head_mismatch`: the organization's stored head names another hash than its last event.
 *
 * @example
 * ```ts
 * if (result.problem?.kind === 'missing') console.log(`event ${result.problem.position} was deleted`);
 * ```
 */
export type VerifyProblemKind =
  | 'altered'
  | 'missing'
  | 'inserted'
  | 'reordered'
  | 'checkpoint_mismatch'
  | 'bad_signature'
  | 'unknown_key'
  | 'head_mismatch';

/**
 * The first problem `verify` found.
 *
 * @example
 * ```ts
 * const problem: VerifyProblem = { position: 17, kind: 'altered', message: 'event 17 …' };
 * ```
 */
export interface VerifyProblem {
  position: number;
  kind: VerifyProblemKind;
  /** What was found, in English, for people. */
  message: string;
}

/**
 * What `verify` reports.
 *
 * @example
 * ```ts
 * const { ok, checked, problem } = await auditLog.verify({ organizationId: 'org_123' });
 * ```
 */
export interface VerifyResult {
  ok: boolean;
  organizationId: string;
  /** Events whose hash and link were checked. */
  checked: number;
  /** The position verification started after (0: the beginning; else a checkpoint's size). */
  startedAfter: number;
  /** The last position read (the start when there was nothing to read). */
  lastPosition: number;
  /** Checkpoints whose signature was checked (stored and given). */
  checkpoints: number;
  problem?: VerifyProblem;
}

/** Everything the chain walk needs, from a store or from a file. */
export interface ChainVerification {
  organizationId: string;
  /** Sealed events after `startAfter` (or after 0), ascending by position. */
  read(afterPosition: number): AsyncIterable<SequencedEvent>;
  /** The organization's stored head after the walk, when there is one to compare with. */
  head?: () => SequenceHead | undefined;
  /** Checkpoints (stored and external), any order; signatures are checked here. */
  checkpoints: readonly Checkpoint[];
  publicKeys: ReadonlyMap<string, KeyObject>;
  /** Start at the last valid checkpoint at or before this position (default: the beginning). */
  since?: number;
}

/**
 * Walks an organization's chain once, holding one event of look-ahead: memory stays flat at any
 * size (plus the checkpoints). Reports the first problem with its position.
 */
export async function verifyChain(input: ChainVerification): Promise<VerifyResult> {
  const { organizationId, publicKeys } = input;
  const result: VerifyResult = {
    ok: true,
    organizationId,
    checked: 0,
    startedAfter: 0,
    lastPosition: 0,
    checkpoints: 0,
  };
  const fail = (position: number, kind: VerifyProblemKind, message: string): VerifyResult => {
    result.ok = false;
    result.problem = { position, kind, message };
    return result;
  };

  // 1. Signatures first: a forged or edited checkpoint is itself evidence of tampering.
  const valid: Checkpoint[] = [];
  for (const checkpoint of [...input.checkpoints].sort((a, b) => a.size - b.size)) {
    if (checkpoint.organizationId !== organizationId) continue;
    result.checkpoints += 1;
    const verdict = checkCheckpointSignature(checkpoint, publicKeys);
    if (verdict === 'unknown_key') {
      return fail(
        checkpoint.size,
        'unknown_key',
        `checkpoint at ${checkpoint.size} is signed by key "${checkpoint.keyId}", which is not among the public keys`,
      );
    }
    if (verdict === 'bad_signature') {
      return fail(
        checkpoint.size,
        'bad_signature',
        `checkpoint at ${checkpoint.size} (key "${checkpoint.keyId}") has an invalid signature: it was changed or forged`,
      );
    }
    valid.push(checkpoint);
  }

  // 2. Where to start: genesis, or the last valid checkpoint at or before `since`.
  let anchor: { size: number; hash: string } = { size: 0, hash: GENESIS_HASH };
  if (input.since !== undefined) {
    for (const checkpoint of valid) if (checkpoint.size <= input.since) anchor = checkpoint;
  }
  result.startedAfter = anchor.size;
  result.lastPosition = anchor.size;
  // Retention purges delete a prefix of positions after signing a checkpoint at its end: a gap
  // before the first stored event is allowed up to the largest retention checkpoint.
  let purgedThrough = 0;
  for (const checkpoint of valid) {
    if (checkpoint.reason === 'retention') purgedThrough = Math.max(purgedThrough, checkpoint.size);
  }
  const bySize = new Map<number, Checkpoint[]>();
  for (const checkpoint of valid) {
    const list = bySize.get(checkpoint.size);
    if (list) list.push(checkpoint);
    else bySize.set(checkpoint.size, [checkpoint]);
  }

  const iterator = input.read(anchor.size)[Symbol.asyncIterator]();
  try {
    let next = await iterator.next();
    let expected = anchor.size + 1;
    let previousHash = anchor.hash;
    let beforePreviousHash: string | undefined;

    const first = next.done ? undefined : next.value;
    if (!first && purgedThrough > anchor.size) {
      // Everything up to a retention checkpoint was purged, and nothing came after it.
      const boundary = bySize.get(purgedThrough)?.[0];
      result.startedAfter = purgedThrough;
      result.lastPosition = purgedThrough;
      previousHash = boundary ? boundary.hash : previousHash;
    }
    if (first && first.position > expected) {
      if (first.position - 1 > purgedThrough) {
        return fail(
          Math.max(expected, Math.min(purgedThrough + 1, first.position - 1)),
          'missing',
          `positions ${Math.max(expected, purgedThrough + 1)} to ${first.position - 1} are missing (no retention checkpoint covers them)`,
        );
      }
      // Purged by retention: the first remaining event's link is checked against a checkpoint at
      // its predecessor when there is one, and in any case against every later checkpoint.
      const atBoundary = bySize.get(first.position - 1)?.[0];
      previousHash = atBoundary ? atBoundary.hash : first.previousHash;
      expected = first.position;
      result.startedAfter = first.position - 1;
    }

    while (!next.done) {
      const event = next.value;
      next = await iterator.next();
      const after = next.done ? undefined : next.value;
      const position = event.position;
      if (position < expected) {
        return fail(position, 'inserted', `a second event at position ${position}`);
      }
      if (position > expected) {
        return fail(expected, 'missing', `no event at position ${expected} (the next one is ${position})`);
      }
      const selfOk = recompute(event, position) === event.hash;
      const linkOk = event.previousHash === previousHash;
      if (!selfOk) {
        if (after && after.hash === event.previousHash) {
          return fail(position, 'reordered', `the event at ${position} follows the one at ${after.position}`);
        }
        if (after && after.previousHash === previousHash) {
          return fail(position, 'inserted', `the chain links past the event at ${position}`);
        }
        if (
          beforePreviousHash !== undefined &&
          event.previousHash === beforePreviousHash &&
          recompute(event, position - 1) === event.hash
        ) {
          return fail(position - 1, 'inserted', `the chain links past the event at ${position - 1}`);
        }
        return fail(position, 'altered', `the event at ${position} does not match its hash`);
      }
      if (!linkOk) {
        if (after && after.previousHash === previousHash) {
          return fail(position, 'inserted', `the chain links past the event at ${position}`);
        }
        // Its predecessor was edited and re-hashed (without the events after it).
        const at = position - 1 > result.startedAfter ? position - 1 : position;
        return fail(at, 'altered', `the event at ${at} no longer links to the event after it`);
      }
      for (const checkpoint of bySize.get(position) ?? []) {
        if (checkpoint.hash !== event.hash) {
          return fail(
            position,
            'checkpoint_mismatch',
            `the signed checkpoint at ${position} (key "${checkpoint.keyId}", ${checkpoint.issuedAt.toISOString()}) names another hash: history was rewritten`,
          );
        }
      }
      result.checked += 1;
      result.lastPosition = position;
      beforePreviousHash = previousHash;
      previousHash = event.hash;
      expected = position + 1;
    }

    const last = result.lastPosition;
    const latest = valid.at(-1);
    if (latest && latest.size > last) {
      return fail(
        last + 1,
        'missing',
        `a signed checkpoint (key "${latest.keyId}", ${latest.issuedAt.toISOString()}) covers ${latest.size} events, the chain ends at ${last}`,
      );
    }
    const head = input.head?.();
    if (head) {
      if (head.position > last) {
        return fail(last + 1, 'missing', `the head is at ${head.position}, the chain ends at ${last}`);
      }
      if (head.position < last) {
        return fail(head.position + 1, 'inserted', `events after the head (${head.position})`);
      }
      if (head.position > 0 && head.hash !== previousHash && last > result.startedAfter) {
        return fail(
          head.position,
          'head_mismatch',
          `the head names another hash than event ${head.position}`,
        );
      }
    }
    return result;
  } finally {
    await iterator.return?.();
  }
}

function recompute(event: SequencedEvent, position: number): string | undefined {
  if (position < 1) return undefined;
  return chainHash({
    event: event.event,
    idempotencyKey: event.idempotencyKey,
    position,
    previousHash: event.previousHash,
  });
}
