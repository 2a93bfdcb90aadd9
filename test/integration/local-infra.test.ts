import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayRequestAuthorizerEvent,
  Context,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  SQSEvent,
} from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES, TABLES, physicalName } from '../../definitions/data-model';
import type { QueueDefinition } from '../../definitions/data-model';
import { startApiGateway } from '../../local/infra/api-gateway';
import type { ApiGateway, Route } from '../../local/infra/api-gateway';
import { startAwsEndpoints } from '../../local/infra/aws-endpoints';
import type { AwsEndpoints } from '../../local/infra/aws-endpoints';
import { JAVA_NOT_FOUND_MESSAGE, startDynamoDbLocal } from '../../local/infra/dynamodb-local';
import type { DynamoDbLocal } from '../../local/infra/dynamodb-local';
import { createQueues, startSqsLocal } from '../../local/infra/sqs-local';
import type { SqsLocal } from '../../local/infra/sqs-local';
import { startSqsPoller } from '../../local/infra/sqs-poller';
import { startStreamPoller } from '../../local/infra/stream-poller';
import { createTables } from '../../local/infra/tables';

const region = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const PREFIX = 'infra-test';

/** A synchronous test function as the async Lambda handler the infrastructure expects (a throw rejects). */
const lambda =
  <E, R>(fn: (event: E) => R) =>
  (event: E): Promise<R> =>
    new Promise((resolve) => resolve(fn(event)));

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms`);
    await sleep(25);
  }
}

let dynamo: DynamoDbLocal;
let ddb: DynamoDBClient;

beforeAll(async () => {
  dynamo = await startDynamoDbLocal({});
  ddb = new DynamoDBClient({ endpoint: dynamo.endpoint, region, credentials });
});

afterAll(async () => {
  ddb?.destroy();
  await dynamo?.stop();
});

describe('DynamoDB Local and the tables of definitions/data-model.ts', () => {
  it('starts quickly on 127.0.0.1 and creates every table with its keys, GSIs, TTL and stream', async () => {
    // Act
    const tables = await createTables(ddb, PREFIX);

    // Assess
    expect(dynamo.endpoint).toBe(`http://127.0.0.1:${dynamo.port}`);
    expect(tables.map((t) => t.id)).toEqual(Object.values(TABLES).map((t) => t.id));
    expect(tables.every((t) => t.created)).toBe(true);
    for (const def of Object.values(TABLES)) {
      const { Table } = await ddb.send(new DescribeTableCommand({ TableName: physicalName(PREFIX, def.id) }));
      expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
      expect(Table?.KeySchema).toEqual([
        { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
        ...('sortKey' in def
          ? [{ AttributeName: (def.sortKey as { name: string }).name, KeyType: 'RANGE' }]
          : []),
      ]);
      const indexes = (Table?.GlobalSecondaryIndexes ?? []).map((i) => ({
        name: i.IndexName,
        keys: i.KeySchema?.map((k) => k.AttributeName),
        projection: i.Projection?.ProjectionType,
      }));
      expect(indexes.sort((a, b) => String(a.name).localeCompare(String(b.name)))).toEqual(
        def.globalSecondaryIndexes
          .map((i) => ({
            name: i.indexName,
            keys: [i.partitionKey.name, ...('sortKey' in i ? [i.sortKey.name] : [])],
            projection: 'ALL',
          }))
          .sort((a, b) => a.name.localeCompare(b.name)),
      );
      const stream = 'stream' in def ? def.stream : undefined;
      expect(
        Table?.StreamSpecification?.StreamEnabled === true
          ? Table.StreamSpecification.StreamViewType
          : undefined,
      ).toBe(stream);
      const ttl = await ddb.send(new DescribeTimeToLiveCommand({ TableName: physicalName(PREFIX, def.id) }));
      const ttlAttribute = 'ttlAttribute' in def ? def.ttlAttribute : undefined;
      if (ttlAttribute === undefined) expect(ttl.TimeToLiveDescription?.TimeToLiveStatus).toBe('DISABLED');
      else
        expect(ttl.TimeToLiveDescription).toEqual({
          TimeToLiveStatus: 'ENABLED',
          AttributeName: ttlAttribute,
        });
    }
    expect(tables.find((t) => t.id === 'postbacks')?.streamArn).toMatch(/^arn:aws:dynamodb:.*\/stream\//);
  });

  it('is idempotent: existing tables are kept', async () => {
    const again = await createTables(ddb, PREFIX);
    expect(again.map((t) => t.created)).toEqual(Object.values(TABLES).map(() => false));
  });

  it('keeps data across a restart with persistDir, whatever region the client uses', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'ddb-local-'));
    try {
      const first = await startDynamoDbLocal({ persistDir: dir });
      const firstClient = new DynamoDBClient({ endpoint: first.endpoint, region: 'eu-west-1', credentials });
      await createTables(firstClient, 'persist', [TABLES.teams]);
      await firstClient.send(
        new PutItemCommand({ TableName: 'persist-teams', Item: { pk: { S: 'TEAM#a' }, name: { S: 'A' } } }),
      );
      firstClient.destroy();
      await first.stop();

      // Act
      const second = await startDynamoDbLocal({ persistDir: dir });
      const secondClient = new DynamoDBClient({ endpoint: second.endpoint, region, credentials });
      try {
        const tables = await createTables(secondClient, 'persist', [TABLES.teams]);
        const { Item } = await secondClient.send(
          new GetItemCommand({ TableName: 'persist-teams', Key: { pk: { S: 'TEAM#a' } } }),
        );

        // Assess
        expect(tables[0]?.created).toBe(false);
        expect(Item).toEqual({ pk: { S: 'TEAM#a' }, name: { S: 'A' } });
      } finally {
        secondClient.destroy();
        await second.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('says clearly that Java is missing', async () => {
    const path = process.env.PATH;
    const empty = await mkdtemp(join(tmpdir(), 'no-java-'));
    process.env.PATH = empty;
    try {
      const error: unknown = await startDynamoDbLocal({}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toBe(JAVA_NOT_FOUND_MESSAGE);
    } finally {
      process.env.PATH = path;
      await rm(empty, { recursive: true, force: true });
    }
    expect(JAVA_NOT_FOUND_MESSAGE).toBe(
      'Java 17+ is required for DynamoDB Local but `java` was not found on PATH',
    );
  });
});

describe('fauxqs queues and the SQS poller', () => {
  let sqsLocal: SqsLocal;
  let sqs: SQSClient;
  let queueSeq = 0;

  /** A work queue with a 1 s visibility timeout and its DLQ, fresh for each test. */
  const shortQueues = async (maxReceiveCount = 2) => {
    const id = `work-${++queueSeq}`;
    const defs = {
      work: {
        id,
        visibilityTimeoutSeconds: 1,
        retentionSeconds: 3600,
        maxReceiveCount,
        deadLetterQueueId: `${id}-dlq`,
      },
      dlq: { id: `${id}-dlq`, visibilityTimeoutSeconds: 30, retentionSeconds: 3600 },
    } satisfies Record<string, QueueDefinition>;
    return createQueues(sqs, PREFIX, defs);
  };

  const receiveAll = async (url: string) =>
    (
      await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          MessageSystemAttributeNames: ['All'],
        }),
      )
    ).Messages ?? [];

  const sendBodies = (url: string, bodies: string[]) =>
    sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: bodies.map((body, i) => ({
          Id: String(i),
          MessageBody: body,
          MessageAttributes: { kind: { DataType: 'String', StringValue: 'test' } },
        })),
      }),
    );

  const countMessages = async (url: string): Promise<number> => {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(Attributes?.ApproximateNumberOfMessages) +
      Number(Attributes?.ApproximateNumberOfMessagesNotVisible)
    );
  };

  beforeAll(async () => {
    sqsLocal = await startSqsLocal({});
    sqs = new SQSClient({ endpoint: sqsLocal.endpoint, region, credentials });
  });

  afterAll(async () => {
    sqs?.destroy();
    await sqsLocal?.stop();
  });

  it('creates the queues of definitions/data-model.ts with their settings and redrive policy', async () => {
    // Act
    const queues = await createQueues(sqs, PREFIX);

    // Assess
    expect(sqsLocal.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(queues.send.url).toBe(`${sqsLocal.endpoint}/000000000000/${PREFIX}-send`);
    expect(queues.sendDlq.arn).toBe(`arn:aws:sqs:us-east-1:000000000000:${PREFIX}-send-dlq`);
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queues.send.url, AttributeNames: ['All'] }),
    );
    expect(Attributes?.VisibilityTimeout).toBe(String(QUEUES.send.visibilityTimeoutSeconds));
    expect(Attributes?.MessageRetentionPeriod).toBe(String(QUEUES.send.retentionSeconds));
    expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: queues.sendDlq.arn,
      maxReceiveCount: QUEUES.send.maxReceiveCount,
    });
    // Idempotent.
    expect(await createQueues(sqs, PREFIX)).toEqual(queues);
  });

  it('honours the visibility timeout and moves a message to the DLQ after maxReceiveCount receives', async () => {
    // Prepare
    const { work, dlq } = await shortQueues(2);
    await sqs.send(new SendMessageCommand({ QueueUrl: work.url, MessageBody: 'poison' }));

    // Act + Assess
    const first = await receiveAll(work.url);
    expect(first.map((m) => m.Attributes?.ApproximateReceiveCount)).toEqual(['1']);
    expect(await receiveAll(work.url)).toEqual([]); // invisible for 1 s
    await sleep(1_100);
    const second = await receiveAll(work.url);
    expect(second.map((m) => m.Attributes?.ApproximateReceiveCount)).toEqual(['2']);
    await sleep(1_100);
    expect(await receiveAll(work.url)).toEqual([]); // a third receive would exceed maxReceiveCount: redriven
    const deadLetters = await receiveAll(dlq.url);
    expect(deadLetters.map((m) => m.Body)).toEqual(['poison']);
  });

  it('deletes what succeeded and leaves batchItemFailures to come back, like Lambda', async () => {
    // Prepare
    const { work } = await shortQueues(5);
    await sendBodies(work.url, ['a', 'b', 'c', 'd']);
    const deliveries: { body: string; receiveCount: string }[] = [];
    let firstEvent: SQSEvent | undefined;
    const poller = startSqsPoller({
      client: sqs,
      queueUrl: work.url,
      queueArn: work.arn,
      batchSize: 10,
      waitTimeSeconds: 1,
      handler: lambda((event: SQSEvent) => {
        firstEvent ??= event;
        const failures = [];
        for (const record of event.Records) {
          deliveries.push({ body: record.body, receiveCount: record.attributes.ApproximateReceiveCount });
          if (['b', 'd'].includes(record.body) && record.attributes.ApproximateReceiveCount === '1') {
            failures.push({ itemIdentifier: record.messageId });
          }
        }
        return { batchItemFailures: failures };
      }),
    });

    try {
      // Act
      await waitFor(() => deliveries.length >= 6);
      await waitFor(async () => (await countMessages(work.url)) === 0);
    } finally {
      await poller.stop();
    }

    // Assess
    const seen = (body: string) => deliveries.filter((d) => d.body === body).map((d) => d.receiveCount);
    expect(seen('a')).toEqual(['1']);
    expect(seen('c')).toEqual(['1']);
    expect(seen('b')).toEqual(['1', '2']);
    expect(seen('d')).toEqual(['1', '2']);
    const record = firstEvent?.Records[0];
    expect(record).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: work.arn,
      awsRegion: 'us-east-1',
      messageAttributes: { kind: { dataType: 'String', stringValue: 'test' } },
      attributes: { ApproximateReceiveCount: '1', SenderId: expect.any(String) as string },
    });
    expect(record?.md5OfBody).toMatch(/^[0-9a-f]{32}$/);
    expect(record?.receiptHandle).toBeTruthy();
  });

  it('deletes nothing when the handler throws or names an unknown message', async () => {
    // Prepare
    const { work } = await shortQueues(5);
    await sendBodies(work.url, ['x', 'y']);
    const deliveries: string[] = [];
    const errors: unknown[] = [];
    let calls = 0;
    const poller = startSqsPoller({
      client: sqs,
      queueUrl: work.url,
      queueArn: work.arn,
      onError: (error) => errors.push(error),
      handler: lambda((event: SQSEvent) => {
        calls++;
        deliveries.push(...event.Records.map((r) => `${r.body}${r.attributes.ApproximateReceiveCount}`));
        if (calls === 1) throw new Error('handler failed');
        if (calls === 2) return { batchItemFailures: [{ itemIdentifier: 'not-a-message-of-this-batch' }] };
        return undefined;
      }),
    });

    try {
      // Act
      await waitFor(async () => deliveries.length >= 6 && (await countMessages(work.url)) === 0);
    } finally {
      await poller.stop();
    }

    // Assess
    expect(deliveries.sort()).toEqual(['x1', 'x2', 'x3', 'y1', 'y2', 'y3']);
    expect(errors).toHaveLength(2);
  });

  it('abandons a batch on stop({ abandon: true }): its messages reappear after the visibility timeout', async () => {
    // Prepare
    const { work } = await shortQueues(5);
    await sendBodies(work.url, ['m1', 'm2']);
    let release: () => void = () => undefined;
    let received = 0;
    let handlerFinished = false;
    const crashed = startSqsPoller({
      client: sqs,
      queueUrl: work.url,
      queueArn: work.arn,
      handler: async (event) => {
        received += event.Records.length;
        await new Promise<void>((resolve) => (release = resolve));
        handlerFinished = true;
      },
    });
    await waitFor(() => received === 2);

    // Act
    // The handler is blocked until release(): stop() returning at all shows it did not wait for it.
    await crashed.stop({ abandon: true });
    expect(handlerFinished).toBe(false);
    release(); // the abandoned handler finishes, but nobody deletes its messages
    const redelivered: string[] = [];
    const next = startSqsPoller({
      client: sqs,
      queueUrl: work.url,
      queueArn: work.arn,
      handler: lambda((event: SQSEvent) => {
        redelivered.push(...event.Records.map((r) => `${r.body}#${r.attributes.ApproximateReceiveCount}`));
      }),
    });
    try {
      await waitFor(() => redelivered.length === 2);
    } finally {
      await next.stop();
    }

    // Assess
    expect(redelivered.sort()).toEqual(['m1#2', 'm2#2']);
    await waitFor(async () => (await countMessages(work.url)) === 0);
  });
});

