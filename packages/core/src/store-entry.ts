/**
 * `@auditkit/core/store`: what only authors of stores (adapters) need — the storage contract's
 * types, core's idempotency decision and hash chain that `insertEvents` hands to a store, the guard that turns
 * store failures into `storage_error`, the event order every store must follow, and the
 * call-time options check every factory uses (`checkOptions`, the `invalid_request` naming the
 * option, with "did you mean" from `closestName`). The
 * conformance suite that proves a store is on `@auditkit/core/testing`. Applications import
 * `@auditkit/core`.
 *
 * @example
 * ```ts
 * import type { AuditStore, EventRow, IdempotencyDecision, SequenceChain } from '@auditkit/core/store';
 *
 * class MyStore implements AuditStore {
 *   async insertEvents(rows: readonly EventRow[], decide: IdempotencyDecision, chain: SequenceChain) { … }
 *   // …
 * }
 * ```
 * @packageDocumentation
 */
export { closestName } from './did-you-mean.js';
export { compareEventPositions, matchesFilter } from './event-order.js';
export { csvRowsFromCells, EXPORT_CELLS } from './export-format.js';
export { guardStore } from './guarded-store.js';
export { decideIdempotentOutcome } from './idempotent-outcome.js';
export {
  CHAIN_FORMAT,
  type ChainHashInput,
  chainHash,
  chainHashText,
  GENESIS_HASH,
} from './integrity/chain-hash.js';
export type { Checkpoint, CheckpointReason } from './integrity/checkpoint.js';
export { chainEvents } from './integrity/sequence-chain.js';
export {
  checkOptions,
  hasMethods,
  isNonEmptyString,
  isNonNegativeInteger,
  isObject,
  isPositiveInteger,
  type OptionRule,
  type OptionsSpec,
} from './options-check.js';
export type * from './store.js';
export { transactionQueue } from './transaction-queue.js';
