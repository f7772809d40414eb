export {
  type AuditLog,
  type CreateAuditLogOptions,
  createAuditLog,
  type TransactionalAuditLog,
} from './audit-log.js';
export {
  AuditKitError,
  type AuditKitErrorCode,
  type AuditKitErrorDetail,
  type AuditKitErrorDetailCode,
  type AuditKitErrorOptions,
  isAuditKitError,
} from './errors.js';
export type { AuditLogExportFilters, ListEventsOptions } from './event-filter.js';
export type { BatchEventInput } from './event-intake.js';
export type {
  AuditLogActor,
  AuditLogContext,
  AuditLogEvent,
  AuditLogTarget,
  CreateAuditLogEventInput,
  CreateAuditLogEventRequestOptions,
  CreatedAuditLogEvent,
} from './event-model.js';
export type { ExportEventsOptions } from './event-reads.js';
export { CSV_COLUMNS, type ExportFormat, neutralizeFormula } from './export-format.js';
export type {
  AuditLogExport,
  CreateExportOptions,
  ExportFile,
  ExportSettings,
  FinishedAuditLogExport,
  OpenExportOptions,
  WaitForExportOptions,
} from './export-jobs.js';
export {
  assertExportObjectKey,
  type ExportObject,
  type ExportObjectStream,
  type ExportStorage,
  type ExportWriteOptions,
  exportContentType,
  exportObjectKey,
  type FilesystemExportStorageOptions,
  filesystemExportStorage,
  guardExportStorage,
  type ListUnfinishedOptions,
  type SignedUrlOptions,
  type UnfinishedWrite,
  type UnfinishedWritePage,
} from './export-storage.js';
export type { GroupCommitOptions } from './group-commit.js';
export { type ChainHashInput, chainHash, GENESIS_HASH } from './integrity/chain-hash.js';
export {
  type Checkpoint,
  type CheckpointJson,
  type CheckpointReason,
  checkCheckpointSignature,
  checkpointText,
  checkpointToJson,
  type KeyInput,
  parseCheckpoint,
} from './integrity/checkpoint.js';
export {
  type ExportManifest,
  type ExportProblem,
  type ExportVerifyResult,
  type ManifestEntry,
  manifestText,
  verifyExport,
} from './integrity/export-manifest.js';
export type { IntegrityOptions, VerifyOptions } from './integrity/integrity.js';
export type { ReadSequencedEventsOptions } from './integrity/sequence-reads.js';
export type { VerifyProblem, VerifyProblemKind, VerifyResult } from './integrity/verify-chain.js';
export { DEFAULT_EVENT_LIMITS, type EventLimits, METADATA_LIMITS } from './limits.js';
export {
  backoffDelay,
  DEFAULT_LOG_STREAM_SETTINGS,
  type LogStreamSettings,
} from './log-streams/delivery.js';
export {
  type DatadogDestination,
  type FunctionDestination,
  type LogStreamBatch,
  type LogStreamDestination,
  type LogStreamDestinationType,
  type LogStreamEvent,
  redactDestination,
  type SplunkDestination,
  type StorageDestination,
  type WebhookDestination,
} from './log-streams/destinations.js';
export {
  LogStreamDeliveryError,
  type LogStreamFunction,
  type LogStreamStorage,
  parseRetryAfter,
} from './log-streams/sinks.js';
export type {
  CreatedLogStream,
  CreateLogStreamInput,
  ListLogStreamsOptions,
  LogStream,
  ReplayLogStreamOptions,
} from './log-streams/streams.js';
export {
  DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
  signWebhookPayload,
  type VerifyWebhookSignatureOptions,
  verifyWebhookSignature,
  WEBHOOK_SIGNATURE_HEADER,
} from './log-streams/webhook-signature.js';
export { memoryStore } from './memory-store.js';
export type { Metadata, MetadataValue } from './metadata.js';
export type { List, PaginationOptions } from './pagination.js';
export type { AuditLogRetention, PurgeOptions, PurgeResult, SummarizeEventsOptions } from './retention.js';
export type {
  AuditLogSchema,
  CreateAuditLogSchemaInput,
  MetadataJsonSchema,
  MetadataPropertySchema,
  MetadataSchemaInput,
  MetadataShorthand,
  SchemaDefinition,
} from './schema-definition.js';
export type { AuditLogAction, ListSchemasOptions } from './schema-registry.js';
export type { AuditStore, LogStreamState, SequencedEvent, SequenceHead, SequenceQuery } from './store.js';
