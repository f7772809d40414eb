/**
 * A filter matching the given `_id`s: a plain equality when there is one, because a filter that
 * is exactly one `_id` equality is the only one FerretDB 1.24 answers from an index (it scans the
 * whole collection for anything else); MongoDB uses the `_id` index for both forms.
 */
export function byIds(ids: readonly string[]): { _id: string | { $in: string[] } } {
  const [only] = ids;
  return ids.length === 1 && only !== undefined ? { _id: only } : { _id: { $in: [...ids] } };
}
