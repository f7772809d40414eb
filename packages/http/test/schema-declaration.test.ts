import { createAuditLog, memoryStore } from '@auditkit/core';
import { createAuditLogHandler, type SchemaDeclarationPolicy } from '@auditkit/http';
import { expect, it } from 'vitest';
import { ACME_KEY, ADMIN_KEY, ORG_ACME } from './helpers.js';

const EVIL_SCHEMA = {
  targets: [{ type: 'team' }],
  metadata: { type: 'object', properties: { code: { type: 'string', pattern: '^(a+)+$' } } },
};

async function apiWith(schemaDeclaration?: SchemaDeclarationPolicy) {
  const auditLog = await createAuditLog({ store: memoryStore() });
  const handler = createAuditLogHandler({
    auditLog,
    apiKeys: [ADMIN_KEY, { key: ACME_KEY, organizations: [ORG_ACME], name: 'acme' }],
    ...(schemaDeclaration === undefined ? {} : { schemaDeclaration }),
  });
  const call = (key: string, method: 'GET' | 'POST', body?: unknown) =>
    handler(
      new Request('http://localhost/audit_logs/actions/code.checked/schemas', {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    );
  return { auditLog, call };
}

it("lets only unscoped keys declare schemas with schemaDeclaration: 'unscoped-keys'", async () => {
  const { auditLog, call } = await apiWith('unscoped-keys');
  const refused = await call(ACME_KEY, 'POST', EVIL_SCHEMA);
  expect(refused.status).toBe(403);
  expect(await refused.json()).toMatchObject({ code: 'forbidden' });
  expect((await auditLog.listSchemas({ action: 'code.checked' })).data).toEqual([]);

  expect((await call(ADMIN_KEY, 'POST', { targets: [{ type: 'team' }] })).status).toBe(201);
  // Reading stays open to every key: events need their action's schema.
  const read = await call(ACME_KEY, 'GET');
  expect(read.status).toBe(200);
  expect(((await read.json()) as { data: unknown[] }).data).toHaveLength(1);
  await auditLog.close();
});

it('lets every key declare schemas by default', async () => {
  const { auditLog, call } = await apiWith();
  expect((await call(ACME_KEY, 'POST', { targets: [{ type: 'team' }] })).status).toBe(201);
  expect((await auditLog.listSchemas({ action: 'code.checked' })).data).toHaveLength(1);
  await auditLog.close();
});

it('rejects an unknown schemaDeclaration policy when the handler is created', async () => {
  const auditLog = await createAuditLog({ store: memoryStore() });
  expect(() =>
    createAuditLogHandler({ auditLog, apiKeys: [ADMIN_KEY], schemaDeclaration: 'scoped' as never }),
  ).toThrow(/`schemaDeclaration` must be "any-key" or "unscoped-keys"/);
  await auditLog.close();
});
