import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');

/** The first `ts` code block under the README's "## Quick start" heading, exactly as a reader copies it. */
async function quickStartCode(): Promise<string> {
  const readme = await readFile(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Quick start\n'));
  const code = /```ts\n([\s\S]*?)\n```/.exec(section)?.[1];
  if (!code) throw new Error('README.md has no ```ts block under "## Quick start"');
  return code;
}

// Inside the SQLite example's package, so `@auditkit/core`, `@auditkit/adapter-sqlite` and
// `better-sqlite3` resolve as they would in an application that installed them: the imports
// are left as the README writes them.
const directory = join(root, 'examples', 'sqlite', '.data', `quick-start-${process.pid}`);
afterAll(() => rm(directory, { recursive: true, force: true }));

it('runs the README Quick start twice in a row against the same database file', async () => {
  await mkdir(directory, { recursive: true });
  const file = join(directory, 'quick-start.ts');
  await writeFile(file, `${await quickStartCode()}\n`);
  // The packages' TypeScript sources (the workspace's own export condition), so no build is needed.
  const runOnce = () =>
    run(process.execPath, ['--conditions=@auditkit/source', '--import', 'tsx', file], { cwd: directory });

  const first = await runOnce();
  const second = await runOnce();

  const [firstEvent, firstExport] = first.stdout.trim().split('\n');
  const [secondEvent, secondExport] = second.stdout.trim().split('\n');
  expect(firstEvent).toMatch(/^audit_log_event_\w+ stored$/);
  expect(secondEvent).toBe(firstEvent?.replace(/stored$/, 'replayed'));
  expect(firstExport).toMatch(/^ready \/.+\.csv$/);
  expect(secondExport).toMatch(/^ready \/.+\.csv$/);
  // Both runs wrote to the one file the snippet names, relative to where it runs.
  expect((await readFile(join(directory, 'audit.db'))).length).toBeGreaterThan(0);
  const exported = await readFile(secondExport?.slice('ready '.length) ?? '', 'utf8');
  expect(exported.trim().split('\r\n')).toHaveLength(2);
});
