import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'vitest';
import { type AuditLog, createAuditLog } from '../audit-log.js';
import type { ExportStorage } from '../export-storage.js';
import { filesystemExportStorage } from '../export-storage.js';
import type { AuditStore } from '../store.js';
import { closingCases } from './closing-cases.js';
import type { ConformanceContext } from './context.js';
import { dateCases } from './date-cases.js';
import { eventCases } from './event-cases.js';
import { exportCases } from './export-cases.js';
import { exportCellsCases } from './export-cells-cases.js';
import { type ExportStorageCase, exportFileCases } from './export-file-cases.js';
import { exportRecordCases } from './export-record-cases.js';
import { exportSafetyCases } from './export-safety-cases.js';
import { groupCommitCases } from './group-commit-cases.js';
import { hostileCases } from './hostile-cases.js';
import { idempotencyCases } from './idempotency-cases.js';
import { insertFactCases } from './insert-fact-cases.js';
import { integrityCases } from './integrity-cases.js';
import { isolationCases } from './isolation-cases.js';
import { keyNamespaceCases } from './key-namespace-cases.js';
import { leaseCases } from './lease-cases.js';
import { logStreamCases } from './log-stream-cases.js';
import { malformedRequestCases } from './malformed-request-cases.js';
import { patternCases } from './pattern-cases.js';
import { persistenceCases } from './persistence-cases.js';
import { readCases } from './read-cases.js';
import { retentionCases } from './retention-cases.js';
import { schemaCases } from './schema-cases.js';
import { sequenceCases } from './sequence-cases.js';
import type { RawTamper } from './tamper-hooks.js';
import { transactionCases } from './transaction-cases.js';
import type { ApplicationTransaction } from './transaction-hooks.js';

export type { ConformanceContext } from './context.js';
export { expectAuditKitError, expectErrorAt, thrownAuditKitError } from './expect-error.js';
export { downloadExport, type ExportStorageCase, readExportFile } from './export-file-cases.js';
export { type ExportStorageConformanceOptions, runExportStorageConformance } from './export-storage-cases.js';
export * from './fixtures.js';
export {
  type LogStreamReceiver,
  type ReceivedEvent,
  type ReceiverFormat,
  type ScriptedAnswer,
  startLogStreamReceiver,
} from './log-stream-receiver.js';
export { expectWholeSequence } from './sequence-check.js';
export { mountSmallFileSystem, type SmallFileSystem } from './small-file-system.js';
export type { RawTamper } from './tamper-hooks.js';
export type { ApplicationTransaction } from './transaction-hooks.js';

/** How the conformance suite gets stores. */
export interface StoreConformanceOptions {
  /** A fresh, empty store, on its own database (or schema, or file) for each call. */
  makeStore(): AuditStore | Promise<AuditStore>;
  /**
   * A second store on the database `makeStore` last created, as another process would open it.
   * Required when the store's `capabilities.persistent` is true.
   */
  reopenStore?(): AuditStore | Promise<AuditStore>;
  /**
   * Begins a transaction of the application's on the database `makeStore` last created, with the
   * handle the store's `withTransaction` accepts. Required when `capabilities.transactions` is
   * true: the caller-transaction cases run on it.
   */
  beginTransaction?(): Promise<ApplicationTransaction>;
  /**
   * Export storages the export-file cases run on besides the default filesystem storage (a
   * fresh directory per test), by name: each a factory of a fresh, empty storage, e.g.
   * `{ s3: () => s3ExportStorage({ …, prefix: \`test-${randomUUID()}/\` }) }`.
   */
  exportStorages?: Record<string, () => ExportStorage | Promise<ExportStorage>>;
  /**
   * A write on the store's own connection that waits for a lock held by the application's
   * transaction waits without blocking the event loop (PostgreSQL). Not so on SQLite, whose
   * driver waits synchronously: there the case of a write queued behind an open transaction is
   * proven across processes instead.
   */
  writersWaitWithoutBlocking?: boolean;
  /**
   * Why this store's events are not sequenced yet: the sequence cases are then reported as one
   * skipped test naming the reason, instead of running. For a store whose sealer is unfinished.
   */
  sequenceMissing?: string;
  /**
   * Direct edits of the database `makeStore` last created, with the raw driver: the tamper cases
   * (`verify` naming the exact position of each kind of tampering) run on them.
   */
  rawTamper?(): RawTamper;
}

