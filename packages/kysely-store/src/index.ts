export {
  type CallerTransaction,
  isKyselyInstance,
  type KyselyTransactionLike,
  kyselyTransactionExecutor,
  unacceptedHandle,
} from './caller-transaction.js';
export type { SqlDialectTraits } from './dialect-traits.js';
export { type EachRowAnswer, eachRowQuery, parseEachRowQuery } from './each-row-query.js';
export type { SchemaMigration } from './kysely-migrator.js';
export { filteredEvents, type KyselyStoreConfig, kyselyStore } from './kysely-store.js';
export { migrateToLatest, SQL_SCHEMAS, type SqlSchemaTraits, sqlMigrations } from './migrations.js';
export { outsideTransaction } from './row-writers.js';
export type {
  AuditDatabase,
  EventsTable,
  ExportsTable,
  LeasesTable,
  RetentionTable,
  SchemasTable,
} from './tables.js';
