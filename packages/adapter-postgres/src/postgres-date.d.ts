/** postgres-date 1.x (the parser pg itself uses for timestamptz) ships no types. */
declare module 'postgres-date' {
  /** A timestamp in PostgreSQL's ISO output format as a `Date`; `±Infinity` for `±infinity`, `null` when unparseable. */
  export default function parseDate(text: string): Date | number | null;
}
