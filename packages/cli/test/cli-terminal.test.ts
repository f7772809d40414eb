// The progress display: a live bar on a terminal, plain lines without control characters when
// stderr is piped (logs, CI), and never anything but data on stdout.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteStore } from '@auditkit/adapter-sqlite';
import { createAuditLog } from '@auditkit/core';
import { declareSchemas, manyEvents } from '@auditkit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN_PATH } from './built-binary-setup.js';
import { ensureScript, runOnTerminal } from './pseudo-terminal.js';
import { runCli } from './run-cli.js';

const ORG = 'org_terminal';
const EVENTS = 20_000;
// Any C0 control character but newline, and DEL: what a bar or colours would leave in a log.
const controlCharacters = (text: string) =>
  [...text].filter((character) => {
    const code = character.charCodeAt(0);
    return (code < 0x20 && character !== '\n') || code === 0x7f;
  });

describe('progress display', () => {
  let directory: string;
  let filename: string;

  beforeAll(async () => {
    ensureScript();
    directory = await mkdtemp(join(tmpdir(), 'auditkit-cli-'));
    filename = join(directory, 'audit.db');
    const auditLog = await createAuditLog({ store: sqliteStore({ filename }) });
    try {
      await declareSchemas(auditLog);
      const events = manyEvents(EVENTS);
      for (let start = 0; start < EVENTS; start += 1000) {
        await auditLog.createEvents(ORG, events.slice(start, start + 1000));
      }
    } finally {
      await auditLog.close();
    }
  });

  it('renders a bar with rows, rows/s and ETA on a terminal', async () => {
    const output = join(directory, 'tty.csv');
    const { code, screen } = await runOnTerminal([
      process.execPath,
      BIN_PATH,
      'export',
      '--url',
      filename,
      '-o',
      ORG,
      '--output',
      output,
    ]);
    expect(code).toBe(0);
    // cli-progress redraws the line in place with cursor controls.
    expect(screen).toContain('\u001b[');
    expect(screen).toMatch(/export [\u2588\u2591]{40} 100% \| 20000\/20000 rows \| \d+ rows\/s \| ETA \d+s/);
    expect(screen).toMatch(/exported 20000 events in \d+\.\d s/);
    expect((await readFile(output, 'utf8')).split('\n')).toHaveLength(EVENTS + 2);
  });

  it('prints plain periodic lines, without control characters, when piped', async () => {
    const run = await runCli(['export', '--url', filename, '-o', ORG, '--progress-interval', '0.001']);
    expect(run.code).toBe(0);
    expect(controlCharacters(run.stderr)).toEqual([]);
    // CSV rows end in CRLF (RFC 4180): that CR is data. Nothing else may be a control character.
    const csv = run.stdout.toString('utf8');
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(controlCharacters(csv.replaceAll('\r\n', '\n'))).toEqual([]);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines.slice(0, -1)) {
      expect(line).toMatch(/^export: \d+\/20000 rows, \d+ rows\/s, ETA \d+ s$/);
    }
    expect(lines.at(-1)).toMatch(/^exported 20000 events in \d+\.\d s$/);
    expect(csv.split('\r\n')).toHaveLength(EVENTS + 2);
  });
});
