import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhookSignature } from '@auditkit/core';
import { benchEvent, declareBenchSchemas, ORGANIZATIONS } from './events.js';
import type { Result } from './scenarios.js';
import { percentile, summarize } from './stats.js';
import type { BenchTarget } from './target.js';

const SECRET = 'whsec_bench_secret';

/** A local webhook receiver that checks each signature and records when each event arrived. */
async function startReceiver() {
  const arrivals = new Map<string, number>();
  /** Each accepted request: when it arrived and how many events it carried. */
  const requests: { at: number; count: number }[] = [];
  let received = 0;
  let refused = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const header = request.headers['auditkit-signature'];
      if (
        !verifyWebhookSignature({
          payload: body,
          header: typeof header === 'string' ? header : '',
          secret: SECRET,
        })
      ) {
        refused += 1;
        response.writeHead(401).end();
        return;
      }
      const at = performance.now();
      const { events } = JSON.parse(body.toString('utf8')) as { events: { id: string }[] };
      for (const event of events) if (!arrivals.has(event.id)) arrivals.set(event.id, at);
      requests.push({ at, count: events.length });
      received += events.length;
      response.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    arrivals,
    requests,
    get received() {
      return received;
    },
    get refused() {
      return refused;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error('log stream delivery did not finish in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/**
 * Log stream delivery to a local webhook receiver (signatures checked), the deliverer in the
 * writing process: throughput of a backlog (events stored first, then a stream from the
 * beginning), and lag from commit (createEvents resolved) to receipt while events are written
 * in batches of 10 every 10 ms.
 */
export async function streamBenchmarks(
  target: BenchTarget,
  counts: { streamEvents: number; lagSeconds: number },
  log: (line: string) => void,
): Promise<Result[]> {
  const receiver = await startReceiver();
  const { auditLog } = await target.freshAuditLog({
    // A short lease: new streams are found by a scan every quarter lease (0.5 s here, 5 s with the
    // default 30 s), which the figures leave out anyway but the run would wait for.
    logStreams: { deliver: true, pollIntervalMs: 10, batchSize: 500, leaseTtlMs: 2_000 },
  });
  try {
    await declareBenchSchemas(auditLog);
    const organizationId = ORGANIZATIONS[0] as string;
    log(`${target.name}: log stream backlog of ${counts.streamEvents} events`);
    for (let start = 0; start < counts.streamEvents; start += 1000) {
      const size = Math.min(1000, counts.streamEvents - start);
      await auditLog.createEvents(
        organizationId,
        Array.from({ length: size }, (_, i) => benchEvent(start + i)),
      );
    }
    const backlog = await auditLog.createLogStream({
      organizationId,
      destination: { type: 'webhook', url: receiver.url, secret: SECRET },
      startAt: 'beginning',
    });
    await until(() => receiver.arrivals.size >= counts.streamEvents, 600_000);
    // Timed from the first request's arrival to the last's: a new stream is found by the next
    // scan for streams (every quarter lease, 0.5–5 s), which is not delivery throughput.
    const [firstRequest] = receiver.requests;
    const lastAt = receiver.requests.at(-1)?.at ?? 0;
    if (!firstRequest || lastAt <= firstRequest.at) throw new Error('the backlog arrived in one request');
    const throughput = (counts.streamEvents - firstRequest.count) / ((lastAt - firstRequest.at) / 1000);
    await auditLog.deleteLogStream(backlog.id);

    log(`${target.name}: log stream lag while writing for ${counts.lagSeconds} s`);
    const lagOrganization = ORGANIZATIONS[1] as string;
    await auditLog.createLogStream({
      organizationId: lagOrganization,
      destination: { type: 'webhook', url: receiver.url, secret: SECRET },
    });
    // Lag is measured once the stream is being delivered (its discovery by the scan is not lag).
    const [warmUp] = await auditLog.createEvents(lagOrganization, [benchEvent(999_999)]);
    await until(() => warmUp !== undefined && receiver.arrivals.has(warmUp.id), 60_000);
    const committed = new Map<string, number>();
    const stopAt = performance.now() + counts.lagSeconds * 1000;
    let n = 0;
    while (performance.now() < stopAt) {
      const created = await auditLog.createEvents(
        lagOrganization,
        Array.from({ length: 10 }, () => benchEvent(1_000_000 + n++)),
      );
      const at = performance.now();
      for (const event of created) committed.set(event.id, at);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await until(() => [...committed.keys()].every((id) => receiver.arrivals.has(id)), 120_000);
    const lags = [...committed.entries()]
      .map(([id, at]) => (receiver.arrivals.get(id) ?? at) - at)
      .sort((a, b) => a - b);
    if (receiver.refused > 0) throw new Error(`${receiver.refused} requests had a bad signature`);
    const fixed = (value: number) => ({ median: value, min: value, max: value });
    return [
      {
        adapter: target.name,
        measure: `log stream delivery of a ${counts.streamEvents.toLocaleString('en-US')}-event backlog to a local webhook (batches of 500, signed; first to last request)`,
        unit: 'events/s',
        auditKit: summarize([throughput]),
      },
      {
        adapter: target.name,
        measure: `log stream lag commit → receipt, p50 (${committed.size.toLocaleString('en-US')} events written in batches of 10 every 10 ms)`,
        unit: 'ms',
        auditKit: fixed(percentile(lags, 50)),
      },
      {
        adapter: target.name,
        measure: 'log stream lag commit → receipt, p99',
        unit: 'ms',
        auditKit: fixed(percentile(lags, 99)),
      },
    ];
  } finally {
    await auditLog.close();
    await receiver.close();
  }
}
