import { chmodSync, chownSync, mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditKitError, createAuditLog, memoryStore } from '@auditkit/core';
import { ORG_A } from '@auditkit/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { expectAuditKitError, expectErrorAt } from '../src/testing/expect-error.js';

const RANGE = { rangeStart: new Date('2000-01-01'), rangeEnd: new Date('2100-01-01') };
/** The conventional unprivileged user: "someone else" for these tests. */
const NOBODY = 65534;
const uid = process.getuid?.();

function parent(): string {
  return mkdtempSync(join(tmpdir(), 'auditkit-export-dir-test-'));
}

describe('export files are private', () => {
  const logs: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(logs.splice(0).map((log) => log.close()));
  });

  async function open(directory?: string) {
    const log = await createAuditLog({
      store: memoryStore(),
      ...(directory === undefined ? {} : { exports: { directory } }),
    });
    logs.push(log);
    return log;
  }

  it('creates a missing directory 0700 owned by this user and writes files 0600', async () => {
    const directory = join(parent(), 'nested', 'exports');
    const log = await open(directory);
    const done = await log.waitForExport((await log.createExport({ organizationId: ORG_A, ...RANGE })).id);
    expect(done.state).toBe('ready');
    const dir = statSync(directory);
    expect(dir.mode & 0o777).toBe(0o700);
    expect(dir.uid).toBe(uid);
    expect(statSync(done.path ?? '').mode & 0o777).toBe(0o600);
  });

  it('writes to a private per-user directory under the temp directory by default', async () => {
    const log = await open();
    const done = await log.waitForExport((await log.createExport({ organizationId: ORG_A, ...RANGE })).id);
    expect(done.path?.startsWith(join(tmpdir(), `auditkit-exports-${uid}`))).toBe(true);
    const dir = statSync(join(tmpdir(), `auditkit-exports-${uid}`));
    expect(dir.uid).toBe(uid);
    expect(dir.mode & 0o077).toBe(0);
    expect(statSync(done.path ?? '').mode & 0o777).toBe(0o600);
  });

  it('refuses a directory owned by another user with unsafe_export_directory naming it', async () => {
    expect(uid, 'this test changes a directory owner: run it as root (CI does)').toBe(0);
    const directory = join(parent(), 'theirs');
    mkdirSync(directory, { mode: 0o700 });
    chownSync(directory, NOBODY, NOBODY);
    const log = await open(directory);
    const error = await expectAuditKitError(
      log.createExport({ organizationId: ORG_A, ...RANGE }),
      'unsafe_export_directory',
    );
    expectErrorAt(error, 'exports.directory');
    expect(error.message).toContain(directory);
    expect(error.message).toMatch(/owned by uid 65534/);
    expect(await readdir(directory)).toEqual([]);
  });

  it.each([
    ['every user', 0o777],
    ['every user (sticky, like /tmp)', 0o1777],
    ['its group', 0o770],
  ])('refuses a directory writable by %s', async (_who, mode) => {
    const directory = join(parent(), 'shared');
    mkdirSync(directory);
    chmodSync(directory, mode);
    const log = await open(directory);
    const error = await expectAuditKitError(
      log.createExport({ organizationId: ORG_A, ...RANGE }),
      'unsafe_export_directory',
    );
    expect(error).toBeInstanceOf(AuditKitError);
    expectErrorAt(error, 'exports.directory');
    expect(error.message).toMatch(/is writable by/);
    expect(await readdir(directory)).toEqual([]);
  });

  it('accepts a directory of this user that others may read but not write (0755), files still 0600', async () => {
    const directory = join(parent(), 'readable');
    mkdirSync(directory);
    chmodSync(directory, 0o755);
    const log = await open(directory);
    const done = await log.waitForExport((await log.createExport({ organizationId: ORG_A, ...RANGE })).id);
    expect(done.state).toBe('ready');
    expect(statSync(done.path ?? '').mode & 0o777).toBe(0o600);
  });
});
