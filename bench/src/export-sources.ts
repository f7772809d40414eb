import { sqliteStore } from '@auditkit/adapter-sqlite';
import { type AuditStore, createAuditLog } from '@auditkit/core';
import { rawSqliteExport } from './targets/sqlite.js';

/** One way of exporting an organization's events to CSV text. */
type Write = (chunk: string) => Promise<void>;

export interface ExportSource {
  run(organizationId: string, write: (chunk: string) => Promise<void>): Promise<number>;
  close(): Promise<void>;
}

const WHOLE_RANGE = {
  rangeStart: new Date('1970-01-01T00:00:00.000Z'),
  rangeEnd: new Date('9999-01-01T00:00:00.000Z'),
};

function auditKitSource(store: AuditStore): ExportSource {
  const opened = createAuditLog({ store });
  return {
    async run(organizationId, write) {
      const auditLog = await opened;
      let rows = 0;
      for await (const chunk of auditLog.exportEvents(
        { organizationId, ...WHOLE_RANGE },
        {
          onProgress: (done) => {
            rows = done;
          },
        },
      )) {
        await write(chunk);
      }
      return rows;
    },
    close: async () => (await opened).close(),
  };
}

/** The export implementations the benchmark compares, by adapter and mode. */
export async function openExportSource(
  adapter: string,
  mode: string,
  location: string,
): Promise<ExportSource> {
  const baseline = (run: (location: string, organizationId: string, write: Write) => Promise<number>) => ({
    run: (organizationId: string, write: Write) => run(location, organizationId, write),
    close: async () => {},
  });
  if (adapter === 'sqlite') {
    return mode === 'auditkit'
      ? auditKitSource(sqliteStore({ filename: location }))
      : baseline(rawSqliteExport);
  }
  if (adapter === 'postgres') {
    const { benchDatabaseUrl, copyPostgresExport, rawPostgresExport } = await import('./targets/postgres.js');
    const { postgresStore } = await import('@auditkit/adapter-postgres');
    if (mode === 'auditkit')
      return auditKitSource(postgresStore({ url: benchDatabaseUrl(), schema: location }));
    return baseline(mode === 'copy' ? copyPostgresExport : rawPostgresExport);
  }
  if (adapter === 'mongo') {
    const { mongoBenchUrl, rawMongoExport } = await import('./targets/mongo.js');
    const { mongoStore } = await import('@auditkit/adapter-mongo');
    if (mode === 'auditkit') return auditKitSource(mongoStore({ url: mongoBenchUrl(), dbName: location }));
    return baseline(rawMongoExport);
  }
  throw new Error(`no export source for ${adapter}/${mode}`);
}
