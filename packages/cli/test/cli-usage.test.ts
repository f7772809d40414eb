// Usage errors and unreachable databases: one line on stderr and the documented exit codes.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../src/exit-codes.js';
import { isOneLineError, runCli } from './run-cli.js';

describe('auditkit usage', () => {
  it('documents the exit codes it uses', () => {
    expect(EXIT_CODES).toEqual({ ok: 0, failure: 1, usage: 2, verificationFailed: 3 });
  });

  it('rejects bad URLs, options and commands with one line and exit code 2', async () => {
    const cases: [string[], RegExp][] = [
      [['stats', '--url', 'mysql://db/audit'], /^auditkit: unsupported database URL scheme "mysql:"/],
      [
        ['stats', '--url', 'postgres://app:secret@[bad/audit'],
        /^auditkit: "postgres:\/\/app:\*\*\*@\[bad\/audit" is not a valid URL/,
      ],
      [['stats', '--url', 'sqlite:'], /^auditkit: "sqlite:" names no file/],
      [['stats'], /^auditkit: no database: pass --url or set AUDITKIT_DATABASE_URL$/],
      [
        ['export', '--url', 'sqlite:x.db'],
        /^auditkit: required option '-o, --organization <id>' not specified$/,
      ],
      [
        ['export', '--url', 'x.db', '-o', 'org_1', '--from', 'yesterday'],
        /^auditkit: --from "yesterday" is not a date/,
      ],
      [
        ['export', '--url', 'x.db', '-o', 'org_1', '--format', 'xml'],
        /^auditkit: option '-f, --format <format>' argument 'xml' is invalid/,
      ],
      [['exprot'], /^auditkit: unknown command 'exprot' \(Did you mean export\?\)$/],
      [['purge', '--batch-size', '0'], /^auditkit: --batch-size "0" must be a whole number of at least 1$/],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(args);
      expect(run.code, args.join(' ')).toBe(EXIT_CODES.usage);
      expect(isOneLineError(run.stderr), run.stderr).toBe(true);
      expect(run.stderr.trimEnd()).toMatch(message);
      expect(run.stdout.length).toBe(0);
    }
  });

  it('fails in one line with exit code 1 when the database is missing or unreachable', async () => {
    const missing = join(await mkdtemp(join(tmpdir(), 'auditkit-cli-')), 'none.db');
    const cases: [string[], RegExp][] = [
      [
        ['stats', '--url', `sqlite:${missing}`],
        /^auditkit: no SQLite database at .*none\.db; create one with `auditkit migrate`$/,
      ],
      [
        ['stats', '--url', 'postgres://auditkit:secret@127.0.0.1:1/audit'],
        /^auditkit: cannot open PostgreSQL at postgres:\/\/auditkit:\*\*\*@127\.0\.0\.1:1\/audit: .*ECONNREFUSED/,
      ],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(args);
      expect(run.code, args.join(' ')).toBe(EXIT_CODES.failure);
      expect(isOneLineError(run.stderr), run.stderr).toBe(true);
      expect(run.stderr.trimEnd()).toMatch(message);
      expect(run.stderr).not.toContain('secret');
    }
  });

  it('reads the database from AUDITKIT_DATABASE_URL, and migrate creates it', async () => {
    const filename = join(await mkdtemp(join(tmpdir(), 'auditkit-cli-')), 'env.db');
    const migrate = await runCli(['migrate', '--json'], { AUDITKIT_DATABASE_URL: filename });
    expect(migrate.code).toBe(EXIT_CODES.ok);
    expect(JSON.parse(migrate.stdout.toString('utf8'))).toEqual({ migrated: true });
    const stats = await runCli(['stats', '--json'], { AUDITKIT_DATABASE_URL: `sqlite:${filename}` });
    expect(stats.code).toBe(EXIT_CODES.ok);
    expect(JSON.parse(stats.stdout.toString('utf8'))).toEqual([]);
  });

  it('prints its version, and treats a missing subcommand as a usage error', async () => {
    const version = await runCli(['--version']);
    expect(version.code).toBe(EXIT_CODES.ok);
    expect(version.stdout.toString('utf8')).toMatch(/^\d+\.\d+\.\d+\n$/);
    const schemas = await runCli(['schemas']);
    expect(schemas.code).toBe(EXIT_CODES.usage);
    expect(schemas.stderr).toContain('Usage: auditkit schemas');
  });

  it('has --help with an example for every command, and names exit code 3 for verify', async () => {
    const main = await runCli(['--help']);
    expect(main.code).toBe(EXIT_CODES.ok);
    const text = main.stdout.toString('utf8');
    expect(text).toMatch(/3 {2}verification failed: `auditkit verify` or `verify-export` found tampering/);
    for (const command of [
      ['migrate'],
      ['schemas', 'apply'],
      ['schemas', 'list'],
      ['export'],
      ['purge'],
      ['stats'],
      ['tail'],
      ['verify'],
      ['verify-export'],
    ]) {
      const help = await runCli([...command, '--help']);
      expect(help.code, command.join(' ')).toBe(EXIT_CODES.ok);
      expect(help.stdout.toString('utf8'), command.join(' ')).toMatch(
        new RegExp(`Example:\\n {2}\\$ auditkit ${command.join(' ')} `),
      );
    }
  });
});
