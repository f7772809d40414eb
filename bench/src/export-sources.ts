import { sqliteStore } from '@auditkit/adapter-sqlite';
import { type AuditStore, createAuditLog } from '@auditkit/core';
import { rawSqliteExport } from './targets/sqlite.js';

/** One way of exporting an organization's events to CSV text. */
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
  if (adapter === 'sqlite' && mode === 'auditkit') return auditKitSource(sqliteStore({ filename: location }));
  if (adapter === 'sqlite' && mode === 'raw-keyset') {
    return {
      run: (organizationId, write) => rawSqliteExport(location, organizationId, write),
      close: async () => {},
    };
  }
  throw new Error(`no export source for ${adapter}/${mode}`);
}
