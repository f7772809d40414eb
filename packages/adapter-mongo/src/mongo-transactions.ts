import { AuditKitError } from '@auditkit/core';
import type { ClientSession, Db } from 'mongodb';

/**
 * What `auditLog.withTransaction(handle)` takes on MongoDB: a `ClientSession` with a running
 * transaction (`session.startTransaction()` or `session.withTransaction(fn)`).
 *
 * @example
 * ```ts
 * const handle: MongoTransactionHandle = client.startSession();
 * ```
 */
export type MongoTransactionHandle = ClientSession;

/**
 * Why this server's writes cannot join the application's transaction, found when the store opens:
 * FerretDB 1.x and standalone MongoDB servers have no multi-document transactions.
 *
 * @example
 * ```ts
 * const reason = await whyNoTransactions(db); // 'FerretDB 1.24.0 has no multi-document transactions'
 * ```
 */
export async function whyNoTransactions(db: Db): Promise<string> {
  const admin = db.admin();
  const build = await admin.command({ buildInfo: 1 });
  if (typeof build.ferretdbVersion === 'string') {
    return `FerretDB ${build.ferretdbVersion} has no multi-document transactions`;
  }
  const hello = await admin.command({ hello: 1 });
  if (typeof hello.setName !== 'string' && hello.msg !== 'isdbgrid') {
    return 'a standalone MongoDB server has no multi-document transactions (they need a replica set or a sharded cluster)';
  }
  // A replica set has transactions, but this adapter does not yet pass a session to its writes:
  // refusing is the only way not to write outside the application's transaction.
  return 'this version of @auditkit/adapter-mongo does not yet write through a ClientSession';
}

/**
 * The refusal of `withTransaction`: the event would be written outside the application's
 * transaction, so nothing is written at all.
 *
 * @example
 * ```ts
 * throw transactionsUnsupported('FerretDB 1.24.0 has no multi-document transactions');
 * ```
 */
export function transactionsUnsupported(reason: string | undefined): AuditKitError {
  return new AuditKitError(
    'transactions_unsupported',
    `The mongo store cannot write inside the application's transaction: ${
      reason ?? 'the store is not open yet'
    }. Nothing was written; call createEvent outside the transaction (after it commits) instead.`,
  );
}
