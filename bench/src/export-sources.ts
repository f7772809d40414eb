import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteStore } from '@auditkit/adapter-sqlite';
import { type AuditStore, createAuditLog, type ExportStorage, filesystemExportStorage } from '@auditkit/core';
import { s3ExportStorage } from '@auditkit/s3-storage';
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

/**
 * A background export job (`createExport` → `waitForExport`) into an export storage: the whole
 * path an application's download takes, file written and complete. `job-s3` reads the S3
 * settings (s3ExportStorage options as JSON) from AUDITKIT_BENCH_S3.
 */
function exportJobSource(store: AuditStore, storageName: 'file' | 's3'): ExportSource {
  const directory = mkdtempSync(join(tmpdir(), 'auditkit-bench-job-'));
  const storage: ExportStorage =
    storageName === 's3'
      ? s3ExportStorage(JSON.parse(process.env.AUDITKIT_BENCH_S3 ?? '{}'))
      : filesystemExportStorage({ directory });
  const opened = createAuditLog({ store, exportStorage: storage });
  return {
    async run(organizationId) {
      const auditLog = await opened;
      const job = await auditLog.createExport({ organizationId, ...WHOLE_RANGE });
      const done = await auditLog.waitForExport(job.id, { timeoutMs: 3_600_000, intervalMs: 50 });
      if (done.state !== 'ready') throw new Error(`export ${job.id} ended ${done.state}: ${done.error}`);
      const file = await storage.stat(`${job.id}.csv`);
      if (!file || file.size === 0) throw new Error(`export ${job.id} has no file in ${storage.name}`);
      await storage.delete(`${job.id}.csv`);
      return done.rowCount ?? 0;
    },
    async close() {
      await (await opened).close();
      rmSync(directory, { recursive: true, force: true });
    },
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
    if (mode === 'job-file' || mode === 'job-s3') {
      return exportJobSource(sqliteStore({ filename: location }), mode === 'job-s3' ? 's3' : 'file');
    }
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
