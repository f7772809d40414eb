/**
 * Runs calls bound to one caller transaction one after another. A transaction (a SQL connection
 * inside `BEGIN`, a MongoDB `ClientSession`) carries one statement at a time, and a savepoint or
 * session read must not interleave with another call's: a store bound to it queues each call
 * behind the previous one, whether that one succeeded or failed.
 *
 * @example
 * ```ts
 * const inOrder = transactionQueue();
 * const bound = { insertEvents: (rows) => inOrder(connection, () => store.insertEvents(rows)) };
 * ```
 */
export function transactionQueue(): <T>(transaction: object, work: () => Promise<T>) => Promise<T> {
  const queues = new WeakMap<object, Promise<unknown>>();
  return (transaction, work) => {
    const previous = queues.get(transaction) ?? Promise.resolve();
    const run = previous.then(work, work);
    queues.set(
      transaction,
      run.catch(() => undefined),
    );
    return run;
  };
}
