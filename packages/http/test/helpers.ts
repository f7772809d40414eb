import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteStore } from '@auditkit/adapter-sqlite';
import { type AuditLog, type AuditStore, type CreateAuditLogOptions, createAuditLog } from '@auditkit/core';
import {
  type AuditLogHandlerOptions,
  createAuditLogHandler,
  type RunningServer,
  serve,
} from '@auditkit/http';
import { WorkOS } from '@workos-inc/node';

export const ADMIN_KEY = 'sk_test_admin_0123456789abcdef';
export const ACME_KEY = 'sk_test_acme_0123456789abcdef';
export const ORG_ACME = 'org_01ACME0000000000000000000';
export const ORG_GLOBEX = 'org_01GLOBEX000000000000000000';

export interface TestApi {
  auditLog: AuditLog;
  server: RunningServer;
  /** A WorkOS SDK client pointed at the test server. */
  workos(key?: string): WorkOS;
  /** A raw request to the test server, with the admin key unless `authorization` is given. */
  call(path: string, init?: RequestInit & { key?: string | null }): Promise<Response>;
  close(): Promise<void>;
}

/**
 * An AuditKit HTTP API on a fresh in-memory SQLite database, listening on a random port of
 * 127.0.0.1. Keys: `ADMIN_KEY` (every organization) and `ACME_KEY` (only `ORG_ACME`).
 */
export async function startApi(
  options: {
    store?: AuditStore;
    handler?: Partial<AuditLogHandlerOptions>;
    exports?: { expiresAfterMs?: number; expirySweepMs?: number };
    logStreams?: CreateAuditLogOptions['logStreams'];
  } = {},
): Promise<TestApi> {
  const directory = await mkdtemp(join(tmpdir(), 'auditkit-http-test-'));
  const auditLog = await createAuditLog({
    store: options.store ?? sqliteStore({ filename: ':memory:' }),
    exports: { directory, ...options.exports },
    ...(options.logStreams ? { logStreams: options.logStreams } : {}),
  });
  const handler = createAuditLogHandler({
    auditLog,
    apiKeys: [ADMIN_KEY, { key: ACME_KEY, organizations: [ORG_ACME], name: 'acme' }],
    ...options.handler,
  });
  const server = await serve(handler, { hostname: '127.0.0.1', port: 0 });
  return {
    auditLog,
    server,
    workos: (key = ADMIN_KEY) =>
      new WorkOS(key, { apiHostname: '127.0.0.1', port: server.port, https: false }),
    call(path, { key = ADMIN_KEY, headers, ...init } = {}) {
      const all = new Headers(headers);
      if (key !== null && !all.has('authorization')) all.set('authorization', `Bearer ${key}`);
      return fetch(`${server.url}${path}`, { ...init, headers: all });
    },
    async close() {
      await server.close();
      await auditLog.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** The WorkOS SDK's example event, for `ORG_ACME` unless told otherwise. */
export function signInEvent(overrides: { occurredAt?: Date; location?: string } = {}) {
  return {
    action: 'user.signed_in',
    occurredAt: overrides.occurredAt ?? new Date('2024-05-01T12:00:00.000Z'),
    actor: {
      type: 'user',
      id: 'user_01GBNJC3MX9ZZJW1FSTF4C5938',
      name: 'Jon Smith',
      metadata: { role: 'admin' },
    },
    targets: [
      {
        type: 'team',
        id: 'team_01GBNJD4MKHVKJGEWK42JNMBGS',
        metadata: { planTier: 'enterprise', seats: 12 },
      },
    ],
    context: { location: overrides.location ?? '123.123.123.123', userAgent: 'Chrome/104.0.0.0' },
    metadata: { extraInfo: 'camelCase keys stay as sent', isTrial: false },
  };
}

/** Declares the schema {@link signInEvent} follows, through the SDK. */
export async function declareSignInSchema(workos: WorkOS): Promise<void> {
  await workos.auditLogs.createSchema({
    action: 'user.signed_in',
    actor: { metadata: { role: 'string' } },
    targets: [{ type: 'team', metadata: { planTier: 'string', seats: 'number' } }],
    metadata: { extraInfo: 'string', isTrial: 'boolean' },
  });
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
