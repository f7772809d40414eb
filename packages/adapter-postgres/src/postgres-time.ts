import parsePostgresDate from 'postgres-date';

/**
 * A `Date` as PostgreSQL `timestamptz` input text in UTC, e.g. `2024-05-01T12:00:00.000+00:00`.
 *
 * pg itself sends a `Date` in the process's local time with an `±hh:mm` offset; for dates whose
 * local offset has seconds (before about 1900 in most zones, e.g. +00:19:32 in Amsterdam) the
 * seconds are dropped and the stored time moves. UTC text has no offset to truncate. Postgres
 * has no year 0: ISO year 0000 (1 BC) is written `0001 … BC`, as Postgres reads it.
 *
 * @example
 * ```ts
 * toTimestamptzText(new Date('1800-06-15T08:09:10.011Z')); // '1800-06-15T08:09:10.011+00:00'
 * toTimestamptzText(new Date('0000-03-01T00:00:00.000Z')); // '0001-03-01T00:00:00.000+00:00 BC'
 * ```
 */
export function toTimestamptzText(date: Date): string {
  const iso = date.toISOString(); // `YYYY-…`, or `±YYYYYY-…` outside years 0000-9999
  const year = date.getUTCFullYear();
  const rest = `${iso.slice(iso.indexOf('-', 1), -1)}+00:00`;
  if (year > 0) return `${String(year).padStart(4, '0')}${rest}`;
  return `${String(1 - year).padStart(4, '0')}${rest} BC`;
}

/**
 * A `timestamptz` as a pool returns it: a `Date` from pg's own parser, or the text form from a
 * pool whose application turned type parsing off. The text is in the session's time zone, whose
 * historic offsets can have seconds (`1800-06-15 08:28:42.011+00:19:32`) and whose years before
 * 1 AD end in `BC`; `Date` cannot parse either, pg's own parser (postgres-date) does.
 *
 * @example
 * ```ts
 * fromTimestamptz('1800-06-15 08:28:42.011+00:19:32').toISOString(); // '1800-06-15T08:09:10.011Z'
 * ```
 */
export function fromTimestamptz(value: unknown): Date {
  if (value instanceof Date) return value;
  const parsed = parsePostgresDate(String(value));
  return parsed instanceof Date ? parsed : new Date(Number.NaN);
}