describe('local AWS endpoints (Secrets Manager, EventBridge) with the real SDK clients', () => {
  let aws: AwsEndpoints;
  let secrets: SecretsManagerClient;
  let eventBridge: EventBridgeClient;

  beforeAll(async () => {
    aws = await startAwsEndpoints({ secrets: { 'mms/sinch-key': 'key-1' } });
    secrets = new SecretsManagerClient({ endpoint: aws.endpoint, region, credentials });
    eventBridge = new EventBridgeClient({ endpoint: aws.endpoint, region, credentials });
  });

  afterAll(async () => {
    secrets?.destroy();
    eventBridge?.destroy();
    await aws?.stop();
  });

  it('answers GetSecretValue by name and ARN, and follows setSecret', async () => {
    const byName = await secrets.send(new GetSecretValueCommand({ SecretId: 'mms/sinch-key' }));
    expect(byName).toMatchObject({ Name: 'mms/sinch-key', SecretString: 'key-1' });
    expect(byName.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:000000000000:secret:mms\/sinch-key-\w{6}$/);
    const byArn = await secrets.send(new GetSecretValueCommand({ SecretId: byName.ARN }));
    expect(byArn.SecretString).toBe('key-1');

    aws.setSecret('mms/sinch-key', 'key-2');
    const rotated = await secrets.send(new GetSecretValueCommand({ SecretId: 'mms/sinch-key' }));
    expect(rotated.SecretString).toBe('key-2');
    expect(rotated.VersionId).not.toBe(byName.VersionId);
    expect(rotated.ARN).toBe(byName.ARN);
  });

  it('answers an unknown secret with ResourceNotFoundException', async () => {
    const error: unknown = await secrets
      .send(new GetSecretValueCommand({ SecretId: 'nope' }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect((error as ResourceNotFoundException).$metadata.httpStatusCode).toBe(400);
  });

  it('accepts PutEvents, logs and emits each entry, and reports malformed entries', async () => {
    // Prepare
    const emitted: unknown[] = [];
    aws.events.on('event', (event) => emitted.push(event));

    // Act
    const result = await eventBridge.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'mms-gateway',
            DetailType: 'MessageStatusChanged',
            Detail: JSON.stringify({ id: 'm-1', state: 'delivered' }),
            EventBusName: 'mms-bus',
            Time: new Date('2026-01-02T03:04:05Z'),
          },
          { Source: 'mms-gateway', DetailType: 'Broken', Detail: '{not json' },
        ],
      }),
    );

    // Assess
    expect(result.FailedEntryCount).toBe(1);
    expect(result.Entries?.[0]?.EventId).toBeTruthy();
    expect(result.Entries?.[1]?.ErrorCode).toBe('MalformedDetail');
    const expected = {
      id: result.Entries?.[0]?.EventId,
      source: 'mms-gateway',
      detailType: 'MessageStatusChanged',
      detail: { id: 'm-1', state: 'delivered' },
      time: '2026-01-02T03:04:05.000Z',
      eventBusName: 'mms-bus',
      resources: [],
    };
    expect(emitted).toEqual([expected]);
    expect(aws.putEvents).toEqual([expected]);
  });

  it('is found by SDK clients configured only through AWS_ENDPOINT_URL_* variables, as the handlers are', async () => {
    // Prepare
    const overrides = {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: aws.endpoint,
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    };
    const saved = Object.fromEntries(Object.keys(overrides).map((name) => [name, process.env[name]]));
    Object.assign(process.env, overrides);
    const envSecrets = new SecretsManagerClient({});
    const envEvents = new EventBridgeClient({});
    try {
      // Act
      const secret = await envSecrets.send(new GetSecretValueCommand({ SecretId: 'mms/sinch-key' }));
      const put = await envEvents.send(
        new PutEventsCommand({ Entries: [{ Source: 'env', DetailType: 'Ping', Detail: '{}' }] }),
      );

      // Assess
      expect(secret.SecretString).toBeTruthy();
      expect(put.FailedEntryCount).toBe(0);
      expect(aws.putEvents.at(-1)).toMatchObject({
        source: 'env',
        detailType: 'Ping',
        eventBusName: 'default',
      });
    } finally {
      envSecrets.destroy();
      envEvents.destroy();
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('answers any other target with a clear 400', async () => {
    const response = await fetch(aws.endpoint, {
      method: 'POST',
      headers: {
        'X-Amz-Target': 'secretsmanager.DeleteSecret',
        'Content-Type': 'application/x-amz-json-1.1',
      },
      body: '{}',
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { __type: string; message: string };
    expect(body.__type).toBe('UnknownOperationException');
    expect(body.message).toContain('secretsmanager.DeleteSecret');
  });
});

describe('local API Gateway front end', () => {
  interface Reply {
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: string;
  }
  /** node:http, so header names go out with the case we give them. */
  const call = (
    url: string,
    opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
  ) =>
    new Promise<Reply>((resolve, reject) => {
      const req = request(
        url,
        { method: opts.method ?? 'GET', headers: opts.headers ?? {}, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(opts.body);
    });

  const seen: {
    event?: APIGatewayProxyEvent;
    context?: Context;
    authorizerEvent?: APIGatewayRequestAuthorizerEvent;
  } = {};
  const errors: unknown[] = [];
  const policy = (
    effect: 'Allow' | 'Deny',
    resource: string,
  ): APIGatewayAuthorizerResult['policyDocument'] => ({
    Version: '2012-10-17',
    Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }],
  });
  const authorizer = lambda((event: APIGatewayRequestAuthorizerEvent): APIGatewayAuthorizerResult => {
    seen.authorizerEvent = event;
    const key = event.headers?.['x-api-key'] ?? event.headers?.['X-Api-Key'];
    if (key === 'broken') throw new Error('authorizer crashed');
    if (key === 'deny') return { principalId: 'team-x', policyDocument: policy('Deny', event.methodArn) };
    if (key !== 'good') throw new Error('Unauthorized');
    const [arnPrefix] = event.methodArn.split('/');
    return {
      principalId: 'team-t1',
      policyDocument: policy('Allow', `${arnPrefix}/*`),
      context: { teamId: 't1', quota: 5, admin: true },
    };
  });
  const echo: Route['handler'] = (event, context) => {
    seen.event = event;
    seen.context = context;
    return Promise.resolve({
      statusCode: 202,
      headers: { 'Content-Type': 'application/json', 'X-One': 1 },
      multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'] },
      body: JSON.stringify({ ok: true, body: event.body }),
    });
  };
  const routes: Route[] = [
    { method: 'POST', resource: '/v2', handler: echo },
    { method: 'GET', resource: '/v2/messages/{id}', handler: echo, functionName: 'query', timeoutMs: 3_000 },
    { method: 'GET', resource: '/health', handler: echo, authorize: false },
    {
      method: 'GET',
      resource: '/boom',
      handler: () => Promise.reject(new Error('handler exploded')),
      authorize: false,
    },
  ];
  let api: ApiGateway;
  let shaped: ApiGateway;

  beforeAll(async () => {
    api = await startApiGateway({ routes, authorizer, onError: (error) => errors.push(error) });
    const sinch = (statusCode: number, code: string) => () => ({
      statusCode,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ status: 'failure', 'error-code': code }),
    });
    shaped = await startApiGateway({
      routes,
      authorizer,
      onError: () => undefined,
      gatewayResponses: {
        unauthorized: sinch(401, 'E104'),
        accessDenied: sinch(403, 'E104'),
        notFound: sinch(404, 'GW-NOT-FOUND'),
        methodNotAllowed: sinch(405, 'GW-METHOD'),
        integrationFailure: sinch(502, 'GW-INTERNAL'),
      },
    });
  });

  afterAll(async () => {
    await api?.stop();
    await shaped?.stop();
  });

  it('turns a request into a REST API proxy event with the authorizer context', async () => {
    // Act
    const reply = await call(`${api.url}/v2/messages/abc%20d?x=1&x=2&y=3`, {
      headers: { 'X-Api-Key': 'good', 'X-Custom': 'v' },
    });

    // Assess
    expect(reply.status).toBe(202);
    expect(reply.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(reply.headers['x-one']).toBe('1');
    const event = seen.event;
    expect(event).toMatchObject({
      httpMethod: 'GET',
      path: '/v2/messages/abc%20d',
      resource: '/v2/messages/{id}',
      pathParameters: { id: 'abc d' },
      queryStringParameters: { x: '2', y: '3' },
      multiValueQueryStringParameters: { x: ['1', '2'], y: ['3'] },
      headers: { 'X-Api-Key': 'good', 'X-Custom': 'v' },
      multiValueHeaders: { 'X-Api-Key': ['good'], 'X-Custom': ['v'] },
      body: null,
      isBase64Encoded: false,
      stageVariables: null,
      requestContext: {
        stage: 'local',
        httpMethod: 'GET',
        resourcePath: '/v2/messages/{id}',
        identity: { sourceIp: '127.0.0.1' },
        authorizer: { teamId: 't1', quota: '5', admin: 'true', principalId: 'team-t1' },
      },
    });
    expect(event?.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Math.abs((event?.requestContext.requestTimeEpoch ?? 0) - Date.now())).toBeLessThan(5_000);
    expect(typeof event?.requestContext.authorizer?.integrationLatency).toBe('number');
    expect(seen.context?.functionName).toBe('query');
    expect(seen.context?.awsRequestId).toBeTruthy();
    expect(seen.context?.getRemainingTimeInMillis()).toBeGreaterThan(0);
    expect(seen.context?.getRemainingTimeInMillis()).toBeLessThanOrEqual(3_000);
    expect(seen.authorizerEvent).toMatchObject({
      type: 'REQUEST',
      methodArn: 'arn:aws:execute-api:local:000000000000:local/local/GET/v2/messages/abc%20d',
      resource: '/v2/messages/{id}',
      httpMethod: 'GET',
      headers: { 'X-Api-Key': 'good' },
      pathParameters: { id: 'abc d' },
    });
  });

  it('passes the body through as a utf8 string', async () => {
    const body = JSON.stringify({ action: 'sendmms', text: 'héllo ✓' });
    const reply = await call(`${api.url}/v2/`, {
      method: 'POST',
      headers: { 'x-api-key': 'good', 'Content-Type': 'application/json' },
      body,
    });
    expect(reply.status).toBe(202);
    expect(JSON.parse(reply.body)).toEqual({ ok: true, body });
    expect(seen.event?.resource).toBe('/v2');
  });

  it('answers 401 and 403 from the authorizer, 500 when it crashes, and skips it where authorize is false', async () => {
    expect(await call(`${api.url}/v2/messages/1`)).toMatchObject({
      status: 401,
      body: '{"message":"Unauthorized"}',
    });
    const denied = await call(`${api.url}/v2/messages/1`, { headers: { 'x-api-key': 'deny' } });
    expect(denied.status).toBe(403);
    expect(JSON.parse(denied.body)).toEqual({
      message: 'User is not authorized to access this resource with an explicit deny',
    });
    expect(await call(`${api.url}/v2/messages/1`, { headers: { 'x-api-key': 'broken' } })).toMatchObject({
      status: 500,
      body: '{"message":null}',
    });
    expect((await call(`${api.url}/health`)).status).toBe(202);
  });

  it('answers 404 for an unknown path and 403 Missing Authentication Token for a wrong method', async () => {
    const missing = await call(`${api.url}/nowhere`, { headers: { 'x-api-key': 'good' } });
    expect(missing).toMatchObject({ status: 404, body: '{"message":"Not Found"}' });
    expect(missing.headers['content-type']).toBe('application/json');
    const wrongMethod = await call(`${api.url}/v2`, { method: 'GET', headers: { 'x-api-key': 'good' } });
    expect(wrongMethod).toMatchObject({ status: 403, body: '{"message":"Missing Authentication Token"}' });
  });

  it('answers 413 over the body limit (1 MiB by default)', async () => {
    const reply = await call(`${api.url}/v2`, {
      method: 'POST',
      headers: { 'x-api-key': 'good' },
      body: Buffer.alloc(1024 * 1024 + 1, 'a'),
    });
    expect(reply).toMatchObject({ status: 413, body: '{"message":"Request Too Long"}' });
    const exactlyAtLimit = await call(`${api.url}/v2`, {
      method: 'POST',
      headers: { 'x-api-key': 'good' },
      body: Buffer.alloc(1024 * 1024, 'a'),
    });
    expect(exactlyAtLimit.status).toBe(202);
  });

  it('answers 502 Internal server error when the handler throws', async () => {
    const reply = await call(`${api.url}/boom`);
    expect(reply).toMatchObject({ status: 502, body: '{"message":"Internal server error"}' });
    expect(errors.some((e) => e instanceof Error && e.message === 'handler exploded')).toBe(true);
  });

  it('lets gateway responses give the gateway its own bodies', async () => {
    const body = async (path: string, headers: Record<string, string> = {}, method = 'GET') => {
      const reply = await call(`${shaped.url}${path}`, { headers, method });
      return [reply.status, JSON.parse(reply.body) as unknown];
    };
    expect(await body('/v2/messages/1')).toEqual([401, { status: 'failure', 'error-code': 'E104' }]);
    expect(await body('/v2/messages/1', { 'x-api-key': 'deny' })).toEqual([
      403,
      { status: 'failure', 'error-code': 'E104' },
    ]);
    expect(await body('/nowhere')).toEqual([404, { status: 'failure', 'error-code': 'GW-NOT-FOUND' }]);
    expect(await body('/v2', {}, 'DELETE')).toEqual([405, { status: 'failure', 'error-code': 'GW-METHOD' }]);
    expect(await body('/boom')).toEqual([502, { status: 'failure', 'error-code': 'GW-INTERNAL' }]);
  });
});

describe('DynamoDB stream poller', () => {
  const postbacks = physicalName(PREFIX, TABLES.postbacks.id);
  const put = (pk: string) =>
    ddb.send(new PutItemCommand({ TableName: postbacks, Item: { pk: { S: pk }, n: { N: '1' } } }));
  const pkOf = (record: DynamoDBRecord) => record.dynamodb?.NewImage?.pk?.S ?? '?';

  it('delivers inserts in order and sends a poison record to onFailure without blocking the shard', async () => {
    // Prepare
    const delivered: DynamoDBRecord[] = [];
    const failed: DynamoDBRecord[][] = [];
    const poller = await startStreamPoller({
      endpoint: dynamo.endpoint,
      tableName: postbacks,
      pollIntervalMs: 50,
      bisectOnError: true,
      maxRetries: 1,
      retryDelayMs: 10,
      onError: () => undefined,
      onFailure: lambda((records: DynamoDBRecord[]) => {
        failed.push(records);
      }),
      handler: lambda((event: DynamoDBStreamEvent) => {
        if (event.Records.some((r) => pkOf(r) === 'poison')) throw new Error('cannot process poison');
        delivered.push(...event.Records);
      }),
    });

    try {
      // Act
      for (const pk of ['p1', 'p2', 'poison', 'p4', 'p5']) await put(pk);
      await waitFor(() => delivered.some((r) => pkOf(r) === 'p5') && failed.length > 0);
      await put('p6');
      await waitFor(() => delivered.some((r) => pkOf(r) === 'p6'));
    } finally {
      await poller.stop();
    }

    // Assess
    expect(delivered.map(pkOf)).toEqual(['p1', 'p2', 'p4', 'p5', 'p6']);
    expect(failed.map((records) => records.map(pkOf))).toEqual([['poison']]);
    const first = delivered[0];
    expect(first).toMatchObject({
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      eventSourceARN: poller.streamArn,
      dynamodb: {
        Keys: { pk: { S: 'p1' } },
        NewImage: { pk: { S: 'p1' }, n: { N: '1' } },
        StreamViewType: 'NEW_IMAGE',
      },
    });
    expect(typeof first?.dynamodb?.ApproximateCreationDateTime).toBe('number');
    const sequence = delivered.map((r) => BigInt(r.dynamodb?.SequenceNumber ?? '0'));
    expect([...sequence].sort((a, b) => (a < b ? -1 : 1))).toEqual(sequence);
  });

  it('starts at LATEST when asked, delivers MODIFY, and retries from the first of batchItemFailures', async () => {
    // Prepare
    const attempts = new Map<string, number>();
    const delivered: string[] = [];
    const failed: string[] = [];
    const poller = await startStreamPoller({
      endpoint: dynamo.endpoint,
      tableName: postbacks,
      startingPosition: 'LATEST',
      pollIntervalMs: 50,
      maxRetries: 2,
      retryDelayMs: 10,
      onFailure: lambda((records: DynamoDBRecord[]) => {
        failed.push(...records.map(pkOf));
      }),
      handler: lambda((event: DynamoDBStreamEvent) => {
        const failures = [];
        for (const record of event.Records) {
          const key = `${record.eventName}:${pkOf(record)}`;
          attempts.set(key, (attempts.get(key) ?? 0) + 1);
          // q2 fails on its first delivery only: the batch is retried from q2, q1 is not delivered again.
          if (pkOf(record) === 'q2' && attempts.get(key) === 1) {
            failures.push({ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' });
          } else if (failures.length === 0) {
            delivered.push(key);
          }
        }
        return { batchItemFailures: failures };
      }),
    });

    try {
      // Act
      await put('q1');
      await put('q2');
      await ddb.send(
        new UpdateItemCommand({
          TableName: postbacks,
          Key: { pk: { S: 'q1' } },
          UpdateExpression: 'SET n = :n',
          ExpressionAttributeValues: { ':n': { N: '2' } },
        }),
      );
      await waitFor(() => delivered.includes('MODIFY:q1'));
    } finally {
      await poller.stop();
    }

    // Assess: nothing from before the poller started (p1…p6), each record delivered once after q2's retry.
    expect(delivered).toEqual(['INSERT:q1', 'INSERT:q2', 'MODIFY:q1']);
    expect(attempts.get('INSERT:q1')).toBe(1);
    expect(attempts.get('INSERT:q2')).toBe(2);
    expect(failed).toEqual([]);
  });
});
