import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhookSignature } from '../log-streams/webhook-signature.js';

/** One event as a receiver recorded it (JSON: dates are ISO strings). */
export interface ReceivedEvent {
  id: string;
  organizationId: string;
  position: number;
  hash: string;
  action: string;
  [field: string]: unknown;
}

/** What a test receiver answers to the next request, instead of accepting it. */
export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** Which destination format a receiver speaks, and the credential it checks. */
export type ReceiverFormat =
  | { type: 'webhook'; secret: string }
  | { type: 'datadog'; apiKey: string }
  | { type: 'splunk'; token: string };

/**
 * A local HTTP receiver of one destination format, for tests: checks the signature or token of
 * every request (401 when wrong), parses the format, and records each accepted event in arrival
 * order. It can answer scripted statuses, and go down (close its port) and come back on it.
 */
export interface LogStreamReceiver {
  /** The base URL a destination points at (`http://127.0.0.1:<port>`). */
  readonly url: string;
  /** Every accepted event, in the order received (duplicates included). */
  readonly events: ReceivedEvent[];
  /** Arrival time (ms) of each accepted request, with its first and last position. */
  readonly batches: { at: number; first: number; last: number; count: number }[];
  /** Requests refused for a wrong signature or token. */
  readonly unauthorized: number;
  /** Every request's arrival time (ms) and the status answered. */
  readonly requests: { at: number; status: number }[];
  /** Answers the next requests with these, in order, then accepts again. */
  script(...answers: ScriptedAnswer[]): void;
  /** Closes the port (connections refused) until `up()`. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function parse(
  format: ReceiverFormat,
  request: IncomingMessage,
  body: Buffer,
): ReceivedEvent[] | 'unauthorized' {
  const text = body.toString('utf8');
  switch (format.type) {
    case 'webhook': {
      const header = request.headers['auditkit-signature'];
      if (
        !verifyWebhookSignature({
          payload: body,
          header: typeof header === 'string' ? header : undefined,
          secret: format.secret,
        })
      ) {
        return 'unauthorized';
      }
      return (JSON.parse(text) as { events: ReceivedEvent[] }).events;
    }
    case 'datadog': {
      if (request.headers['dd-api-key'] !== format.apiKey || request.url !== '/api/v2/logs')
        return 'unauthorized';
      return (JSON.parse(text) as { message: string; ddsource: string }[]).map(
        (log) => JSON.parse(log.message) as ReceivedEvent,
      );
    }
    case 'splunk': {
      if (
        request.headers.authorization !== `Splunk ${format.token}` ||
        request.url !== '/services/collector/event'
      ) {
        return 'unauthorized';
      }
      return text
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => (JSON.parse(line) as { event: ReceivedEvent }).event);
    }
  }
}

/**
 * Starts a receiver on a free loopback port.
 *
 * @example
 * ```ts
 * const receiver = await startLogStreamReceiver({ type: 'webhook', secret });
 * await auditLog.createLogStream({ organizationId, destination: { type: 'webhook', url: receiver.url, secret } });
 * ```
 */
export async function startLogStreamReceiver(format: ReceiverFormat): Promise<LogStreamReceiver> {
  const events: ReceivedEvent[] = [];
  const batches: LogStreamReceiver['batches'] = [];
  const requests: LogStreamReceiver['requests'] = [];
  const answers: ScriptedAnswer[] = [];
  let unauthorized = 0;
  const sockets = new Set<import('node:net').Socket>();
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const body = await readBody(request);
    const at = Date.now();
    const answer = answers.shift();
    if (answer) {
      requests.push({ at, status: answer.status });
      response.writeHead(answer.status, answer.headers).end(answer.body ?? '');
      return;
    }
    const parsed = parse(format, request, body);
    if (parsed === 'unauthorized') {
      unauthorized += 1;
      requests.push({ at, status: 401 });
      response.writeHead(401).end('{"message":"unauthorized"}');
      return;
    }
    events.push(...parsed);
    batches.push({
      at,
      first: parsed[0]?.position ?? 0,
      last: parsed.at(-1)?.position ?? 0,
      count: parsed.length,
    });
    requests.push({ at, status: 200 });
    response.writeHead(format.type === 'datadog' ? 202 : 200, { 'content-type': 'application/json' });
    response.end(format.type === 'splunk' ? '{"text":"Success","code":0}' : '{}');
  };
  let server: Server | undefined;
  let port = 0;
  const listen = async () => {
    const created = createServer((request, response) => {
      handle(request, response).catch(() => response.writeHead(500).end());
    });
    created.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      created.once('error', reject);
      created.listen(port, '127.0.0.1', () => resolve());
    });
    port = (created.address() as AddressInfo).port;
    server = created;
  };
  const stop = async () => {
    const current = server;
    server = undefined;
    if (!current) return;
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => current.close(() => resolve()));
  };
  await listen();
  return {
    url: `http://127.0.0.1:${port}`,
    events,
    batches,
    requests,
    get unauthorized() {
      return unauthorized;
    },
    script: (...next) => {
      answers.push(...next);
    },
    down: stop,
    up: listen,
    close: stop,
  };
}
