import type { AuditLog, CreateAuditLogOptions } from '../audit-log.js';
import type { AuditStore, AuditStoreCapabilities } from '../store.js';

/** What each group of conformance cases gets: a way to open a fresh audit log on the store under test. */
export interface ConformanceContext {
  storeName: string;
  capabilities: AuditStoreCapabilities;
  /** A fresh, empty store wrapped in an audit log; closed after the test. */
  open(options?: Omit<CreateAuditLogOptions, 'store'>): Promise<AuditLog>;
  /**
   * Like `open()`, on a fresh store wrapped by `wrap` (which sees every call the audit log makes
   * to the store): for cases that count or observe store calls.
   */
  openWrapped(
    wrap: (store: AuditStore) => AuditStore,
    options?: Omit<CreateAuditLogOptions, 'store'>,
  ): Promise<AuditLog>;
  /** The store behind the last `open()`, for cases that look below the public API. */
  lastStore(): AuditStore;
  /**
   * Another store, opened, on the same database as the last `open()`: as another process would
   * open it for persistent stores, the same store otherwise. Closed after the test.
   */
  sameDatabaseStore(): Promise<AuditStore>;
  /** Another audit log on the same database as the last `open()` (persistent stores only). */
  reopen?(options?: Omit<CreateAuditLogOptions, 'store'>): Promise<AuditLog>;
}
