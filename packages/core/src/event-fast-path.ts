import { type NormalizedEvent, toValidDate } from './event-model.js';
import type { EventLimits } from './limits.js';
import { FORBIDDEN_METADATA_KEYS, METADATA_LIMITS } from './limits.js';
import { isPlainObject, type Metadata } from './metadata.js';
import { plainObjectConstructor } from './plain-object.js';
import { isStorableText } from './text-rules.js';

// The write path's fast lane. zod (`createEventInputSchema`) stays the definition of a valid
// event and the only source of error messages: this module only recognises inputs that are
// plainly valid and builds, in one pass, the same normalized event zod's parse followed by
// `normalize` builds. Anything it is not sure of — a wrong type, a missing or unknown field, a
// class instance instead of a plain object — returns `undefined`, and the caller runs zod as
// before. A property test (test/event-fast-path.test.ts) checks on generated valid, invalid and
// hostile inputs that whenever this accepts, zod accepts with a deep-equal result (same keys in
// the same order), so no rule is weakened and every rejection still comes from zod.

const EVENT_KEYS = new Set(['action', 'occurredAt', 'version', 'actor', 'targets', 'context', 'metadata']);
const PARTY_KEYS = new Set(['type', 'id', 'name', 'metadata']);
const CONTEXT_KEYS = new Set(['location', 'userAgent']);
const MAX_VERSION = 2_147_483_647;

/**
 * The input's size as `oversizeReason` estimates it (event-size.ts), summed while the lane
 * walks the input: strings count their length + 2, other leaves 8, objects and arrays 2, each
 * key its length + 4. Counting keys with `for…in` (own and inherited) never counts less than
 * `oversizeReason`'s `Object.keys`, so an input this lane accepts is never one it would refuse.
 * Reset at the start of each event; the lane is synchronous, so no other event interleaves.
 */
let size = 0;

/**
 * zod's strict objects reject keys (own or inherited, enumerable) outside the shape; adds the
 * object's own share of {@link size} (its braces and keys).
 */
function onlyKeys(value: object, known: ReadonlySet<string>): boolean {
  size += 2;
  for (const key in value) {
    if (!known.has(key)) return false;
    size += key.length + 4;
  }
  return true;
}

/** The {@link size} of an optional field that is `undefined`: 8 when the key is there at all. */
function absentSize(value: object, key: string): number {
  return key in value ? 8 : 0;
}

// Characters JSON escapes (quote, backslash, controls, NUL among them) and surrogates (which may
// be lone). A string without any is storable text (well-formed, no NUL) and its JSON is itself in
// quotes, so one test here stands for `isStorableText` and for the canonical writer's own check.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what JSON escapes
const NEEDS_CARE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * Whether every string the lane accepted in the current event is {@link NEEDS_CARE}-free, so the
 * canonical writer may quote them as they are (`lastEventTextIsPlain`). Reset with {@link size}.
 */
let plain = true;

/** `isStorableText`, noting in {@link plain} a string the canonical writer must escape. */
function storable(value: string): boolean {
  if (!NEEDS_CARE.test(value)) return true;
  plain = false;
  return isStorableText(value);
}

function isText(value: unknown, maxLength: number): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) return false;
  size += value.length + 2;
  return storable(value);
}

/**
 * Whether every string of the event the last {@link fastNormalizeEvent} call accepted needs no
 * JSON escaping (`canonicalEventJson`'s `plainText`). Read it right after the call: the lane is
 * synchronous, so no other event interleaves.
 */
export function lastEventTextIsPlain(): boolean {
  return plain;
}

/** The metadata copy `metadataSchema` returns, or `undefined` when any rule might be broken. */
export function fastMetadata(value: unknown): Metadata | undefined {
  if (!isPlainObject(value)) return undefined;
  const copy: Metadata = {};
  let count = 0;
  size += 2;
  // `for…in` walks the keys without allocating `Object.keys`' array; its own keys come in the
  // same order, and an inherited one (a polluted prototype) is left to zod.
  for (const key in value) {
    if (!Object.hasOwn(value, key)) return undefined;
    if (++count > METADATA_LIMITS.maxKeys) return undefined;
    if (!METADATA_LIMITS.keyPattern.test(key) || FORBIDDEN_METADATA_KEYS.has(key)) return undefined;
    const entry = value[key];
    if (typeof entry === 'string') {
      if (entry.length > METADATA_LIMITS.maxStringValueLength || !storable(entry)) return undefined;
      copy[key] = entry;
      size += key.length + entry.length + 6;
    } else if (typeof entry === 'number') {
      if (!Number.isFinite(entry)) return undefined;
      copy[key] = entry === 0 ? 0 : entry; // JSON has no -0
      size += key.length + 12;
    } else if (typeof entry === 'boolean') {
      copy[key] = entry;
      size += key.length + 12;
    } else {
      return undefined;
    }
  }
  return copy;
}

