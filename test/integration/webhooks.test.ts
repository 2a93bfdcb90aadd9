/**
 * Status webhooks with real emulators but without the whole gateway: DynamoDB Local (teams and messages
 * tables), fauxqs (the webhook queue), the webhook Lambda handler driven by the local SQS poller, the webhook
 * CLI, and a receiver on loopback that checks signatures with the same `verifyWebhookSignature` the docs show.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { physicalName, TABLES, type QueueDefinition } from '../../definitions/data-model';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../local/infra/dynamodb-local';
import { createQueues, startSqsLocal, type LocalQueue, type SqsLocal } from '../../local/infra/sqs-local';
import { startSqsPoller, type SqsPoller } from '../../local/infra/sqs-poller';
import { createTables } from '../../local/infra/tables';
import { runTeamsCli } from '../../local/teams-cli';
import { DynamoTeams } from '../../lambdas/adapters/dynamo-teams';
import { DynamoMessageRepository } from '../../lambdas/adapters/message-repository';
import { WebhookHttpClient } from '../../lambdas/adapters/webhook-client';
import type { MessageRecord } from '../../lambdas/domain/messages/ports';
import { STATUS_CHANGED } from '../../lambdas/domain/postbacks/parsing';
import { verifyWebhookSignature, webhookQueueBody } from '../../lambdas/domain/webhooks/webhooks';
import { Webhook } from 'standardwebhooks';
import { messageStatusEvent } from '../../lambdas/domain/messages/status-events';

const PREFIX = 'webhook-test';
const region = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** The queue definitions proposed for definitions/data-model.ts QUEUES. */
const WEBHOOK_QUEUES = {
  webhook: {
    id: 'webhook',
    visibilityTimeoutSeconds: 180,
    retentionSeconds: 4 * 24 * 3600,
    maxReceiveCount: 5,
    deadLetterQueueId: 'webhook-dlq',
  },
  webhookDlq: { id: 'webhook-dlq', visibilityTimeoutSeconds: 30, retentionSeconds: 14 * 24 * 3600 },
} as const satisfies Record<string, QueueDefinition>;

// ----- the receiver: one route per team, each answering with its own rule -----

interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly at: number;
}
type Answer = number | 'hang';
const received: Received[] = [];
const routes = new Map<string, (request: Received, nth: number) => Answer>();
let receiver: Server;
let receiverUrl: string;

const requestsTo = (path: string) => received.filter((r) => r.path === path);
const header = (r: Received | undefined, name: string): string | undefined => {
  const value = r?.headers[name];
  return typeof value === 'string' ? value : undefined;
};
const verifies = (secret: string, r: Received | undefined) =>
  verifyWebhookSignature(secret, header(r, 'x-mms-gateway-signature'), r?.body ?? '', Date.now() / 1000);
/** Verifies a delivery as a receiver using the `standardwebhooks` library would (its own HMAC code). */
const verifiesStandard = (secret: string, r: Received | undefined): boolean => {
  try {
    new Webhook(secret).verify(r?.body ?? '', {
      'webhook-id': header(r, 'webhook-id') ?? '',
      'webhook-timestamp': header(r, 'webhook-timestamp') ?? '',
      'webhook-signature': header(r, 'webhook-signature') ?? '',
    });
    return true;
  } catch {
    return false;
  }
};
/** A route that answers 200 only to requests signed with `secret` (401 otherwise), as a receiver should. */
const acceptOnly = (secret: () => string) => (r: Received) => (verifies(secret(), r) ? 200 : 401);

// ----- emulators and the handler -----

