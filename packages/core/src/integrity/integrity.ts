import { createHash, type KeyObject } from 'node:crypto';
import { AuditKitError } from '../errors.js';
import { type AuditLogExportFilters, parseExportFilters } from '../event-filter.js';
import { checkOrganizationId } from '../event-intake.js';
import { matchesFilter } from '../event-order.js';
import type { AuditStore, SequencedEvent, SequenceHead } from '../store.js';
import { GENESIS_HASH } from './chain-hash.js';
import {
  type Checkpoint,
  type CheckpointReason,
  checkpointToJson,
  ed25519PrivateKey,
  ed25519PublicKey,
  type KeyInput,
  parseCheckpoint,
  signCheckpoint,
} from './checkpoint.js';
import { type ExportManifest, MANIFEST_FORMAT, type ManifestEntry, signManifest } from './export-manifest.js';
import { type VerifyResult, verifyChain } from './verify-chain.js';

/**
 * Tamper evidence settings of `createAuditLog({ integrity })`.
 *
 * @example
 * ```ts
 * const { privateKey } = generateKeyPairSync('ed25519');
 * const integrity: IntegrityOptions = {
 *   signingKey: privateKey, keyId: 'k2026',
 *   publish: (checkpoint) => appendFile('checkpoints.ndjson', `${JSON.stringify(checkpoint)}\n`),
 * };
 * ```
 */
export interface IntegrityOptions {
  /**
   * The Ed25519 private key checkpoints are signed with (a `KeyObject` or PKCS#8 PEM). Keep it
   * outside the database: whoever holds it can sign any history. Without it, `verify` still
   * checks the chain, but nothing catches deleted newest events or recomputed hashes.
   */
  signingKey?: KeyInput;
  /** The id checkpoints name their key by; required with `signingKey`. */
  keyId?: string;
  /** Public keys of earlier (rotated) signing keys by key id, for verification. */
  publicKeys?: Readonly<Record<string, KeyInput>>;
  /** Sign a checkpoint once an organization has this many new events written by this process. Default 1000. */
  checkpointEvery?: number;
  /** Also sign one every this many ms for organizations with new events. Default 60 000. */
  checkpointIntervalMs?: number;
  /**
   * Called with every new checkpoint after it is stored: append it to a file, put it in object
   * storage, send it to a log stream. Only a copy outside the database catches someone who
   * deletes the newest events or rewrites history and recomputes every hash.
   */
  publish?: (checkpoint: Checkpoint) => void | Promise<void>;
  /** Failures of background checkpoints (default: a process warning; the next one retries). */
  onError?: (error: unknown) => void;
}

/**
 * What `auditLog.verify` takes.
 *
 * @example
 * ```ts
 * const published = lines.map((line) => JSON.parse(line));
 * const result = await auditLog.verify({ organizationId: 'org_123', checkpoints: published });
 * ```
 */
export interface VerifyOptions {
  organizationId: string;
  /** Start at the last valid checkpoint at or before this position; default the beginning. */
  since?: number;
  /**
   * Checkpoints kept outside the database (what `publish` received, as objects or their JSON
   * form). Checked together with the stored ones.
   */
  checkpoints?: readonly unknown[];
}

const PAGE = 1000;

/** Core's tamper-evidence policy: checkpoints, verification, retention boundaries, manifests. */
export class Integrity {
  readonly #store: AuditStore;
  readonly #now: () => Date;
  readonly #signingKey: KeyObject | undefined;
  readonly #keyId: string | undefined;
  readonly #publicKeys = new Map<string, KeyObject>();
  readonly #every: number;
  readonly #intervalMs: number;
  readonly #publish: IntegrityOptions['publish'];
  readonly #onError: (error: unknown) => void;
  readonly #pending = new Map<string, number>();
  readonly #running = new Map<string, Promise<unknown>>();
  #timer: ReturnType<typeof setInterval> | undefined;

  readonly #sealFirst: () => Promise<unknown>;

  /**
   * `sealFirst` runs before each scheduled checkpoint: on a sealer store (MongoDB) the events
   * just written are not in the head until sealed, and a checkpoint taken at once would miss them.
   */
  constructor(
    store: AuditStore,
    options: IntegrityOptions | undefined,
    now: () => Date,
    sealFirst: () => Promise<unknown> = async () => undefined,
  ) {
    this.#store = store;
    this.#now = now;
    this.#sealFirst = sealFirst;
    const settings = options ?? {};
    if ((settings.signingKey === undefined) !== (settings.keyId === undefined)) {
      throw new AuditKitError('invalid_request', 'integrity.signingKey and integrity.keyId go together', {
        errors: [
          {
            path: 'integrity.keyId',
            code: 'conflicting_options',
            message: 'signingKey and keyId go together',
          },
        ],
      });
    }
    for (const [keyId, key] of Object.entries(settings.publicKeys ?? {})) {
      this.#publicKeys.set(keyId, ed25519PublicKey(key, `integrity.publicKeys.${keyId}`));
    }
    if (settings.signingKey !== undefined && settings.keyId !== undefined) {
      this.#signingKey = ed25519PrivateKey(settings.signingKey);
      this.#keyId = settings.keyId;
      this.#publicKeys.set(settings.keyId, ed25519PublicKey(this.#signingKey, 'integrity.signingKey'));
    }
    this.#every = settings.checkpointEvery ?? 1000;
    this.#intervalMs = settings.checkpointIntervalMs ?? 60_000;
    this.#publish = settings.publish;
    this.#onError =
      settings.onError ??
      ((error) => process.emitWarning(`AuditKit could not sign a checkpoint: ${String(error)}`));
  }

