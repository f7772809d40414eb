import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { type AuditLog, createAuditLog } from '../audit-log.js';
import type { LogStreamSettings } from '../log-streams/delivery.js';
import type { AuditStore } from '../store.js';
import { signInEvent } from './fixtures.js';
import { type LogStreamReceiver, type ReceivedEvent, startLogStreamReceiver } from './log-stream-receiver.js';
import { startTypeScriptProcess } from './processes.js';

/** How {@link runLogStreamProcessCases} reaches the store from several OS processes. */
export interface LogStreamProcessOptions {
  /** A script that calls `runLogStreamWorker(openStore)`. */
  workerScript: string;
  /** A new, empty database location the workers and the test share. */
  freshLocation(): string | Promise<string>;
  /** Opens the store at a location, in the test process. */
  openStore(location: string): AuditStore;
  /** Events written (default `AUDITKIT_STREAM_EVENTS`, else 3,000; the 100,000 with `AUDITKIT_STREAM_EVENTS=100000`). */
  events?: number;
  /** SIGKILLs of delivering processes (default `AUDITKIT_STREAM_KILLS`, else 3; the 20 with `AUDITKIT_STREAM_KILLS=20`). */
  kills?: number;
}

/** Delivery settings of the worker processes: short leases so a killed holder is replaced fast. */
export const WORKER_STREAM_SETTINGS: Partial<LogStreamSettings> = {
  deliver: true,
  batchSize: 500,
  pollIntervalMs: 25,
  leaseTtlMs: 1_000,
  initialBackoffMs: 50,
  maxBackoffMs: 500,
};

export const STREAM_ORGANIZATIONS = ['org_stream_a', 'org_stream_b', 'org_stream_c', 'org_stream_d'] as const;

/**
 * A log stream worker process: `write <location> <count> <seed> [paceMs]` writes `count` events
 * spread over the test organizations in batches of 1–100 (explicit keys, so a retried batch is
 * stored once), taking at least `paceMs` in all, and exits; `deliver <location>` delivers log
 * streams until it is killed.
 *
 * @example
 * ```ts
 * await runLogStreamWorker((filename) => sqliteStore({ filename }));
 * ```
 */
export async function runLogStreamWorker(openStore: (location: string) => AuditStore): Promise<void> {
  const [workload, location, countText = '0', seedText = '0', paceText = '0'] = process.argv.slice(2);
  if (!workload || !location) throw new Error('usage: <write|deliver> <location> [count] [seed] [paceMs]');
  if (workload === 'deliver') {
    await createAuditLog({ store: openStore(location), logStreams: WORKER_STREAM_SETTINGS });
    process.stdout.write('delivering\n');
    await new Promise(() => {}); // until killed
    return;
  }
  const auditLog = await createAuditLog({ store: openStore(location) });
  const count = Number(countText);
  const seed = Number(seedText);
  const paceMs = Number(paceText);
  const started = Date.now();
  let written = 0;
  let batch = 0;
  while (written < count) {
    const size = Math.min(count - written, 1 + ((seed * 31 + batch * 17) % 100));
    const organizationId = STREAM_ORGANIZATIONS[(seed + batch) % STREAM_ORGANIZATIONS.length] as string;
    const items = Array.from({ length: size }, (_, k) => ({
      event: signInEvent({ occurredAt: new Date(), metadata: { writer: seed, n: written + k } }),
      idempotencyKey: `w${seed}-${written + k}`,
    }));
    await auditLog.createEvents(organizationId, items);
    written += size;
    batch += 1;
    // Spread the writing over paceMs, so delivery follows it and a kill lands mid-delivery.
    const ahead = started + (paceMs * written) / count - Date.now();
    if (ahead > 0) await new Promise((resolve) => setTimeout(resolve, ahead));
  }
  await auditLog.close();
  process.stdout.write(`${JSON.stringify({ written })}\n`);
}

/** Every event id of an organization, from the store. */
async function storedIds(auditLog: AuditLog, organizationId: string): Promise<Set<string>> {
  const ids = new Set<string>();
  let after = 0;
  for (;;) {
    const page = await auditLog.readSequencedEvents({ organizationId, afterPosition: after, limit: 1_000 });
    for (const entry of page) ids.add(entry.event.id);
    const last = page.at(-1);
    if (!last) return ids;
    after = last.position;
  }
}

/**
 * What one organization's received events show: every position 1..head at least once, in order
 * once duplicates are dropped, and each step back (a batch sent again after a kill) at most one
 * batch long.
 */
