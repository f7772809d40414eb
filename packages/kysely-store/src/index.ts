export type { SqlDialectTraits } from './dialect-traits.js';
export type { SchemaMigration } from './kysely-migrator.js';
export { type KyselyStoreConfig, kyselyStore } from './kysely-store.js';
export { migrateToLatest, SQL_SCHEMAS, type SqlSchemaTraits, sqlMigrations } from './migrations.js';
export type { AuditDatabase, EventsTable, ExportsTable, RetentionTable, SchemasTable } from './tables.js';
