/**
 * A constructor of plain objects: `new` returns an object whose prototype is `Object.prototype`
 * and whose own properties are those `init` assigns, in its order — to every observer (deep
 * equality, `JSON.stringify`, `structuredClone`, `constructor === Object`) the object a literal
 * builds.
 *
 * Why not a literal: V8 tracks each object literal's allocation site and, once most objects of a
 * site outlive a young-generation collection, allocates that site's objects in the old
 * generation ("pretenuring"). The objects core builds per event live until their batch is
 * written, so a few large batches early in a process could tip those sites over for good; every
 * later event then paid for old-generation allocation, write barriers and longer collections.
 * `pnpm bench`'s core row swung between ~6 and ~16 µs an event depending on the warm-up (tenth
 * round in docs/benchmarks.md). Objects made by `new` have no allocation site, and the
 * constructor's map keeps every field inside the object.
 *
 * @example
 * ```ts
 * const Point = plainObjectConstructor(function (this: { x: number; y?: number }, x: number, y?: number) {
 *   this.x = x;
 *   if (y !== undefined) this.y = y;
 * });
 * new Point(1); // { x: 1 }, as `{ x: 1 }` would be
 * ```
 */
export function plainObjectConstructor<Args extends unknown[], T extends object>(
  init: (this: T, ...args: Args) => void,
): new (
  ...args: Args
) => T {
  init.prototype = Object.prototype;
  return init as unknown as new (
    ...args: Args
  ) => T;
}
