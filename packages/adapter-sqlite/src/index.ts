export { type SqliteStoreOptions, type SqliteSynchronous, sqliteStore } from './sqlite-store.js';
export type { SqliteDatabaseInTransaction, SqliteTransactionHandle } from './sqlite-transactions.js';