function checkDelivery(received: ReceivedEvent[], head: number, batchSize: number) {
  const positions = received.map((event) => event.position);
  const firsts: number[] = [];
  const seen = new Set<number>();
  let rewinds = 0;
  let duplicates = 0;
  let previous = 0;
  for (const position of positions) {
    if (position <= previous) {
      rewinds += 1;
      expect(previous - position, `a step back from ${previous} to ${position}`).toBeLessThan(batchSize);
    }
    previous = position;
    if (seen.has(position)) {
      duplicates += 1;
      continue;
    }
    seen.add(position);
    firsts.push(position);
  }
  expect(firsts).toEqual(Array.from({ length: head }, (_, index) => index + 1));
  return { rewinds, duplicates };
}

/**
 * The delivery guarantees that need real processes: events written by several processes while
 * the delivering processes are killed with SIGKILL again and again reach the receivers (one per
 * destination format) at least once, in each organization's commit order, with duplicates only
 * from batches in flight at a kill.
 *
 * @example
 * ```ts
 * runLogStreamProcessCases({ workerScript, freshLocation, openStore: (filename) => sqliteStore({ filename }) });
 * ```
 */
export function runLogStreamProcessCases(options: LogStreamProcessOptions): void {
  const events = options.events ?? Number(process.env.AUDITKIT_STREAM_EVENTS ?? 3_000);
  const kills = options.kills ?? Number(process.env.AUDITKIT_STREAM_KILLS ?? 3);
  const batchSize = WORKER_STREAM_SETTINGS.batchSize ?? 500;

  describe('log stream delivery across processes', () => {
    const children = new Set<ChildProcess>();
    afterAll(() => {
      for (const child of children)
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const start = (args: string[]) => {
      const child = startTypeScriptProcess(options.workerScript, args);
      children.add(child);
      let stderr = '';
      child.stderr.on('data', (data: Buffer) => {
        stderr += data.toString();
      });
      const exited = new Promise<{ code: number | null; stderr: string }>((resolve) =>
        child.on('close', (code) => resolve({ code, stderr })),
      );
      return { child, exited };
    };

    it(`delivers ${events} events written by 3 processes at least once and in order while delivering processes are SIGKILLed ${kills} times`, async () => {
      const location = await options.freshLocation();
      const auditLog = await createAuditLog({ store: options.openStore(location) });
      const receivers: LogStreamReceiver[] = [];
      try {
        await auditLog.createSchema({
          action: 'user.signed_in',
          targets: [{ type: 'team' }, { type: 'user' }],
        });
        const secret = 'whsec_process_test_secret';
        const webhook = await startLogStreamReceiver({ type: 'webhook', secret });
        const datadog = await startLogStreamReceiver({ type: 'datadog', apiKey: 'dd-process-key' });
        const splunk = await startLogStreamReceiver({ type: 'splunk', token: 'hec-process-token' });
        receivers.push(webhook, datadog, splunk);
        const byOrganization = new Map<string, LogStreamReceiver>([
          ['org_stream_a', webhook],
          ['org_stream_b', webhook],
          ['org_stream_c', datadog],
          ['org_stream_d', splunk],
        ]);
        for (const organizationId of STREAM_ORGANIZATIONS) {
          const receiver = byOrganization.get(organizationId) as LogStreamReceiver;
          const destination =
            receiver === webhook
              ? { type: 'webhook' as const, url: webhook.url, secret }
              : receiver === datadog
                ? { type: 'datadog' as const, url: datadog.url, apiKey: 'dd-process-key' }
                : { type: 'splunk' as const, url: splunk.url, token: 'hec-process-token' };
          await auditLog.createLogStream({ organizationId, destination });
        }
        const total = () => receivers.reduce((sum, receiver) => sum + receiver.events.length, 0);

        // Two delivering processes: each stream is delivered by one of them; a killed one is
        // started again at once, and the other (or it) takes the streams over when the lease ends.
        // They are delivering before the writers start, and the writers spread their events over
        // a second per kill, so the receivers fill while the kills happen rather than all at once.
        const deliverers = [start(['deliver', location]), start(['deliver', location])];
        await Promise.all(
          deliverers.map(
            ({ child, exited }) =>
              new Promise<void>((resolve, reject) => {
                child.stdout.once('data', () => resolve());
                // A deliverer that dies before it is up fails the test now, not at its timeout.
                void exited.then(({ code, stderr }) =>
                  reject(new Error(`a delivering process exited (${code}) before it was up: ${stderr}`)),
                );
              }),
          ),
        );
        const paceMs = (kills + 1) * 1_000;
        const writers = [0, 1, 2].map((seed) =>
          start([
            'write',
            location,
            String(Math.ceil(events / 3) - (seed === 2 ? Math.ceil(events / 3) * 3 - events : 0)),
            String(seed),
            String(paceMs),
          ]),
        );
        let killed = 0;
        let killedMidDelivery = 0;
        const writing = Promise.all(writers.map((writer) => writer.exited));
        const deadline = Date.now() + 600_000;
        while (killed < kills && Date.now() < deadline) {
          // Kill while events are being delivered: the k-th kill once k/(kills + 1) of the events
          // have arrived, at a random moment after. Thresholds below the total are always reached,
          // however large the batches a deliverer sends between two kills.
          const threshold = Math.floor((events * (killed + 1)) / (kills + 1));
          while (total() < threshold && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
          await new Promise((r) => setTimeout(r, Math.random() * 150));
          const index = killed % deliverers.length;
          if (total() < events) killedMidDelivery += 1;
          deliverers[index]?.child.kill('SIGKILL');
          await deliverers[index]?.exited;
          deliverers[index] = start(['deliver', location]);
          killed += 1;
        }
        expect(killed).toBe(kills);
        // At least one kill hit a deliverer with events still on their way (the pacing above).
        expect(killedMidDelivery).toBeGreaterThan(0);
        for (const result of await writing) expect(result.code, result.stderr).toBe(0);

        // Everything committed reaches its receiver. A sealer store (MongoDB) may not have sealed
        // the writers' last events yet: seal them first (a no-op elsewhere).
        await auditLog.sealPendingEvents();
        const heads = new Map<string, number>();
        for (const organizationId of STREAM_ORGANIZATIONS) {
          heads.set(organizationId, (await auditLog.getSequenceHead(organizationId))?.position ?? 0);
        }
        expect([...heads.values()].reduce((a, b) => a + b, 0)).toBe(events);
        const delivered = (organizationId: string) =>
          (byOrganization.get(organizationId) as LogStreamReceiver).events.filter(
            (event) => event.organizationId === organizationId,
          );
        const complete = () =>
          STREAM_ORGANIZATIONS.every(
            (organizationId) =>
              new Set(delivered(organizationId).map((event) => event.position)).size ===
              heads.get(organizationId),
          );
        while (!complete() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));

        let rewinds = 0;
        let duplicates = 0;
        let outOfIdOrder = 0;
        for (const organizationId of STREAM_ORGANIZATIONS) {
          const received = delivered(organizationId);
          const result = checkDelivery(received, heads.get(organizationId) ?? 0, batchSize);
          rewinds += result.rewinds;
          duplicates += result.duplicates;
          // Every id the store has arrived (none skipped), with its position.
          const ids = await storedIds(auditLog, organizationId);
          expect(new Set(received.map((event) => event.id))).toEqual(ids);
          // Commit order is not id order: concurrent writers commit later ids first.
          const firstSeen = new Map<number, string>();
          for (const event of received)
            if (!firstSeen.has(event.position)) firstSeen.set(event.position, event.id);
          const inOrder = [...firstSeen.entries()].sort(([a], [b]) => a - b).map(([, id]) => id);
          for (let index = 1; index < inOrder.length; index++) {
            if ((inOrder[index] as string) < (inOrder[index - 1] as string)) outOfIdOrder += 1;
          }
        }
        // A step back only after a kill: at most one per kill and stream.
        expect(rewinds).toBeLessThanOrEqual(kills * STREAM_ORGANIZATIONS.length);
        expect(duplicates).toBeLessThanOrEqual(kills * STREAM_ORGANIZATIONS.length * batchSize);
        expect(webhook.unauthorized + datadog.unauthorized + splunk.unauthorized).toBe(0);
        console.info(
          `log streams: ${events} events, ${kills} SIGKILLs (${killedMidDelivery} before every event had arrived) → ${total()} received, ${duplicates} duplicates in ${rewinds} re-sent batches; ${outOfIdOrder} positions whose event id is smaller than the previous position's (committed out of id order), all delivered`,
        );
      } finally {
        for (const child of children)
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await Promise.all(receivers.map((receiver) => receiver.close()));
        await auditLog.close();
      }
    }, 900_000);
  });
}
