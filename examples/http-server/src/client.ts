// Drives the example server with the official WorkOS Node SDK, pointed at AuditKit instead of
// api.workos.com. Start the server first, then `pnpm --filter @auditkit/example-http-server client`.
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkOS } from '@workos-inc/node';

const apiKey = process.env.AUDITKIT_API_KEY ?? 'sk_example_http_server';
const port = Number(process.env.PORT ?? 8787);
const organizationId = 'org_01EHWNCE74X7JSDV0X3SZ3KJNY';

const workos = new WorkOS(apiKey, { apiHostname: '127.0.0.1', port, https: false });

const schema = await workos.auditLogs.createSchema({
  action: 'user.signed_in',
  actor: { metadata: { role: 'string' } },
  targets: [{ type: 'team', metadata: { planTier: 'string' } }],
});
console.log(`schema user.signed_in is at version ${schema.version}`);

// One key per run: replaying it with the same event stores nothing the second time.
const idempotencyKey = `signin-${Date.now()}`;
const event = {
  action: 'user.signed_in',
  occurredAt: new Date(),
  actor: {
    type: 'user',
    id: 'user_01GBNJC3MX9ZZJW1FSTF4C5938',
    name: 'Jon Smith',
    metadata: { role: 'admin' },
  },
  targets: [{ type: 'team', id: 'team_01GBNJD4MKHVKJGEWK42JNMBGS', metadata: { planTier: 'enterprise' } }],
  context: { location: '123.123.123.123', userAgent: 'Chrome/104.0.0.0' },
};
await workos.auditLogs.createEvent(organizationId, event, { idempotencyKey });
await workos.auditLogs.createEvent(organizationId, event, { idempotencyKey });
console.log(`sent the event twice with idempotency key ${idempotencyKey}`);

// Not in the WorkOS API: AuditKit's listEvents, read with a plain request.
const listed = await fetch(
  `http://127.0.0.1:${port}/audit_logs/events?organization_id=${organizationId}&limit=100&range_start=${event.occurredAt.toISOString()}`,
  { headers: { authorization: `Bearer ${apiKey}` } },
);
const page = (await listed.json()) as { data: { id: string }[] };
console.log(`events stored at that instant: ${page.data.length}`);

let exp = await workos.auditLogs.createExport({
  organizationId,
  rangeStart: new Date(Date.now() - 24 * 60 * 60 * 1000),
  rangeEnd: new Date(Date.now() + 1000),
  actions: ['user.signed_in'],
});
console.log(`export ${exp.id} is ${exp.state}`);
while (exp.state === 'pending') {
  await sleep(100);
  exp = await workos.auditLogs.getExport(exp.id);
}
if (exp.state !== 'ready' || exp.url === undefined) throw new Error(`export ended as ${exp.state}`);
console.log(`export is ready: ${exp.url.replace(/signature=[^&]+/, 'signature=…')}`);

// Like a WorkOS export URL, the link needs no API key.
const csv = await (await fetch(exp.url)).text();
console.log(`downloaded ${csv.length} bytes: ${countCsvRecords(csv) - 1} event rows plus the header`);

/** Counts RFC 4180 records: line breaks inside quoted cells (JSON metadata) do not end a record. */
function countCsvRecords(text: string): number {
  let records = 0;
  let quoted = false;
  let atRecordStart = true;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (atRecordStart) {
      records += 1;
      atRecordStart = false;
    }
    if (char === '"') quoted = !quoted;
    else if (char === '\n' && !quoted) atRecordStart = true;
  }
  return records;
}
