import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTypeScriptProcess } from '@auditkit/core/testing';
import { WorkOS } from '@workos-inc/node';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { s3TestOptions } from '../../s3-storage/test/test-storage.js';
import { ADMIN_KEY, declareSignInSchema, ORG_ACME, signInEvent } from './helpers.js';

const INSTANCE = join(import.meta.dirname, 'fixtures', 'api-instance.ts');

interface Instance {
  url: string;
  workos: WorkOS;
  stop(): Promise<void>;
}

const running: Instance[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((instance) => instance.stop()));
});

/** Starts one API process on the shared database and storage; resolves once it listens. */
function startInstance(filename: string, storage: string, env: NodeJS.ProcessEnv): Promise<Instance> {
  const child = startTypeScriptProcess(INSTANCE, [filename, storage], env);
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stderr.on('data', (data: Buffer) => {
    output += data.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code, signal) =>
      reject(new Error(`the API process exited (${code ?? signal}) before listening:\n${output}`)),
    );
    child.stdout.on('data', (data: Buffer) => {
      output += data.toString();
      const match = /listening (\S+)/.exec(output);
      if (!match?.[1]) return;
      const port = Number(new URL(match[1]).port);
      const instance: Instance = {
        url: match[1],
        workos: new WorkOS(ADMIN_KEY, { apiHostname: '127.0.0.1', port, https: false }),
        async stop() {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(timer);
        },
      };
      running.push(instance);
      resolve(instance);
    });
  });
}

const STORAGES = [
  { name: 'S3', arg: () => 's3', redirects: true },
  // A directory both processes reach, as an NFS mount would be for several machines.
  {
    name: 'a shared directory',
    arg: () => `filesystem:${mkdtempSync(join(tmpdir(), 'auditkit-shared-'))}`,
    redirects: false,
  },
];

describe('exports across @auditkit/http instances (separate OS processes, one database and storage)', () => {
  for (const storage of STORAGES) {
    it(`creates an export through one process and downloads it through another, on ${storage.name}`, async () => {
      const filename = join(mkdtempSync(join(tmpdir(), 'auditkit-instances-')), 'audit.db');
      const env = {
        AUDITKIT_TEST_S3: JSON.stringify(s3TestOptions()),
        AUDITKIT_TEST_API_KEY: ADMIN_KEY,
        AUDITKIT_TEST_DOWNLOAD_SECRET: randomBytes(32).toString('base64url'),
      };
      const arg = storage.arg();
      // A first, alone: it creates the database, so the two never race to migrate it.
      const a = await startInstance(filename, arg, env);
      const b = await startInstance(filename, arg, env);

      await declareSignInSchema(a.workos);
      for (let i = 0; i < 25; i++) {
        await a.workos.auditLogs.createEvent(
          ORG_ACME,
          signInEvent({ occurredAt: new Date(Date.UTC(2024, 4, 1, 12, i)), location: `10.0.0.${i}` }),
        );
      }
      const range = { rangeStart: new Date('2024-01-01'), rangeEnd: new Date('2025-01-01') };
      const created = await a.workos.auditLogs.createExport({ organizationId: ORG_ACME, ...range });

      // B polls until A's process has finished the file.
      let polled = await b.workos.auditLogs.getExport(created.id);
      for (const deadline = Date.now() + 30_000; polled.state === 'pending' && Date.now() < deadline; ) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        polled = await b.workos.auditLogs.getExport(created.id);
      }
      expect(polled.state).toBe('ready');

      // A's signed link, sent to B (as a load balancer would): B verifies and serves it.
      const fromA = await a.workos.auditLogs.getExport(created.id);
      const link = new URL(fromA.url ?? '');
      expect(link.origin).toBe(new URL(a.url).origin);
      const atB = new URL(`${link.pathname}${link.search}`, b.url);
      const response = await fetch(atB, { redirect: 'manual' });
      let csv: string;
      if (storage.redirects) {
        expect(response.status).toBe(302);
        const location = response.headers.get('location') ?? '';
        expect(location).toMatch(/X-Amz-Signature=/);
        const object = await fetch(location);
        expect(object.status).toBe(200);
        csv = await object.text();
      } else {
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
        csv = await response.text();
      }
      const rows = parse(csv, { columns: true }) as Record<string, string>[];
      expect(rows).toHaveLength(25);
      expect(new Set(rows.map((row) => row.id)).size).toBe(25);
      expect(rows.map((row) => row.context_location).sort()).toEqual(
        Array.from({ length: 25 }, (_, i) => `10.0.0.${i}`).sort(),
      );
    });
  }
});
