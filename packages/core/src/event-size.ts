/**
 * Estimates an incoming event's JSON size without serializing it, stopping as soon as the
 * budget is spent — so an oversized or absurdly nested input is refused before any parsing,
 * hashing or database work, and a cyclic one cannot loop.
 *
 * @returns `undefined` when the value fits, otherwise why it does not.
 */
export function oversizeReason(value: unknown, maxBytes: number, maxDepth = 16): string | undefined {
  let budget = maxBytes;
  const visit = (node: unknown, depth: number): string | undefined => {
    if (depth > maxDepth) return `event is nested deeper than ${maxDepth} levels`;
    if (typeof node === 'string') budget -= node.length + 2;
    else if (typeof node !== 'object' || node === null) budget -= 8;
    else if (Array.isArray(node)) {
      budget -= 2;
      for (const item of node) {
        const reason = visit(item, depth + 1);
        if (reason || budget < 0) return reason;
      }
    } else {
      budget -= 2;
      for (const key of Object.keys(node)) {
        budget -= key.length + 4;
        const reason = visit((node as Record<string, unknown>)[key], depth + 1);
        if (reason || budget < 0) return reason;
      }
    }
    return undefined;
  };
  const reason = visit(value, 0);
  if (reason) return reason;
  return budget < 0 ? `event is larger than the ${maxBytes}-byte limit (maxEventBytes)` : undefined;
}
