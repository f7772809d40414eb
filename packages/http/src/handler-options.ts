import { AuditKitError, type AuditKitErrorDetailCode } from '@auditkit/core';
import {
  checkOptions,
  hasMethods,
  isNonEmptyString,
  isObject,
  isPositiveInteger,
  type OptionsSpec,
} from '@auditkit/core/store';

const isPositiveNumber = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value > 0;

/** Every option of `createAuditLogHandler`, checked when it is called (deeper rules follow). */
const HANDLER_OPTIONS: OptionsSpec = {
  options: {
    auditLog: {
      expected: 'an AuditLog from createAuditLog()',
      accepts: hasMethods('createEvent', 'getExport', 'listSchemas', 'getRetention'),
    },
    apiKeys: { expected: 'a non-empty array of API keys', accepts: (v) => Array.isArray(v) && v.length > 0 },
    basePath: {
      expected: 'a path starting with "/" (e.g. "/api/audit")',
      accepts: (v) => typeof v === 'string' && (v === '' || v.startsWith('/')),
    },
    publicUrl: { expected: 'an absolute http(s) URL string', accepts: isHttpUrl },
    maxBodyBytes: { expected: 'a positive whole number of bytes', accepts: isPositiveInteger },
    rateLimit: {
      expected: 'an object { requestsPerSecond, burst? }',
      accepts: isObject,
      fields: {
        options: {
          requestsPerSecond: { expected: 'a positive number', accepts: isPositiveNumber },
          burst: {
            expected: 'a number of at least 1',
            accepts: (v) => isPositiveNumber(v) && (v as number) >= 1,
          },
        },
        required: ['requestsPerSecond'],
      },
    },
    downloads: {
      expected: 'an object { secret?, ttlSeconds? }',
      accepts: isObject,
      fields: {
        options: {
          secret: {
            expected: 'a string or Uint8Array of at least 32 bytes',
            accepts: (v) =>
              (typeof v === 'string' || v instanceof Uint8Array) && Buffer.from(v).byteLength >= 32,
          },
          ttlSeconds: { expected: 'a positive whole number of seconds', accepts: isPositiveInteger },
        },
      },
    },
    onError: { expected: 'a function (error, context) => void', accepts: (v) => typeof v === 'function' },
    schemaDeclaration: {
      expected: '"any-key" or "unscoped-keys"',
      accepts: (v) => v === 'any-key' || v === 'unscoped-keys',
    },
  },
  required: ['auditLog', 'apiKeys'],
};

function isHttpUrl(value: unknown): boolean {
  if (!isNonEmptyString(value)) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Checks the options of `createAuditLogHandler`; throws `invalid_request` naming each wrong one. */
export function checkHandlerOptions(options: unknown): void {
  checkOptions('createAuditLogHandler', options, HANDLER_OPTIONS);
}

/**
 * A wrong option found by a deeper rule (a key of `apiKeys`): `invalid_request` naming the
 * option by its path, like {@link checkHandlerOptions}.
 */
export function invalidOption(path: string, code: AuditKitErrorDetailCode, message: string): AuditKitError {
  return new AuditKitError(
    'invalid_request',
    `Invalid createAuditLogHandler options: \`${path}\` ${message}`,
    {
      errors: [{ path, code, message }],
    },
  );
}
