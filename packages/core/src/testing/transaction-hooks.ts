/**
 * A transaction the application began on the audit log's database, as a conformance test drives
 * it: the handle `withTransaction` accepts, an application write in the same transaction, and
 * the application's `COMMIT` / `ROLLBACK`.
 *
 * @example
 * ```ts
 * const client = await pool.connect();
 * await client.query('BEGIN');
 * const transaction: ApplicationTransaction = {
 *   handle: client,
 *   writeAppRow: async (marker) => { await client.query('insert into app_notes (marker) values ($1)', [marker]); },
 *   commit: async () => { await client.query('COMMIT'); client.release(); },
 *   rollback: async () => { await client.query('ROLLBACK'); client.release(); },
 * };
 * ```
 */
export interface ApplicationTransaction {
  /** What the application passes to `auditLog.withTransaction(handle)`. */
  handle: unknown;
  /** Inserts a row holding `marker` into a table of the application's own, in this transaction. */
  writeAppRow(marker: string): Promise<void>;
  /** Commits, then releases what `begin` acquired. */
  commit(): Promise<void>;
  /** Rolls back, then releases what `begin` acquired. */
  rollback(): Promise<void>;
}