let dynamoLocal: DynamoDbLocal;
let sqsLocal: SqsLocal;
let rawDynamo: DynamoDBClient;
let db: DynamoDBDocumentClient;
let sqs: SQSClient;
let queues: Record<keyof typeof WEBHOOK_QUEUES, LocalQueue>;
let poller: SqsPoller;
let teamsTable: string;
let messages: DynamoMessageRepository;
const pollerErrors: unknown[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = {
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      received.push(request);
      const answer = routes.get(request.path)?.(request, requestsTo(request.path).length) ?? 404;
      if (answer === 'hang') setTimeout(() => res.writeHead(200).end(), 2_500).unref();
      else res.writeHead(answer).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  dynamoLocal = await startDynamoDbLocal({});
  sqsLocal = await startSqsLocal({});
  rawDynamo = new DynamoDBClient({ endpoint: dynamoLocal.endpoint, region, credentials });
  db = DynamoDBDocumentClient.from(rawDynamo, { marshallOptions: { removeUndefinedValues: true } });
  sqs = new SQSClient({ endpoint: sqsLocal.endpoint, region, credentials });
  await createTables(rawDynamo, PREFIX, [TABLES.teams, TABLES.messages, TABLES.control, TABLES.templates]);
  queues = await createQueues(sqs, PREFIX, WEBHOOK_QUEUES);
  teamsTable = physicalName(PREFIX, TABLES.teams.id);
  messages = new DynamoMessageRepository(db, physicalName(PREFIX, TABLES.messages.id));

  Object.assign(process.env, {
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: dynamoLocal.endpoint,
    AWS_ENDPOINT_URL_SQS: sqsLocal.endpoint,
    POWERTOOLS_SERVICE_NAME: 'mms-gateway-webhook-test',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
    MESSAGES_TABLE: physicalName(PREFIX, TABLES.messages.id),
    TEAMS_TABLE: teamsTable,
    CONTROL_TABLE: physicalName(PREFIX, TABLES.control.id),
    TEMPLATES_TABLE: physicalName(PREFIX, TABLES.templates.id),
    WEBHOOK_QUEUE_URL: queues.webhook.url,
    WEBHOOK_TIMEOUT_MS: '1000',
    WEBHOOK_RETRY_DELAYS_SECONDS: '1',
    WEBHOOK_RETRY_MAX_AGE_SECONDS: '60',
    WEBHOOK_ALLOW_INSECURE_LOCAL: 'true',
  });
  const { handler } = await import('../../lambdas/handlers/webhook');
  poller = startSqsPoller({
    client: sqs,
    queueUrl: queues.webhook.url,
    queueArn: queues.webhook.arn,
    handler: handler,
    concurrency: 2,
    waitTimeSeconds: 1,
    onError: (error) => pollerErrors.push(error),
  });
});

afterAll(async () => {
  await poller?.stop();
  sqs?.destroy();
  rawDynamo?.destroy();
  await sqsLocal?.stop();
  await dynamoLocal?.stop();
  receiver?.closeAllConnections();
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
});

// ----- helpers -----

async function cli(...args: string[]): Promise<{ code: number; output: string }> {
  const lines: string[] = [];
  const code = await runTeamsCli([...args, '--table', teamsTable, '--endpoint', dynamoLocal.endpoint], (l) =>
    lines.push(l),
  );
  return { code, output: lines.join('\n') };
}
const secretIn = (output: string): string => {
  const secret = /whsec_[A-Za-z0-9+/]{43}=/.exec(output)?.[0];
  if (!secret) throw new Error(`no secret in: ${output}`);
  return secret;
};

/** A team with a webhook on `/hooks/<team>`; returns its signing secret. */
async function teamWithWebhook(team: string): Promise<string> {
  await new DynamoTeams(db, teamsTable).addTeam({
    id: team,
    allowedSenders: ['15550001000'],
    perSecond: 10,
    perDay: 1000,
  });
  const set = await cli('set-webhook', team, `${receiverUrl}/hooks/${team}`, '--allow-insecure-local');
  expect(set.code).toBe(0);
  return secretIn(set.output);
}

async function messageOf(team: string): Promise<MessageRecord> {
  const now = new Date().toISOString();
  const message: MessageRecord = {
    id: `mms_${randomUUID().replaceAll('-', '')}`,
    teamId: team,
    request: {
      action: 'sendmms',
      to: '15557654321',
      from: '15550001000',
      slide: [{ 'message-text': 'hello' }],
    },
    state: 'sent',
    createdAt: now,
    updatedAt: now,
    attempts: 1,
    sinchTrackingId: randomUUID(),
    history: [],
  };
  await messages.create(message);
  return message;
}

