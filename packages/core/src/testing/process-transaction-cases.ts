import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditLog } from '../audit-log.js';
import { countEvents } from './fixtures.js';
import { raceEvent } from './process-worker.js';
import { runTypeScriptProcess, startTypeScriptProcess } from './processes.js';

/** What the caller-transaction process cases need from {@link runProcessConformance}'s options. */
export interface ProcessTransactionSetup {
  workerScript: string;
  freshLocation(): string | Promise<string>;
  open(location: string): Promise<AuditLog>;
}

type Child = ReturnType<typeof startTypeScriptProcess>;

// Real processes on a small, shared machine: generous, so only a hang fails the test.
const TEST_TIMEOUT = 300_000;

/** Collects a child's stdout lines as JSON, and resolves `waitFor(predicate)` when one matches. */
function watch(child: Child) {
  const seen: Record<string, unknown>[] = [];
  const waiters: {
    test: (line: Record<string, unknown>) => boolean;
    resolve: (line: Record<string, unknown>) => void;
  }[] = [];
  let buffer = '';
  let stderr = '';
  child.stderr.on('data', (data: Buffer) => {
    stderr += data.toString();
  });
  child.stdout.on('data', (data: Buffer) => {
    buffer += data.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const text of lines.filter(Boolean)) {
      const line = JSON.parse(text) as Record<string, unknown>;
      seen.push(line);
      for (const waiter of waiters.splice(0)) {
        if (waiter.test(line)) waiter.resolve(line);
        else waiters.push(waiter);
      }
    }
  });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return {
    seen,
    exited,
    stderr: () => stderr,
    waitFor(test: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
      const found = seen.find(test);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        waiters.push({ test, resolve });
        void exited.then(() => reject(new Error(`worker exited before the expected line: ${stderr}`)));
      });
    },
  };
}

/**
 * The caller-transaction guarantees that need real OS processes: a crash before `COMMIT`, and two
 * processes racing one key inside their own transactions.
 */
export function processTransactionCases(setup: ProcessTransactionSetup): void {
  describe('process conformance › caller transactions', () => {
    const started: Child[] = [];
    afterAll(() => {
      for (const child of started)
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const start = (args: string[], env: NodeJS.ProcessEnv = {}) => {
      const child = startTypeScriptProcess(setup.workerScript, args, env);
      started.push(child);
      return child;
    };
    const appRows = async (location: string, marker: string) => {
      const result = await runTypeScriptProcess(setup.workerScript, [
        'app-rows',
        location,
        'org_none',
        marker,
      ]);
      expect(result.code, result.stderr).toBe(0);
      return (JSON.parse(result.stdout.trim()) as { count: number }).count;
    };

    it(
      'leaves neither the application’s row nor the audit event when the process is killed with SIGKILL before COMMIT',
      async () => {
        const location = await setup.freshLocation();
        await (await setup.open(location)).close();
        const child = start(['tx-crash', location, 'org_tx_crash', '1']);
        const worker = watch(child);
        await worker.waitFor((line) => line.ready === true);
        child.kill('SIGKILL');
        await worker.exited;
        expect(child.signalCode).toBe('SIGKILL');

        expect(await appRows(location, 'crash')).toBe(0);
        const auditLog = await setup.open(location);
        try {
          expect(await countEvents(auditLog, 'org_tx_crash')).toBe(0);
          // The key died with the transaction: other content under it is a new event, no conflict.
          const reused = await auditLog.createEvent('org_tx_crash', raceEvent(2), {
            idempotencyKey: 'tx-crash',
          });
          expect(reused.replayed).toBe(false);
        } finally {
          await auditLog.close();
        }
      },
      TEST_TIMEOUT,
    );

    const races = [
      { name: 'the same event', holderEnds: 'commit', writerSeed: '7', outcome: 'replayed' },
      { name: 'other content', holderEnds: 'commit', writerSeed: '8', outcome: 'idempotency_conflict' },
      {
        name: 'the same event, the first transaction rolling back',
        holderEnds: 'rollback',
        writerSeed: '7',
        outcome: 'stored',
      },
    ] as const;
    for (const race of races) {
      it(
        `ends with one event when two processes write one key (${race.name}) in their own transactions: the second waits, then gets ${race.outcome}`,
        async () => {
          const location = await setup.freshLocation();
          await (await setup.open(location)).close();
          const signals = mkdtempSync(join(tmpdir(), 'auditkit-tx-'));
          const signal = join(signals, 'end-holder');
          const writerSignal = join(signals, 'start-writer');
          const writer = watch(
            start(['tx-write', location, 'org_tx_race', race.writerSeed], {
              AUDITKIT_TX_SIGNAL: writerSignal,
            }),
          );
          await writer.waitFor((line) => line.opened === true);
          const holder = watch(
            start(['tx-hold', location, 'org_tx_race', '7'], {
              AUDITKIT_TX_SIGNAL: signal,
              AUDITKIT_TX_END: race.holderEnds,
            }),
          );
          const inserted = await holder.waitFor((line) => line.inserted === true);
          writeFileSync(writerSignal, '');
          await writer.waitFor((line) => line.writing === true);
          // Give the writer time to reach the contested key; it must still be waiting for the holder.
          await new Promise((resolve) => setTimeout(resolve, 1500));
          expect(writer.seen.some((line) => 'outcome' in line)).toBe(false);

          // The writer's outcome can only come once the holder was told to end its transaction.
          const holderReleasedAt = Date.now();
          writeFileSync(signal, '');
          const ended = await holder.waitFor((line) => 'ended' in line);
          expect(ended.ended).toBe(race.holderEnds);
          const written = await writer.waitFor((line) => 'outcome' in line);
          await Promise.all([holder.exited, writer.exited]);
          expect(written.outcome, writer.stderr()).toBe(race.outcome);
          expect(Number(written.at)).toBeGreaterThanOrEqual(holderReleasedAt);

          const auditLog = await setup.open(location);
          try {
            const events = (await auditLog.listEvents({ organizationId: 'org_tx_race' })).data;
            expect(events).toHaveLength(1);
            const winner = race.holderEnds === 'commit' ? inserted.id : written.id;
            expect(events[0]?.id).toBe(winner);
            if (race.outcome === 'replayed') expect(written.id).toBe(inserted.id);
          } finally {
            await auditLog.close();
          }
          expect(await appRows(location, 'hold-7')).toBe(race.holderEnds === 'commit' ? 1 : 0);
          expect(await appRows(location, `write-${race.writerSeed}`)).toBe(1);
        },
        TEST_TIMEOUT,
      );
    }
  });
}