type Party = NormalizedEvent['actor'];

// Plain objects built by constructors rather than literals: see plain-object.ts.
const PartyObject = plainObjectConstructor(function (
  this: Party,
  type: string,
  id: string,
  name: string | undefined,
  metadata: Metadata | undefined,
) {
  this.type = type;
  this.id = id;
  if (name !== undefined) this.name = name;
  if (metadata !== undefined) this.metadata = metadata;
});

const ContextObject = plainObjectConstructor(function (
  this: NormalizedEvent['context'],
  location: string,
  userAgent: string | undefined,
) {
  this.location = location;
  if (userAgent !== undefined) this.userAgent = userAgent;
});

function fastParty(value: unknown, maxLength: number): Party | undefined {
  if (!isPlainObject(value) || !onlyKeys(value, PARTY_KEYS)) return undefined;
  const { type, id, name, metadata } = value;
  if (!isText(type, maxLength) || !isText(id, maxLength)) return undefined;
  if (name !== undefined) {
    if (!isText(name, maxLength)) return undefined;
  } else size += absentSize(value, 'name');
  let copy: Metadata | undefined;
  if (metadata !== undefined) {
    copy = fastMetadata(metadata);
    if (!copy) return undefined;
  } else size += absentSize(value, 'metadata');
  return new PartyObject(type, id, name, copy);
}

const NormalizedEventObject = plainObjectConstructor(function (
  this: NormalizedEvent,
  action: string,
  occurredAt: Date,
  version: number,
  actor: Party,
  targets: Party[],
  context: NormalizedEvent['context'],
  metadata: Metadata | undefined,
) {
  this.action = action;
  this.occurredAt = occurredAt;
  this.version = version;
  this.actor = actor;
  this.targets = targets;
  this.context = context;
  if (metadata !== undefined) this.metadata = metadata;
});

/**
 * The normalized event for an input that is plainly valid under `limits` (within
 * `maxEventBytes` too, as `oversizeReason` counts), or `undefined` to let `oversizeReason` and
 * zod decide (and explain).
 *
 * @example
 * ```ts
 * const normalized = fastNormalizeEvent(input, limits) ?? normalize(schema.parse(input));
 * ```
 */
export function fastNormalizeEvent(input: unknown, limits: EventLimits): NormalizedEvent | undefined {
  size = 0;
  plain = true;
  if (!isPlainObject(input) || !onlyKeys(input, EVENT_KEYS)) return undefined;
  const { action, occurredAt: occurredAtInput, version: versionInput } = input;
  const maxLength = limits.maxFieldLength;
  if (!isText(action, maxLength)) return undefined;
  const occurredAt = toValidDate(occurredAtInput);
  if (typeof occurredAt === 'string') return undefined;
  // A Date is an object without own keys; an ISO string counts as text.
  size += typeof occurredAtInput === 'string' ? occurredAtInput.length + 2 : 2;
  let version = 1;
  size += versionInput === undefined ? absentSize(input, 'version') : 8;
  if (versionInput !== undefined) {
    if (
      typeof versionInput !== 'number' ||
      !Number.isInteger(versionInput) ||
      versionInput < 1 ||
      versionInput > MAX_VERSION
    )
      return undefined;
    version = versionInput;
  }
  const actor = fastParty(input.actor, maxLength);
  if (!actor) return undefined;
  const targetsInput = input.targets;
  if (!Array.isArray(targetsInput) || targetsInput.length > limits.maxTargets) return undefined;
  size += 2;
  // Sized up front: an array grown by `push` reserves 16 slots, which every stored event would keep.
  const targets = new Array<Party>(targetsInput.length);
  for (let i = 0; i < targetsInput.length; i++) {
    const target = fastParty(targetsInput[i], maxLength);
    if (!target) return undefined;
    targets[i] = target;
  }
  const contextInput = input.context;
  if (!isPlainObject(contextInput) || !onlyKeys(contextInput, CONTEXT_KEYS)) return undefined;
  const { location, userAgent } = contextInput;
  if (!isText(location, maxLength)) return undefined;
  if (userAgent !== undefined) {
    if (!isText(userAgent, maxLength)) return undefined;
  } else size += absentSize(contextInput, 'userAgent');
  const context = new ContextObject(location, userAgent);
  const metadataInput = input.metadata;
  let metadata: Metadata | undefined;
  if (metadataInput !== undefined) {
    metadata = fastMetadata(metadataInput);
    if (!metadata) return undefined;
  } else size += absentSize(input, 'metadata');
  // Over the byte limit: `oversizeReason` words the refusal.
  if (size > limits.maxEventBytes) return undefined;
  return new NormalizedEventObject(action, occurredAt, version, actor, targets, context, metadata);
}
