/** Shared helpers of the integration suites: HTTP calls against a local gateway and polling with a deadline. */
import { createServer, type Server, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalGateway } from '../../local/runtime';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoWebhooks } from '../../lambdas/adapters/dynamo-webhooks';
import { verifyWebhookSignature } from '../../lambdas/domain/webhooks/webhooks';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

export async function call(
  url: string,
  init: {
    method?: string;
    apiKey?: string | undefined;
    body?: unknown;
    headers?: Record<string, string>;
  } = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...init.headers };
  if (init.apiKey !== undefined) headers['x-api-key'] = init.apiKey;
  const res = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers,
    ...(init.body !== undefined
      ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }
      : {}),
  });
  const text = await res.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { raw: text };
  }
  return { status: res.status, headers: res.headers, body };
}

export const send = (
  gw: LocalGateway,
  body: unknown,
  headers: Record<string, string> = {},
  apiKey = gw.apiKey,
) => call(`${gw.apiUrl}/v2/`, { apiKey, body, headers });

export const lookup = (gw: LocalGateway, trackingId: string, apiKey = gw.apiKey) =>
  call(`${gw.apiUrl}/v2/messages/${encodeURIComponent(trackingId)}`, { apiKey });

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs` naming `what`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000, // generous: two cores shared by many test runs
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`,
  );
}

/** Waits until the message is in one of `states`, and returns its lookup body. */
export const waitForState = (
  gw: LocalGateway,
  trackingId: string,
  states: readonly string[],
  timeoutMs?: number,
) =>
  waitFor(
    `${trackingId} to reach ${states.join('/')}`,
    async () => {
      const answer = await lookup(gw, trackingId);
      return states.includes(String(answer.body.state)) ? answer.body : undefined;
    },
    timeoutMs,
  );

export const SENDER = '15550001000';

/** A valid sendmms body to `to`, with optional overrides. */
export const sendmms = (to: string, extra: Record<string, unknown> = {}) => ({
  action: 'sendmms',
  to,
  from: SENDER,
  'message-subject': 'Hello',
  'fallback-sms-text': 'Hello from the tests',
  slide: [{ 'message-text': 'Hello', image: { url: 'https://example.com/a.jpg' } }],
  ...extra,
});

/** Waits until a synchronous condition holds. */
export const waitUntil = (what: string, condition: () => boolean, timeoutMs?: number) =>
  waitFor(what, () => Promise.resolve(condition() ? true : undefined), timeoutMs);

/** A DynamoDB client for a DynamoDB Local endpoint (any region and credentials: the database is shared). */
export const localDynamoClient = (endpoint: string): DynamoDBClient =>
  new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
/** A webhook POST the receiver got: raw body, whether its signature verified, and the parsed event. */
export interface ReceivedWebhook {
  readonly body: string;
  readonly valid: boolean;
  readonly eventId: string | undefined;
  readonly type: string;
  readonly detail: Record<string, unknown>;
}

/**
 * Registers a webhook for `teamId` pointing at a server on 127.0.0.1 that records every POST and verifies its
 * signature with the secret the registration returned (answers 200 when valid, 401 otherwise).
 */
export async function startWebhookReceiver(gw: LocalGateway, teamId: string) {
  const received: ReceivedWebhook[] = [];
  let secret = '';
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const header = req.headers['x-mms-gateway-signature'];
      const valid = verifyWebhookSignature(
        secret,
        Array.isArray(header) ? header[0] : header,
        body,
        Math.floor(Date.now() / 1000),
      );
      const eventId = req.headers['x-mms-gateway-event-id'];
      const parsed = JSON.parse(body) as { type: string; detail: Record<string, unknown> };
      received.push({
        body,
        valid,
        eventId: Array.isArray(eventId) ? eventId[0] : eventId,
        type: parsed.type,
        detail: parsed.detail,
      });
      res.writeHead(valid ? 200 : 401).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const webhooks = new DynamoWebhooks(gw.db, gw.tables.teams);
  const { port } = server.address() as AddressInfo;
  const set = await webhooks.setUrl(teamId, `http://127.0.0.1:${port}/hooks/mms`);
  secret = set.created ? set.secret : '';
  return {
    received,
    secret,
    async stop() {
      await webhooks.remove(teamId);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A webhook receiver on loopback that records each request and answers `status` with `body`. */
export async function startReceiver(status = 200, body = '') {
  const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    stop: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