/** Publishes (enqueues, as the EventBridge rule would) one status event of `message`; returns its detail. */
async function publishStatus(message: MessageRecord, code = 'N102') {
  const ref = `${message.sinchTrackingId ?? ''}#${code}#${randomUUID()}`;
  const state = code === 'N101' ? 'sent' : 'delivered';
  const after: MessageRecord = {
    ...message,
    state,
    history: [...message.history, { at: new Date().toISOString(), event: 'postback', code, ref, state }],
  };
  const event = messageStatusEvent({ ...message, state: 'submitted' }, after);
  // Each call is a distinct event (as distinct transitions are), whatever the message's stored history.
  const detail = { ...event?.detail, 'event-id': `${message.id}:${ref}` };
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queues.webhook.url,
      MessageBody: webhookQueueBody({
        id: randomUUID(),
        source: 'mms-gateway',
        detailType: STATUS_CHANGED,
        detail,
        time: new Date().toISOString(),
      }),
    }),
  );
  return detail;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; poller errors: ${pollerErrors.length}`);
    await sleep(100);
  }
}

const webhookHistory = async (id: string, eventId?: string) =>
  ((await messages.get(id))?.history ?? []).filter(
    (h) => h.event.startsWith('webhook-') && (eventId === undefined || h.ref === eventId),
  );

const historyUntil = (id: string, eventId: string, last: string) =>
  waitFor(`${last} in the history of ${id}`, async () => {
    const entries = await webhookHistory(id, eventId);
    return entries.some((h) => h.event === last) ? entries : undefined;
  });

const queueDrained = () =>
  waitFor('the webhook queue to drain', async () => {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queues.webhook.url,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    const pending = Object.values(Attributes ?? {}).reduce((n, v) => n + Number(v), 0);
    return pending === 0 ? true : undefined;
  });

// ----- cases -----

describe('status webhooks', () => {
  it('delivers a status event with a valid signature, once', async () => {
    const secret = await teamWithWebhook('alpha');
    routes.set(
      '/hooks/alpha',
      acceptOnly(() => secret),
    );
    const message = await messageOf('alpha');
    const detail = await publishStatus(message);

    const history = await historyUntil(message.id, detail['event-id'], 'webhook-delivered');
    expect(history.map((h) => [h.event, h.code])).toEqual([['webhook-delivered', '200']]);
    const [request] = requestsTo('/hooks/alpha');
    expect(verifies(secret, request)).toBe(true);
    expect(verifies('whsec_someone-else', request)).toBe(false);
    // Standard Webhooks headers next to the legacy ones, verified by the standardwebhooks library.
    expect(verifiesStandard(secret, request)).toBe(true);
    expect(verifiesStandard(`whsec_${Buffer.alloc(32, 7).toString('base64')}`, request)).toBe(false);
    expect(header(request, 'webhook-id')).toBe(detail['event-id']);
    expect(header(request, 'webhook-signature')).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(header(request, 'x-mms-gateway-event-id')).toBe(detail['event-id']);
    expect(header(request, 'x-mms-gateway-event-type')).toBe('mms.status-changed');
    expect(header(request, 'content-type')).toMatch(/^application\/json/);
    expect(JSON.parse(request?.body ?? '{}')).toMatchObject({
      'event-id': detail['event-id'],
      type: 'mms.status-changed',
      detail: { ...detail },
    });
    expect(request?.body).not.toContain('15557654321'); // masked number only

    // The same event again (a redelivery): recorded as delivered already, not posted twice.
    await publishStatus(message, 'N101'); // a different event: delivered too
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queues.webhook.url,
        MessageBody: webhookQueueBody({
          id: randomUUID(),
          source: 'mms-gateway',
          detailType: STATUS_CHANGED,
          detail,
          time: new Date().toISOString(),
        }),
      }),
    );
    await queueDrained();
    await waitFor('the second event', () => (requestsTo('/hooks/alpha').length >= 2 ? true : undefined));
    const ids = requestsTo('/hooks/alpha').map((r) => header(r, 'x-mms-gateway-event-id'));
    expect(ids.filter((id) => id === detail['event-id'])).toHaveLength(1);
    expect(ids).toHaveLength(2);
  });

  it('retries with back-off: 500, 500, then 200 → delivered on the third try', async () => {
    const secret = await teamWithWebhook('beta');
    routes.set('/hooks/beta', (r, nth) => (nth <= 2 ? 500 : verifies(secret, r) ? 200 : 401));
    const message = await messageOf('beta');
    const detail = await publishStatus(message, 'N101');

    const history = await historyUntil(message.id, detail['event-id'], 'webhook-delivered');
    expect(history.map((h) => [h.event, h.code])).toEqual([
      ['webhook-failed', '500'],
      ['webhook-failed', '500'],
      ['webhook-delivered', '200'],
    ]);
    expect(history[0]?.detail).toMatch(/attempt 1: HTTP 500; next attempt in 1 s/);
    const requests = requestsTo('/hooks/beta');
    expect(requests.map((r) => header(r, 'x-mms-gateway-delivery-attempt'))).toEqual(['1', '2', '3']);
    expect(new Set(requests.map((r) => header(r, 'x-mms-gateway-event-id')))).toEqual(
      new Set([detail['event-id']]),
    );
    // Each retry waited for its SQS delay.
    expect((requests[1]?.at ?? 0) - (requests[0]?.at ?? 0)).toBeGreaterThanOrEqual(900);
    expect(requests.every((r) => verifies(secret, r))).toBe(true);
  });

  it('rotation: both secrets verify during the rotation, only the new one after --finish', async () => {
    const oldSecret = await teamWithWebhook('gamma');
    const rotated = await cli('rotate-webhook-secret', 'gamma');
    expect(rotated.code).toBe(0);
    const newSecret = secretIn(rotated.output);
    expect(newSecret).not.toBe(oldSecret);
    expect((await cli('show-webhook', 'gamma')).output).toMatch(/2 signing secret\(s\)\trotating until/);
    const message = await messageOf('gamma');

    // A receiver that still knows only the old secret, then one that already has only the new one.
    routes.set(
      '/hooks/gamma',
      acceptOnly(() => oldSecret),
    );
    const a = await publishStatus(message, 'N101');
    await historyUntil(message.id, a['event-id'], 'webhook-delivered');
    routes.set(
      '/hooks/gamma',
      acceptOnly(() => newSecret),
    );
    const b = await publishStatus(message, 'N102');
    await historyUntil(message.id, b['event-id'], 'webhook-delivered');
    for (const r of requestsTo('/hooks/gamma')) {
      expect(verifies(oldSecret, r) && verifies(newSecret, r)).toBe(true);
      expect(verifiesStandard(oldSecret, r) && verifiesStandard(newSecret, r)).toBe(true);
      expect(header(r, 'webhook-signature')?.split(' ')).toHaveLength(2);
    }

    const finished = await cli('rotate-webhook-secret', 'gamma', '--finish');
    expect(finished.code).toBe(0);
    const seen = requestsTo('/hooks/gamma').length;
    // The old-secret receiver now refuses (401, retried); the new-secret one accepts the retry.
    routes.set('/hooks/gamma', (r, nth) =>
      nth === seen + 1 ? acceptOnly(() => oldSecret)(r) : acceptOnly(() => newSecret)(r),
    );
    const c = await publishStatus(message, 'N102');
    const history = await historyUntil(message.id, c['event-id'], 'webhook-delivered');
    expect(history.map((h) => [h.event, h.code])).toEqual([
      ['webhook-failed', '401'],
      ['webhook-delivered', '200'],
    ]);
    const after = requestsTo('/hooks/gamma').slice(seen);
    expect(after).toHaveLength(2);
    for (const r of after) {
      expect(verifies(newSecret, r)).toBe(true);
      expect(verifies(oldSecret, r)).toBe(false);
      expect(header(r, 'x-mms-gateway-signature')?.match(/v1=/g)).toHaveLength(1);
      expect(verifiesStandard(newSecret, r)).toBe(true);
      expect(verifiesStandard(oldSecret, r)).toBe(false);
    }
  });

  it('a timeout is a failure, retried', async () => {
    await teamWithWebhook('delta');
    routes.set('/hooks/delta', (_r, nth) => (nth === 1 ? 'hang' : 200));
    const message = await messageOf('delta');
    const detail = await publishStatus(message);
    const history = await historyUntil(message.id, detail['event-id'], 'webhook-delivered');
    expect(history.map((h) => [h.event, h.code])).toEqual([
      ['webhook-failed', 'timeout'],
      ['webhook-delivered', '200'],
    ]);
  });

  it('410 Gone stops the retries of the event, visibly', async () => {
    await teamWithWebhook('epsilon');
    routes.set('/hooks/epsilon', () => 410);
    const message = await messageOf('epsilon');
    const detail = await publishStatus(message);
    const history = await historyUntil(message.id, detail['event-id'], 'webhook-abandoned');
    expect(history.map((h) => [h.event, h.code])).toEqual([
      ['webhook-failed', '410'],
      ['webhook-abandoned', '410'],
    ]);
    await queueDrained();
    expect(requestsTo('/hooks/epsilon')).toHaveLength(1);
  });

  it('a removed webhook gets nothing; the CLI refuses bad URLs and unknown teams', async () => {
    await teamWithWebhook('zeta');
    routes.set('/hooks/zeta', () => 200);
    expect((await cli('remove-webhook', 'zeta')).output).toMatch(/webhook removed/);
    expect((await cli('remove-webhook', 'zeta')).output).toMatch(/had no webhook/);
    const message = await messageOf('zeta');
    await publishStatus(message);
    await queueDrained();
    expect(requestsTo('/hooks/zeta')).toHaveLength(0);
    expect(await webhookHistory(message.id)).toEqual([]);

    // Without the local flag (this process sets WEBHOOK_ALLOW_INSECURE_LOCAL for the handler), http is refused.
    const allowInsecure = process.env.WEBHOOK_ALLOW_INSECURE_LOCAL;
    delete process.env.WEBHOOK_ALLOW_INSECURE_LOCAL;
    try {
      const insecure = await cli('set-webhook', 'zeta', `${receiverUrl}/hooks/zeta`);
      expect(insecure.code).toBe(2);
      expect(insecure.output).toMatch(/must use https/);
    } finally {
      process.env.WEBHOOK_ALLOW_INSECURE_LOCAL = allowInsecure;
    }
    expect((await cli('set-webhook', 'zeta', 'https://169.254.169.254/latest')).output).toMatch(
      /private, loopback or link-local/,
    );
    const unknown = await cli('set-webhook', 'nobody', 'https://hooks.example.com/mms');
    expect(unknown.code).toBe(1);
    expect(unknown.output).toMatch(/unknown team nobody/);
    expect((await cli('rotate-webhook-secret', 'zeta')).output).toMatch(/has no webhook/);

    // Changing the URL keeps the secret.
    const secret = await teamWithWebhook('eta');
    const moved = await cli('set-webhook', 'eta', `${receiverUrl}/hooks/eta2`, '--allow-insecure-local');
    expect(moved.output).toMatch(/secrets unchanged/);
    expect(moved.output).not.toMatch(/whsec_/);
    routes.set(
      '/hooks/eta2',
      acceptOnly(() => secret),
    );
    const m = await messageOf('eta');
    const d = await publishStatus(m);
    await historyUntil(m.id, d['event-id'], 'webhook-delivered');
  });
});

describe('WebhookHttpClient', () => {
  it('does not follow redirects', async () => {
    routes.set('/redirect', () => 302);
    routes.set('/target', () => 200);
    const client = new WebhookHttpClient({ timeoutMs: 1000, blockPrivateAddresses: false });
    expect(await client.post(`${receiverUrl}/redirect`, '{}', {})).toEqual({
      kind: 'response',
      status: 302,
      answer: '',
    });
    expect(requestsTo('/target')).toHaveLength(0);
  });

  it('refuses host names that resolve to non-public addresses when asked to', async () => {
    routes.set('/open', () => 204);
    const url = `${receiverUrl.replace('127.0.0.1', 'localhost')}/open`;
    const guarded = new WebhookHttpClient({ timeoutMs: 1000, blockPrivateAddresses: true });
    expect(await guarded.post(url, '{}', {})).toMatchObject({ kind: 'error', code: 'blocked-address' });
    expect(requestsTo('/open')).toHaveLength(0);
    const open = new WebhookHttpClient({ timeoutMs: 1000, blockPrivateAddresses: false });
    expect(await open.post(url, '{}', {})).toEqual({ kind: 'response', status: 204, answer: '' });
  });

  it('reports timeouts and refused connections as transport errors', async () => {
    routes.set('/slow', () => 'hang');
    const client = new WebhookHttpClient({ timeoutMs: 300, blockPrivateAddresses: false });
    expect(await client.post(`${receiverUrl}/slow`, '{}', {})).toMatchObject({
      kind: 'error',
      code: 'timeout',
    });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await client.post(`http://127.0.0.1:${port}/`, '{}', {})).toMatchObject({
      kind: 'error',
      code: 'ECONNREFUSED',
    });
  });
});
