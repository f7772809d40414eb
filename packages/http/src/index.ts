export { type ApiKeyConfig, hashApiKey } from './auth.js';
export type { DownloadLinkOptions } from './download-links.js';
export {
  type AuditLogHandler,
  type AuditLogHandlerOptions,
  createAuditLogHandler,
  type SchemaDeclarationPolicy,
} from './handler.js';
export type { ErrorBody, FailureContext, WireErrorDetail } from './http-errors.js';
export { type NodeRequestListener, toNodeListener } from './node-bridge.js';
export type { RateLimitOptions } from './rate-limit.js';
export { type RunningServer, type ServeOptions, serve } from './serve.js';
export {
  type AuditLogViewer,
  type AuditLogViewerOptions,
  createAuditLogViewer,
  type ViewerLink,
  type ViewerLinkRequest,
} from './viewer/viewer-handler.js';