  /** Whether checkpoints are signed (a signing key is configured). */
  get signing(): boolean {
    return this.#signingKey !== undefined;
  }

  /** Starts the periodic checkpoints (only with a signing key); the timer never keeps the process alive. */
  start(): void {
    if (!this.#signingKey || this.#timer) return;
    this.#timer = setInterval(() => {
      for (const organizationId of this.#pending.keys()) this.#background(organizationId);
    }, this.#intervalMs);
    this.#timer.unref?.();
  }

  /** Notes `count` events written for an organization; signs a checkpoint once `checkpointEvery` accumulate. */
  noteWrite(organizationId: string, count: number): void {
    if (!this.#signingKey || count === 0) return;
    const pending = (this.#pending.get(organizationId) ?? 0) + count;
    this.#pending.set(organizationId, pending);
    if (pending >= this.#every) this.#background(organizationId);
  }

  #background(organizationId: string): void {
    if (this.#running.has(organizationId)) return;
    this.#pending.delete(organizationId);
    const run = this.#sealFirst()
      .then(() => this.createCheckpoint(organizationId, 'scheduled'))
      .catch((error: unknown) => this.#onError(error))
      .finally(() => this.#running.delete(organizationId));
    this.#running.set(organizationId, run);
  }

  /** Stops the timer and waits for checkpoints being signed. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await Promise.all([...this.#running.values()]);
  }

  #requireKey(): { key: KeyObject; keyId: string } {
    if (!this.#signingKey || this.#keyId === undefined) {
      throw new AuditKitError(
        'invalid_request',
        'Checkpoints need a signing key: createAuditLog({ integrity: { signingKey, keyId } })',
        {
          errors: [
            { path: 'integrity.signingKey', code: 'required', message: 'is required to sign checkpoints' },
          ],
        },
      );
    }
    return { key: this.#signingKey, keyId: this.#keyId };
  }

  /**
   * Signs, stores and publishes a checkpoint at the organization's head (or at position `at`,
   * whose hash is read from the store). When one with the same size and key is already stored,
   * returns that one instead.
   */
  async createCheckpoint(
    organizationId: string,
    reason: CheckpointReason,
    at?: { position: number; hash: string },
  ): Promise<Checkpoint | undefined> {
    checkOrganizationId(organizationId);
    const { key, keyId } = this.#requireKey();
    const point = at ?? (await this.#store.getSequenceHead(organizationId));
    if (!point || point.position === 0) return undefined;
    const signed = signCheckpoint(
      {
        organizationId,
        size: point.position,
        hash: point.hash,
        issuedAt: this.#now(),
        keyId,
        reason,
      },
      key,
    );
    if (!(await this.#store.insertCheckpoint(signed))) {
      const [existing] = await this.#store.listCheckpoints({
        organizationId,
        order: 'asc',
        after: point.position - 1,
        limit: 100,
      });
      if (existing && existing.size === point.position) return existing;
    }
    await this.#publish?.(signed);
    return signed;
  }

  /** `auditLog.verify`: the organization's chain against its head and every checkpoint. */
  async verify(options: VerifyOptions): Promise<VerifyResult> {
    if (typeof options !== 'object' || options === null) {
      throw new AuditKitError('invalid_request', 'verify expects { organizationId }', {
        errors: [{ path: '', code: 'invalid_type', message: 'must be an object' }],
      });
    }
    const { organizationId } = options;
    checkOrganizationId(organizationId);
    if (options.since !== undefined && !(Number.isSafeInteger(options.since) && options.since >= 0)) {
      throw new AuditKitError('invalid_request', 'since must be a position (a whole number, 0 or more)', {
        errors: [{ path: 'since', code: 'invalid_value', message: 'must be a whole number, 0 or more' }],
      });
    }
    const given = (options.checkpoints ?? []).map((value, index) =>
      parseCheckpoint(value, `checkpoints[${index}]`),
    );
    const stored: Checkpoint[] = [];
    for (let after = 0; ; ) {
      const page = await this.#store.listCheckpoints({ organizationId, order: 'asc', after, limit: PAGE });
      stored.push(...page);
      const last = page.at(-1);
      if (page.length < PAGE || !last) break;
      after = last.size;
    }
    const store = this.#store;
    let head: SequenceHead | undefined = await store.getSequenceHead(organizationId);
    async function* read(afterPosition: number): AsyncIterable<SequencedEvent> {
      let after = afterPosition;
      // Events sealed while reading: follow the head a few times, then judge against it.
      for (let round = 0; round < 3; round++) {
        for (;;) {
          const page = await store.readSequencedEvents({ organizationId, afterPosition: after, limit: PAGE });
          yield* page;
          const last = page.at(-1);
          if (last) after = last.position;
          if (page.length < PAGE) break;
        }
        head = await store.getSequenceHead(organizationId);
        if (!head || head.position <= after) break;
      }
    }
    return verifyChain({
      organizationId,
      read,
      head: () => head,
      checkpoints: [...stored, ...given],
      publicKeys: this.#publicKeys,
      ...(options.since === undefined ? {} : { since: options.since }),
    });
  }

  /**
   * Retention with integrity on: finds the longest prefix of the organization's sequence whose
   * events all occurred before `cutoff`, signs a `retention` checkpoint at its end, and deletes
   * that prefix. Events after it wait until every event before them has expired, so what remains
   * is always a gapless chain that starts at a signed checkpoint.
   */
  async purge(
    organizationId: string,
    cutoff: Date,
    batchSize: number,
    dryRun: boolean,
    onBatch: (count: number) => void,
  ): Promise<number> {
    let boundary: { position: number; hash: string } | undefined;
    let expired = 0;
    scan: for (let after = 0; ; ) {
      const page = await this.#store.readSequencedEvents({
        organizationId,
        afterPosition: after,
        limit: PAGE,
      });
      for (const sequenced of page) {
        if (sequenced.event.occurredAt.getTime() >= cutoff.getTime()) break scan;
        boundary = { position: sequenced.position, hash: sequenced.hash };
        expired += 1;
      }
      const last = page.at(-1);
      if (page.length < PAGE || !last) break;
      after = last.position;
    }
    if (!boundary || dryRun) return expired;
    await this.createCheckpoint(organizationId, 'retention', boundary);
    let deleted = 0;
    for (;;) {
      const count = await this.#store.deleteEventsThrough(organizationId, boundary.position, batchSize);
      deleted += count;
      if (count > 0) onBatch(count);
      if (count < batchSize) return deleted;
    }
  }

  /**
   * A verifiable NDJSON export: the lines (in position order) and, once they are consumed, the
   * signed manifest.
   */
  verifiableExport(filters: AuditLogExportFilters): {
    lines: AsyncGenerator<string>;
    manifest: Promise<ExportManifest>;
  } {
    let resolve: (manifest: ExportManifest) => void = () => undefined;
    let reject: (error: unknown) => void = () => undefined;
    const manifest = new Promise<ExportManifest>((ok, fail) => {
      resolve = ok;
      reject = fail;
    });
    manifest.catch(() => undefined);
    const self = this;
    async function* lines(): AsyncGenerator<string> {
      try {
        yield* self.#exportLines(filters, resolve);
      } catch (error) {
        reject(error);
        throw error;
      }
    }
    return { lines: lines(), manifest };
  }

  async *#exportLines(
    filters: AuditLogExportFilters,
    done: (manifest: ExportManifest) => void,
  ): AsyncIterable<string> {
    const { key, keyId } = this.#requireKey();
    const filter = parseExportFilters(filters);
    const { organizationId } = filter;
    // Pass 1: the first and last positions whose events the file holds.
    let first: SequencedEvent | undefined;
    let last: SequencedEvent | undefined;
    const head = await this.#store.getSequenceHead(organizationId);
    for await (const sequenced of this.#readThrough(organizationId, 0, head?.position ?? 0)) {
      if (!matchesFilter(sequenced.event, filter)) continue;
      first ??= sequenced;
      last = sequenced;
    }
    const digest = createHash('sha256');
    const entries: ManifestEntry[] = [];
    let eventCount = 0;
    if (first && last) {
      for await (const sequenced of this.#readThrough(organizationId, first.position - 1, last.position)) {
        const included = matchesFilter(sequenced.event, filter);
        entries.push([sequenced.position, sequenced.hash, included ? sequenced.idempotencyKey : null]);
        if (!included) continue;
        const line = `${JSON.stringify(sequenced.event)}\n`;
        digest.update(line);
        eventCount += 1;
        yield line;
      }
    }
    const checkpoint = last
      ? await this.createCheckpoint(organizationId, 'export', { position: last.position, hash: last.hash })
      : undefined;
    done(
      signManifest(
        {
          format: MANIFEST_FORMAT,
          organizationId,
          filters: JSON.parse(JSON.stringify(filter)) as Record<string, unknown>,
          eventCount,
          firstPosition: first?.position ?? 0,
          lastPosition: last?.position ?? 0,
          previousHash: first?.previousHash ?? GENESIS_HASH,
          entries,
          fileSha256: digest.digest('hex'),
          ...(checkpoint ? { checkpoint: checkpointToJson(checkpoint) } : {}),
          keyId,
        },
        key,
      ),
    );
  }

  async *#readThrough(organizationId: string, after: number, through: number): AsyncIterable<SequencedEvent> {
    let position = after;
    while (position < through) {
      const limit = Math.min(PAGE, through - position);
      const page = await this.#store.readSequencedEvents({ organizationId, afterPosition: position, limit });
      for (const sequenced of page) {
        if (sequenced.position > through) return;
        yield sequenced;
      }
      const last = page.at(-1);
      if (!last) return;
      position = last.position;
    }
  }
}