/**
 * Runs every behaviour of the SPEC against a store: one suite for the memory store and every
 * adapter. Call it from a vitest test file.
 *
 * @example
 * ```ts
 * import { runStoreConformance } from '@auditkit/core/testing';
 * import { sqliteStore } from '@auditkit/adapter-sqlite';
 *
 * runStoreConformance({ makeStore: () => sqliteStore({ filename: ':memory:' }) });
 * ```
 */
export function runStoreConformance(options: StoreConformanceOptions): void {
  const opened: AuditLog[] = [];
  const extraStores: AuditStore[] = [];
  let current: AuditStore | undefined;
  let probe: AuditStore | undefined;

  afterEach(async () => {
    const logs = opened.splice(0);
    await Promise.all(logs.map((log) => log.close()));
    const stores = extraStores.splice(0);
    await Promise.all(stores.map((store) => store.close()));
  });

  const context: ConformanceContext = {
    get storeName() {
      return probe?.name ?? 'store';
    },
    get capabilities() {
      return probe?.capabilities ?? { persistent: false };
    },
    async open(logOptions = {}) {
      current = await options.makeStore();
      probe ??= current;
      const log = await createAuditLog({ ...logOptions, store: current });
      opened.push(log);
      return log;
    },
    async openWrapped(wrap, logOptions = {}) {
      current = await options.makeStore();
      probe ??= current;
      const log = await createAuditLog({ ...logOptions, store: wrap(current) });
      opened.push(log);
      return log;
    },
    lastStore() {
      if (!current) throw new Error('open() a store first');
      return current;
    },
    async sameDatabaseStore() {
      if (!current) throw new Error('open() a store first');
      if (!options.reopenStore) return current;
      const store = await options.reopenStore();
      await store.open();
      extraStores.push(store);
      return store;
    },
    async reopen(logOptions = {}) {
      if (!options.reopenStore) throw new Error('this store has no reopenStore()');
      const log = await createAuditLog({ ...logOptions, store: await options.reopenStore() });
      opened.push(log);
      return log;
    },
  };

  describe('store conformance', () => {
    eventCases(context);
    dateCases(context);
    schemaCases(context);
    patternCases(context);
    idempotencyCases(context);
    groupCommitCases(context);
    keyNamespaceCases(context);
    insertFactCases(context);
    readCases(context);
    exportCases(context);
    exportCellsCases(context);
    exportSafetyCases(context);
    const storages: ExportStorageCase[] = [
      {
        name: 'filesystem',
        make: () =>
          filesystemExportStorage({ directory: mkdtempSync(join(tmpdir(), 'auditkit-export-test-')) }),
      },
      ...Object.entries(options.exportStorages ?? {}).map(([name, make]) => ({ name, make })),
    ];
    for (const storage of storages) exportFileCases(context, storage, options.reopenStore !== undefined);
    exportRecordCases(context);
    retentionCases(context);
    leaseCases(context);
    logStreamCases(context);
    hostileCases(context);
    isolationCases(context);
    malformedRequestCases(context);
    closingCases(context);
    if (options.reopenStore) persistenceCases(context);
    transactionCases(context, options.beginTransaction);
    if (options.sequenceMissing) {
      it.skip(`commit-ordered sequence: ${options.sequenceMissing}`, () => {});
      it.skip(`integrity (checkpoints, verify, tamper cases): ${options.sequenceMissing}`, () => {});
    } else {
      sequenceCases(context, options.beginTransaction, {
        writersWaitWithoutBlocking: options.writersWaitWithoutBlocking ?? false,
      });
      integrityCases(context, options.rawTamper?.bind(options));
    }
  });
}
export {
  type ExportTakeoverOptions,
  runExportTakeoverProcesses,
  runExportTakeoverWorker,
  type TakeoverStorage,
} from './export-takeover.js';
export { type LogStreamCommitOrderOptions, runLogStreamCommitOrderCases } from './log-stream-commit-order.js';
export {
  type LogStreamProcessOptions,
  runLogStreamProcessCases,
  runLogStreamWorker,
  STREAM_ORGANIZATIONS,
  WORKER_STREAM_SETTINGS,
} from './log-stream-processes.js';
export {
  type ProcessConformanceOptions,
  runProcessConformance,
  sequenceProcessCase,
} from './process-cases.js';
export { runConformanceWorker, type WorkerTransactionHooks } from './process-worker.js';
export { type ProcessResult, runTypeScriptProcess, startTypeScriptProcess } from './processes.js';
