export { type PostgresStoreOptions, postgresStore } from './postgres-store.js';
export type {
  DrizzleTransactionLike,
  PgClientLike,
  PostgresTransactionHandle,
} from './postgres-transactions.js';
