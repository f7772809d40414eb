import type { NormalizedEvent } from './event-model.js';
import { isoTime } from './iso-time.js';
import type { Metadata } from './metadata.js';

// RFC 8785 (JCS) output for the one shape idempotency hashes: a normalized event. Knowing the
// shape lets the keys be written in their sorted order directly, which is several times faster
// than a generic canonicalizer on the ingest hot path. A property test checks that the output
// equals the `canonicalize` library's on generated events.

// Characters JSON escapes (quote, backslash, controls) or that may be half of a surrogate pair
// (JSON.stringify escapes lone surrogates): strings without any are written as they are, which
// skips a call into JSON.stringify for nearly every value.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what JSON escapes
const MAY_NEED_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function text(value: string): string {
  return MAY_NEED_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
}

function valueJson(value: string | number | boolean): string {
  // Finite numbers: RFC 8785 writes them as ECMAScript's Number::toString, which String() is
  // (and -0 as 0); metadata never holds non-finite numbers.
  return typeof value === 'string' ? text(value) : String(value);
}

/**
 * The keys of the metadata object being written, sorted (`sortedKeys`); reused from one object to
 * the next, as each is written completely before the next is sorted.
 */
const sorted: string[] = [];

/**
 * `Object.keys(metadata).sort()` into {@link sorted}, returning how many keys there are: own
 * enumerable keys (`for…in` with `Object.hasOwn`, no array allocated per object), ordered by an
 * insertion sort by UTF-16 code units, as `sort()` compares. Metadata has at most 50 keys, usually
 * a handful and often already in order, where this is several times faster than the builtin sort.
 */
function sortedKeys(metadata: Metadata): number {
  let count = 0;
  for (const key in metadata) {
    if (!Object.hasOwn(metadata, key)) continue;
    let j = count - 1;
    while (j >= 0 && (sorted[j] as string) > key) {
      sorted[j + 1] = sorted[j] as string;
      j--;
    }
    sorted[j + 1] = key;
    count++;
  }
  return count;
}

function metadataJson(metadata: Metadata): string {
  const count = sortedKeys(metadata);
  let out = '{';
  for (let i = 0; i < count; i++) {
    const key = sorted[i] as string;
    out += `${i === 0 ? '' : ','}${text(key)}:${valueJson(metadata[key] as string | number | boolean)}`;
  }
  return `${out}}`;
}

function partyJson(party: { type: string; id: string; name?: string; metadata?: Metadata }): string {
  let out = `{"id":${text(party.id)}`;
  if (party.metadata !== undefined) out += `,"metadata":${metadataJson(party.metadata)}`;
  if (party.name !== undefined) out += `,"name":${text(party.name)}`;
  return `${out},"type":${text(party.type)}}`;
}

/**
 * The canonical (RFC 8785) JSON text of a normalized event, `occurredAt` as its ISO string.
 * `plainText`: the caller has checked that no string in the event (values, names, metadata keys
 * and values) contains a character JSON escapes or a surrogate, so none is checked again here
 * (the fast lane's `lastEventTextIsPlain`). Leave it `false` when unsure: the output is the same.
 *
 * @example
 * ```ts
 * const content = canonicalEventJson(normalized); // '{"action":"user.signed_in","actor":{…},…}'
 * ```
 */
export function canonicalEventJson(event: NormalizedEvent, plainText = false): string {
  if (plainText) return plainEventJson(event);
  let out = `{"action":${text(event.action)},"actor":${partyJson(event.actor)},"context":{"location":${text(event.context.location)}`;
  if (event.context.userAgent !== undefined) out += `,"userAgent":${text(event.context.userAgent)}`;
  out += '}';
  if (event.metadata !== undefined) out += `,"metadata":${metadataJson(event.metadata)}`;
  out += `,"occurredAt":"${isoTime(event.occurredAt)}","targets":[`;
  for (let i = 0; i < event.targets.length; i++)
    out += `${i === 0 ? '' : ','}${partyJson(event.targets[i] as NormalizedEvent['targets'][number])}`;
  return `${out}],"version":${event.version}}`;
}

// The same text for an event whose strings need no escaping (`canonicalEventJson`'s `plainText`).
// Each string is written inside one template with its quotes, so the quotes join the constant
// parts: about half the string concatenations of the general writer, each of which allocates.

function plainMetadataJson(metadata: Metadata): string {
  const count = sortedKeys(metadata);
  let out = '{';
  for (let i = 0; i < count; i++) {
    const key = sorted[i] as string;
    const value = metadata[key];
    // A number's template text is Number::toString, as String() writes it (-0 as 0).
    if (i === 0) out += typeof value === 'string' ? `"${key}":"${value}"` : `"${key}":${value}`;
    else out += typeof value === 'string' ? `,"${key}":"${value}"` : `,"${key}":${value}`;
  }
  return `${out}}`;
}

function plainPartyJson(party: { type: string; id: string; name?: string; metadata?: Metadata }): string {
  const head =
    party.metadata === undefined
      ? `{"id":"${party.id}"`
      : `{"id":"${party.id}","metadata":${plainMetadataJson(party.metadata)}`;
  return party.name === undefined
    ? `${head},"type":"${party.type}"}`
    : `${head},"name":"${party.name}","type":"${party.type}"}`;
}

function plainEventJson(event: NormalizedEvent): string {
  const { context, metadata, targets } = event;
  let out =
    context.userAgent === undefined
      ? `{"action":"${event.action}","actor":${plainPartyJson(event.actor)},"context":{"location":"${context.location}"}`
      : `{"action":"${event.action}","actor":${plainPartyJson(event.actor)},"context":{"location":"${context.location}","userAgent":"${context.userAgent}"}`;
  if (metadata !== undefined) out += `,"metadata":${plainMetadataJson(metadata)}`;
  out += `,"occurredAt":"${isoTime(event.occurredAt)}","targets":[`;
  for (let i = 0; i < targets.length; i++) {
    const target = targets[i] as NormalizedEvent['targets'][number];
    out += i === 0 ? plainPartyJson(target) : `,${plainPartyJson(target)}`;
  }
  return `${out}],"version":${event.version}}`;
}
