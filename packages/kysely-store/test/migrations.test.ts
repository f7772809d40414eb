// Released migrations are history: every database that ran one must end with the same tables as
// a new database does. The DDL of each migration, as each dialect's compiler writes it, is kept in
// released/<dialect>/<migration>.sql; editing a released migration (or the column types it is
// given) fails here, and a new migration adds a file.
import { describe, expect, it } from 'vitest';
import { SQL_SCHEMAS, sqlMigrations } from '../src/migrations.js';
import { DIALECTS, type DialectName, recordingKysely } from './recording-kysely.js';

describe.each(Object.keys(DIALECTS) as DialectName[])('migrations on %s', (dialect) => {
  const migrations = Object.entries(sqlMigrations(SQL_SCHEMAS[dialect]));

  it.each(migrations)('%s runs exactly the DDL it was released with', async (name, migration) => {
    const { plain, executed } = recordingKysely(dialect);
    await migration.up(plain as never);
    expect(executed.flatMap((query) => query.parameters)).toEqual([]);
    const ddl = `${executed.map((query) => query.sql).join(';\n')};\n`;
    await expect(ddl).toMatchFileSnapshot(`./released/${dialect}/${name}.sql`);
  });
});
