import type { Kysely } from 'kysely';

/**
 * One schema version, as kysely's `Migrator` runs it. Declared here because kysely 0.28 exports
 * its `Migration` type from `kysely` and 0.29 only from `kysely/migration`.
 *
 * @example
 * ```ts
 * const migration: SchemaMigration = {
 *   up: async (db) => db.schema.createTable('t').addColumn('id', 'text').execute(),
 * };
 * ```
 */
export interface SchemaMigration {
  up(db: Kysely<unknown>): Promise<void>;
}

/** What kysely's `Migrator` takes, as far as AuditKit uses it (the same in kysely 0.28 and 0.29). */
export interface KyselyMigratorProps<Database> {
  db: Kysely<Database>;
  provider: { getMigrations(): Promise<Record<string, SchemaMigration>> };
  migrationTableName: string;
  migrationLockTableName: string;
  migrationTableSchema?: string;
  disableTransactions?: boolean;
  allowUnorderedMigrations?: boolean;
}

/** The slice of kysely's `Migrator` AuditKit uses. */
export interface KyselyMigrator {
  migrateToLatest(): Promise<{ error?: unknown }>;
}

/** kysely's `Migrator` class, typed by the slice above. */
export type KyselyMigratorClass = new <Database>(props: KyselyMigratorProps<Database>) => KyselyMigrator;

// kysely 0.29 moved the migrator to the `kysely/migration` entry point, which 0.28 does not
// have; a specifier typed as string keeps the type checker from requiring either version.
const KYSELY_MIGRATION_ENTRY: string = 'kysely/migration';
let migratorClass: Promise<KyselyMigratorClass> | undefined;

/**
 * kysely's `Migrator` class from whichever supported kysely is installed: 0.28 exports it from
 * `kysely`, 0.29 from `kysely/migration`.
 *
 * @example
 * ```ts
 * const Migrator = await loadKyselyMigrator();
 * const migrator = new Migrator({ db, provider, migrationTableName: 'm', migrationLockTableName: 'm_lock' });
 * ```
 */
export function loadKyselyMigrator(): Promise<KyselyMigratorClass> {
  migratorClass ??= (async () => {
    const root: Record<string, unknown> = await import('kysely');
    if (typeof root.Migrator === 'function') return root.Migrator as KyselyMigratorClass; // kysely 0.28
    const entry: Record<string, unknown> = await import(KYSELY_MIGRATION_ENTRY); // kysely 0.29
    if (typeof entry.Migrator !== 'function') {
      throw new Error('the installed kysely has no Migrator (neither in kysely nor in kysely/migration)');
    }
    return entry.Migrator as KyselyMigratorClass;
  })();
  return migratorClass;
}
