import type { Collection, Document, OptionalUnlessRequiredId } from 'mongodb';

const DUPLICATE_KEY = 11000;

interface WriteErrorLike {
  index?: unknown;
  code?: unknown;
}

/**
 * The positions an unordered bulk insert rejected as duplicate keys, or `undefined` when
 * anything else went wrong (another write error, a write concern error, no bulk error at all).
 * Duck-typed, because the application's client may come from another copy of the driver.
 */
function duplicatePositions(error: unknown): Set<number> | undefined {
  if (typeof error !== 'object' || error === null || !('writeErrors' in error)) return undefined;
  const { writeErrors, result } = error as {
    writeErrors: WriteErrorLike | WriteErrorLike[];
    result?: { getWriteConcernError?: () => unknown };
  };
  // A write concern error means even the documents reported as inserted may not last.
  if (result?.getWriteConcernError?.()) return undefined;
  const errors = [writeErrors].flat();
  if (errors.length === 0) return undefined;
  const positions = new Set<number>();
  for (const { index, code } of errors) {
    if (code !== DUPLICATE_KEY || typeof index !== 'number') return undefined;
    positions.add(index);
  }
  return positions;
}

/**
 * Inserts every document whose `_id` is free and returns the positions of the others. Unordered,
 * so one taken `_id` does not stop the rest. A duplicate-key error names no index on FerretDB: on
 * the collections written this way the only unique index is `_id`, except the sealer's links,
 * whose refused documents the sealer reads back and checks (`expectSameLinks`).
 */
export async function insertSkippingDuplicates<T extends Document>(
  collection: Collection<T>,
  documents: OptionalUnlessRequiredId<T>[],
): Promise<Set<number>> {
  if (documents.length === 0) return new Set();
  try {
    await collection.insertMany(documents, { ordered: false });
    return new Set();
  } catch (error) {
    const positions = duplicatePositions(error);
    if (positions === undefined) throw error;
    return positions;
  }
}

/** `true` when `error` is a single-document duplicate-key error. */
export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === DUPLICATE_KEY;
}
