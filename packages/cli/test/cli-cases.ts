// What every store must show through the built binary: one suite, run against SQLite, Postgres
// and MongoDB (FerretDB) by the three *.test.ts files beside it.
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AuditLog, type AuditStore, createAuditLog } from '@auditkit/core';
import { countEvents, declareSchemas, manyEvents } from '@auditkit/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { isOneLineError, runCli, startCli } from './run-cli.js';

/** A fresh, empty database for one test: its URL for the CLI and a store on it for the library. */
export interface TestDatabase {
  url: string;
  openStore(): AuditStore;
}

const ORG = 'org_cli_01';
const OTHER_ORG = 'org_cli_02';
const DAY = 86_400_000;

/** How a store's run of the cases differs. */
export interface CliCaseOptions {
  /**
   * Time for each case (default: vitest's). On MongoDB the seeding audit log's sealer writes each
   * event's position in a write of its own while the CLI runs: on FerretDB 1.24, one SQLite
   * transaction per event (the export case writes 1,241 events).
   */
  timeoutMs?: number;
}

export function cliCases(
  storeName: string,
  newDatabase: () => Promise<TestDatabase>,
  options: CliCaseOptions = {},
): void {
  describe(`auditkit on ${storeName}`, { timeout: options.timeoutMs }, () => {
    const opened: AuditLog[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((log) => log.close()));
    });

    /** A migrated database with events of two organizations, and the library's view of it. */
    async function seeded(count: number): Promise<{ url: string; auditLog: AuditLog }> {
      const database = await newDatabase();
      const migrate = await runCli(['migrate', '--url', database.url]);
      expect(migrate.stderr).toBe('');
      expect(migrate.code).toBe(0);
      const auditLog = await createAuditLog({ store: database.openStore() });
      opened.push(auditLog);
      await declareSchemas(auditLog);
      if (count > 0) {
        const events = manyEvents(count);
        for (let start = 0; start < count; start += 500)
          await auditLog.createEvents(ORG, events.slice(start, start + 500));
        await auditLog.createEvents(OTHER_ORG, manyEvents(7));
      }
      return { url: database.url, auditLog };
    }

    async function libraryExport(auditLog: AuditLog, ...args: Parameters<AuditLog['exportEvents']>) {
      let text = '';
      for await (const chunk of auditLog.exportEvents(...args)) text += chunk;
      return Buffer.from(text, 'utf8');
    }

    it('exports to stdout exactly the bytes exportEvents streams (CSV, NDJSON, filtered, to a file)', async () => {
      const { url, auditLog } = await seeded(1234);
      const everything = {
        organizationId: ORG,
        rangeStart: '0000-01-01T00:00:00.000Z',
        rangeEnd: '9999-12-31T23:59:59.999Z',
      };

      const csv = await runCli(['export', '--url', url, '-o', ORG, '--quiet']);
      expect(csv.stderr).toBe('');
      expect(csv.code).toBe(0);
      const expectedCsv = await libraryExport(auditLog, everything);
      expect(csv.stdout.equals(expectedCsv)).toBe(true);
      expect(expectedCsv.toString('utf8').trimEnd().split('\n')).toHaveLength(1235);

      const filters = {
        organizationId: ORG,
        rangeStart: new Date('2024-01-01T02:00:00.000Z'),
        rangeEnd: new Date('2024-01-01T09:00:00.000Z'),
        actions: ['user.signed_in', 'document.shared'],
        targets: ['team', 'document'],
      };
      const ndjson = await runCli([
        'export',
        '--url',
        url,
        '--organization',
        ORG,
        '--from',
        '2024-01-01T02:00:00Z',
        '--to',
        '2024-01-01T09:00:00Z',
        '--action',
        'user.signed_in',
        '--action',
        'document.shared',
        '--target',
        'team',
        '--target',
        'document',
        '--format',
        'ndjson',
      ]);
      expect(ndjson.code).toBe(0);
      const expectedNdjson = await libraryExport(auditLog, filters, { format: 'ndjson' });
      expect(ndjson.stdout.equals(expectedNdjson)).toBe(true);
      const lines = expectedNdjson.toString('utf8').trimEnd().split('\n');
      expect(lines.length).toBeGreaterThan(100);
      expect(lines.length).toBeLessThan(420);
      // Without --quiet the closing summary goes to stderr, never into the data.
      expect(ndjson.stderr).toMatch(new RegExp(`^exported ${lines.length} events in \\d+\\.\\d s\\n$`));

      const directory = await mkdtemp(join(tmpdir(), 'auditkit-cli-'));
      const file = join(directory, 'export.csv');
      const toFile = await runCli(['export', '--url', url, '-o', ORG, '--output', file, '--json']);
      expect(toFile.code).toBe(0);
      expect(JSON.parse(toFile.stdout.toString('utf8'))).toEqual({ rows: 1234, format: 'csv', output: file });
      expect((await readFile(file)).equals(expectedCsv)).toBe(true);
    });

    it('purge --dry-run deletes nothing and reports the count that purge then deletes', async () => {
      const { url, auditLog } = await seeded(0);
      const now = Date.parse('2024-06-01T00:00:00.000Z');
      const aged = manyEvents(60).map((event, i) => ({
        ...event,
        occurredAt: new Date(now - i * DAY - DAY / 2),
      }));
      await auditLog.createEvents(ORG, aged); // ages 0.5 .. 59.5 days
      await auditLog.createEvents(OTHER_ORG, aged);
      await auditLog.setRetention(ORG, { retentionPeriodInDays: 45 });

      const dryRun = await runCli([
        'purge',
        '--dry-run',
        '--url',
        url,
        '--now',
        '2024-06-01T00:00:00Z',
        '--json',
      ]);
      expect(dryRun.code).toBe(0);
      const counted = JSON.parse(dryRun.stdout.toString('utf8'));
      expect(counted).toEqual({
        dryRun: true,
        deleted: 15,
        organizations: [{ organizationId: ORG, deleted: 15, cutoff: new Date(now - 45 * DAY).toISOString() }],
      });
      expect(await countEvents(auditLog, ORG)).toBe(60);

      const human = await runCli(['purge', '--dry-run', '--url', url, '--now', '2024-06-01T00:00:00Z']);
      expect(human.stdout.toString('utf8')).toContain(
        'dry run: would delete 15 events in all (nothing was deleted)',
      );
      expect(await countEvents(auditLog, ORG)).toBe(60);

      const purge = await runCli([
        'purge',
        '--url',
        url,
        '--now',
        '2024-06-01T00:00:00Z',
        '--batch-size',
        '4',
        '--json',
      ]);
      expect(purge.code).toBe(0);
      expect(JSON.parse(purge.stdout.toString('utf8'))).toMatchObject({
        dryRun: false,
        deleted: counted.deleted,
      });
      expect(await countEvents(auditLog, ORG)).toBe(60 - counted.deleted);
      expect(await countEvents(auditLog, OTHER_ORG)).toBe(60);
    });

    it('schemas apply twice creates one version, and lists it', async () => {
      const { url, auditLog } = await seeded(0);
      const directory = await mkdtemp(join(tmpdir(), 'auditkit-cli-'));
      const file = join(directory, 'schemas.yaml');
      await writeFile(
        file,
        [
          'schemas:',
          '  - action: invoice.paid',
          '    targets: [{ type: invoice }]',
          '    metadata: { amount: number }',
          '  - action: user.signed_in',
          '    targets: [{ type: team }, { type: user }]',
        ].join('\n'),
      );
      const first = await runCli(['schemas', 'apply', file, '--url', url, '--json']);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(JSON.parse(first.stdout.toString('utf8'))).toEqual([
        { action: 'invoice.paid', version: 1, created: true },
        // declareSchemas made version 1 with the same targets: unchanged.
        { action: 'user.signed_in', version: 1, created: false },
      ]);
      const second = await runCli(['schemas', 'apply', file, '--url', url]);
      expect(second.code).toBe(0);
      expect(second.stdout.toString('utf8')).toBe(
        'invoice.paid: version 1 unchanged\nuser.signed_in: version 1 unchanged\n',
      );
      const versions = await auditLog.listSchemas({ action: 'invoice.paid' });
      expect(versions.data.map((schema) => schema.version)).toEqual([1]);

      const list = await runCli(['schemas', 'list', '--url', url, '--json']);
      expect(list.code).toBe(0);
      const actions = JSON.parse(list.stdout.toString('utf8')) as { action: string; version: number }[];
      expect(actions.map(({ action, version }) => [action, version])).toEqual([
        ['document.shared', 1],
        ['invoice.paid', 1],
        ['user.signed_in', 1],
        ['user.signed_out', 1],
      ]);
    });

    it('stats counts events per organization and action, as summarizeEvents does', async () => {
      const { url, auditLog } = await seeded(30);
      const stats = await runCli(['stats', '--url', url, '--json']);
      expect(stats.code).toBe(0);
      const expected = (await auditLog.summarizeEvents()).map((group) => ({
        ...group,
        oldest: group.oldest.toISOString(),
        newest: group.newest.toISOString(),
      }));
      expect(JSON.parse(stats.stdout.toString('utf8'))).toEqual(expected);
      expect(expected.map(({ organizationId, action, count }) => [organizationId, action, count])).toEqual([
        [ORG, 'document.shared', 10],
        [ORG, 'user.signed_in', 10],
        [ORG, 'user.signed_out', 10],
        [OTHER_ORG, 'document.shared', 2],
        [OTHER_ORG, 'user.signed_in', 3],
        [OTHER_ORG, 'user.signed_out', 2],
      ]);
      const table = await runCli(['stats', '--url', url, '-o', OTHER_ORG]);
      expect(table.stdout.toString('utf8').split('\n').at(-2)).toBe('7 events, 1 organization, 3 actions');
    });

    it('reports an unknown organization and malformed schema files in one line with exit code 1', async () => {
      const { url } = await seeded(5);
      for (const command of [
        ['export', '--url', url, '-o', 'org_nobody'],
        ['stats', '--url', url, '-o', 'org_nobody'],
      ]) {
        const run = await runCli(command);
        expect(run.code).toBe(1);
        expect(run.stderr).toBe('auditkit: unknown organization "org_nobody": no events are stored for it\n');
        expect(run.stdout.length).toBe(0);
      }
      const directory = await mkdtemp(join(tmpdir(), 'auditkit-cli-'));
      const files: [string, string, RegExp][] = [
        ['broken.json', '[{"action": "a.b", ', /broken\.json is not valid JSON: /],
        ['broken.yaml', 'schemas:\n  - action: a.b\n   targets: [', /broken\.yaml is not valid YAML: /],
        ['shape.yaml', 'action: a.b\n', /shape\.yaml must hold a non-empty list of schemas/],
        [
          'rejected.json',
          '[{"action": "a.b", "targets": "team"}]',
          /rejected\.json: schema 1 \(a\.b\) was rejected: /,
        ],
        ['missing.yaml', '', /cannot read the schema file .*missing\.yaml: no such file/],
      ];
      for (const [name, content, message] of files) {
        const path = join(directory, name);
        if (name !== 'missing.yaml') await writeFile(path, content);
        const run = await runCli(['schemas', 'apply', path, '--url', url]);
        expect(run.code, name).toBe(1);
        expect(isOneLineError(run.stderr), run.stderr).toBe(true);
        expect(run.stderr).toMatch(message);
      }
      const debug = await runCli(['stats', '--url', url, '-o', 'org_nobody', '--debug']);
      expect(debug.code).toBe(1);
      expect(debug.stderr).toMatch(/^auditkit: unknown organization[^\n]*\nCliError: [^\n]*\n\s+at /);
    });

    it('tail prints the events written after it started, and only those', async () => {
      const { url, auditLog } = await seeded(12);
      const tail = startCli(['tail', '--url', url, '-o', ORG, '--lines', '0', '--interval', '100', '--json']);
      let stdout = '';
      let stderr = '';
      tail.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
      });
      const closed = once(tail, 'close');
      try {
        await new Promise<void>((resolve, reject) => {
          tail.stderr.on('data', (chunk: Buffer) => {
            stderr += chunk.toString('utf8');
            if (stderr.includes(`following ${ORG}`)) resolve();
          });
          tail.once('close', () => reject(new Error(`tail ended early: ${stderr}`)));
        });
        const late = manyEvents(5, Date.parse('2025-01-01T00:00:00.000Z'));
        const written = [];
        for (const event of late) written.push(await auditLog.createEvent(ORG, event));
        await auditLog.createEvent(OTHER_ORG, late[0] as (typeof late)[0]);
        const deadline = Date.now() + 20_000;
        while (stdout.trimEnd().split('\n').filter(Boolean).length < 5 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        tail.kill('SIGINT');
        const [code] = await closed;
        expect(code).toBe(0);
        const printed = stdout
          .trimEnd()
          .split('\n')
          .map((line) => JSON.parse(line) as { id: string });
        expect(printed.map((event) => event.id)).toEqual(written.map((event) => event.id));
      } finally {
        tail.kill('SIGKILL');
      }
    });

    it('verify checks the chain and checkpoints (exit 3 on a failure); verify-export checks a file offline', async () => {
      const database = await newDatabase();
      expect((await runCli(['migrate', '--url', database.url])).code).toBe(0);
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const published: unknown[] = [];
      const auditLog = await createAuditLog({
        store: database.openStore(),
        integrity: {
          signingKey: privateKey,
          keyId: 'k1',
          publish: (checkpoint) => void published.push(checkpoint),
        },
      });
      opened.push(auditLog);
      await declareSchemas(auditLog);
      await auditLog.createEvents(ORG, manyEvents(30));
      await auditLog.sealPendingEvents();
      await auditLog.createCheckpoint({ organizationId: ORG });
      const directory = await mkdtemp(join(tmpdir(), 'auditkit-cli-verify-'));
      const keyFile = join(directory, 'k1.pub.pem');
      await writeFile(keyFile, publicKey.export({ type: 'spki', format: 'pem' }));
      const checkpointsFile = join(directory, 'checkpoints.ndjson');
      await writeFile(
        checkpointsFile,
        published.map((checkpoint) => `${JSON.stringify(checkpoint)}\n`).join(''),
      );

      const verifyArgs = ['verify', '--url', database.url, '-o', ORG, '--public-key', `k1=${keyFile}`];
      const ok = await runCli([...verifyArgs, '--checkpoints', checkpointsFile]);
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
      expect(ok.stdout.toString('utf8')).toBe('ok: 30 events checked (positions 1 to 30), 2 checkpoints\n');
      const json = await runCli([...verifyArgs, '--json']);
      expect(JSON.parse(json.stdout.toString('utf8'))).toMatchObject({
        ok: true,
        checked: 30,
        checkpoints: 1,
      });
      // Without the public key the stored checkpoint cannot be trusted: exit code 3.
      const unknownKey = await runCli(['verify', '--url', database.url, '-o', ORG]);
      expect(unknownKey.code).toBe(3);
      expect(unknownKey.stderr).toMatch(/^auditkit: verification failed: unknown_key at position 30: /);
      expect(isOneLineError(unknownKey.stderr)).toBe(true);

      // The CLI signs the manifest with the same key, read from a PEM file.
      const signingKeyFile = join(directory, 'k1.pem');
      await writeFile(signingKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
      const file = join(directory, 'events.ndjson');
      const manifestFile = join(directory, 'events.manifest.json');
      const exported = await runCli([
        'export',
        '--url',
        database.url,
        '-o',
        ORG,
        '--from',
        '2024-01-01T00:05:00Z',
        '--to',
        '2024-01-01T00:20:00Z',
        '--output',
        file,
        '--manifest',
        manifestFile,
        '--signing-key',
        signingKeyFile,
        '--key-id',
        'k1',
      ]);
      expect(exported.stderr).toBe(`exported 15 events (positions 6 to 20); manifest ${manifestFile}\n`);
      expect(exported.code).toBe(0);
      const text = await readFile(file, 'utf8');
      const offline = await runCli([
        'verify-export',
        file,
        '--manifest',
        manifestFile,
        '--public-key',
        keyFile,
      ]);
      expect(offline.stderr).toBe('');
      expect(offline.stdout.toString('utf8')).toBe('ok: 15 events verified\n');
      expect(offline.code).toBe(0);
      const bytes = Buffer.from(text);
      const at = bytes.indexOf('"location":"10.0.') + 17;
      bytes[at] = bytes[at] === 0x39 ? 0x38 : 0x39;
      await writeFile(file, bytes);
      const changed = await runCli([
        'verify-export',
        file,
        '--manifest',
        manifestFile,
        '--public-key',
        `k1=${keyFile}`,
      ]);
      expect(changed.code).toBe(3);
      expect(changed.stderr).toMatch(/^auditkit: verification failed: altered at position 6 \(line 1\)/);
    });
  });
}
