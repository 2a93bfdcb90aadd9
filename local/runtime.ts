/**
 * The whole gateway on one machine: DynamoDB Local, an in-process SQS emulator (fauxqs), local Secrets Manager
 * and EventBridge endpoints, the Sinch simulator, and the same Lambda handler modules behind a local API Gateway
 * front end and SQS/stream pollers. Used by `npm start`, the integration tests and the benchmarks.
 *
 * The handlers read their configuration from the environment at import, as in Lambda; the AWS SDK clients are
 * pointed at the emulators through the SDK's own AWS_ENDPOINT_URL_* variables. One gateway per process.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { EVENT_SOURCE } from '../lambdas/adapters/eventbridge-publisher';
import { webhookQueueBody } from '../lambdas/domain/webhooks/webhooks';
import { WEBHOOK_EVENT_TYPES } from '../lambdas/domain/webhooks/event-types';
import type {
  Context,
  DynamoDBBatchResponse,
  DynamoDBStreamEvent,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import type { EventEmitter } from 'node:events';
import { physicalName, SEND_REQUESTED_PATTERN, TABLES } from '../definitions/data-model';
import { ENV, RECURRING_ENV, SCHEDULER_ENV } from '../definitions/environment';
import { DynamoTeams, TeamExistsError } from '../lambdas/adapters/dynamo-teams';
import { createLambdaContext } from './infra/lambda-context';
import { startApiGateway, type Route } from './infra/api-gateway';
import { localGatewayResponses, localRoutes, type ApiHandler } from './infra/ingest-routes';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConsole } from '../console/build.mjs';
import { startAwsEndpoints, type LocalEvent } from './infra/aws-endpoints';
import { startDynamoDbLocal } from './infra/dynamodb-local';
import { freePort } from './infra/ports';
import { startSqsPoller } from './infra/sqs-poller';
import { startStreamPoller } from './infra/stream-poller';
import { startSchedulerEndpoint, type SchedulerEndpoint } from './infra/scheduler-endpoint';
import { createQueues, startSqsLocal } from './infra/sqs-local';
import { startMediaSandbox, type MediaSandbox } from './media-sandbox';
import { createTables } from './infra/tables';
import {
  startSinchSimulator,
  type SimulatorOptionsInput,
  type SinchSimulator,
} from './sinch-simulator/index';

export const LOCAL_TEAM = {
  id: 'local-dev',
  apiKey: 'local-dev-key',
  allowedSenders: ['15550001000', '15550001001'],
  perSecond: 100,
  perDay: 1_000_000,
} as const;

export interface LocalGatewayOptions {
  /** Gateway API port (default: a free port; `npm start` uses PORT or 8080). */
  readonly port?: number;
  readonly postbackPort?: number;
  readonly simulatorPort?: number;
  /** Keep DynamoDB data in this folder between runs (default: in memory). */
  readonly persistDir?: string;
  /** The Sinch account's throughput limit, enforced by the simulator and paced by the gateway (default 10). */
  readonly accountTps?: number;
  /** Concurrent send workers (parallel SQS pollers), like Lambda's maximum concurrency (default 2). */
  readonly sendWorkers?: number;
  /** The local team's API key (default `local-dev-key`, or MMS_LOCAL_API_KEY). */
  readonly apiKey?: string;
  /** Extra simulator options (faults, latency, postback behaviour). */
  readonly simulator?: SimulatorOptionsInput;
  /** Extra environment for the handlers (e.g. SEND_MAX_ATTEMPTS), applied after the defaults. */
  readonly env?: Record<string, string>;
  /** How often the sweep runs (default 1000 ms locally; every minute in AWS). 0 = only when `runSweep()` is called. */
  readonly sweepIntervalMs?: number;
  /** The postback token Sinch must give as `?token=` (a local Secrets Manager secret); default: none required. */
  readonly postbackToken?: string;
  /** Handler log level (default WARN; `npm start` uses INFO). */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
}

export interface LocalGateway {
  readonly apiUrl: string;
  readonly postbackUrl: string;
  readonly simulator: SinchSimulator;
  readonly apiKey: string;
  readonly tables: Record<keyof typeof TABLES, string>;
  readonly queues: { send: string; sendDlq: string; webhook: string; events: string };
  /** The local EventBridge Scheduler: what it fired, and `fireNow` to fire a schedule's next occurrence now. */
  readonly scheduler: SchedulerEndpoint;
  /** Sample media files on 127.0.0.1, the only media host the local runtime allows (local/media-sandbox.ts). */
  readonly media: MediaSandbox;
  readonly dynamoEndpoint: string;
  /** The local EventBridge (and Secrets Manager) endpoint: put `mms.send-requested` events here. */
  readonly eventsEndpoint: string;
  readonly sqsEndpoint: string;
  readonly db: DynamoDBDocumentClient;
  readonly sqs: SQSClient;
  readonly teams: DynamoTeams;
  /** Events put on the gateway's bus (the local EventBridge endpoint): 'event' for each. */
  readonly events: EventEmitter<{ event: [LocalEvent] }>;
  readonly putEvents: readonly LocalEvent[];
  /** Stops the send workers (messages wait in the queue) until `startSendWorkers`. */
  stopSendWorkers(): Promise<void>;
  startSendWorkers(): void;
  /** Stops the send workers (abandon: as if they crashed mid-batch) and starts them again. */
  restartSendWorkers(options?: { abandon?: boolean }): Promise<void>;
  /** Stops the status processor (the stream poller); `startStatusProcessor` starts it again where it stopped. */
  stopStatusProcessor(): Promise<void>;
  startStatusProcessor(): Promise<void>;
  /** Stops DynamoDB Local and starts it again on the same port with the same data (needs `persistDir`). */
  restartDynamoDb(): Promise<void>;
  /** Runs the sweep once, now. */
  runSweep(): Promise<unknown>;
  stop(): Promise<void>;
}

const PREFIX = 'mms-gateway-local';
const SECRET_ID = 'mms-gateway-local/sinch-api-key';
const SIMULATOR_KEY = 'local-sinch-account-key';
const POSTBACK_TOKEN_ID = 'mms-gateway-local/postback-token';

export async function startLocalGateway(options: LocalGatewayOptions = {}): Promise<LocalGateway> {
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    stops.length = 0;
  };
  try {
    const accountTps = options.accountTps ?? 10;
    let dynamoLocal = await startDynamoDbLocal({
      ...(options.persistDir ? { persistDir: options.persistDir } : {}),
    });
    stops.push(() => dynamoLocal.stop());
    const restartDynamoDb = async () => {
      if (!options.persistDir)
        throw new Error('restartDynamoDb needs persistDir: in memory, a restart loses the data');
      await dynamoLocal.stop();
      dynamoLocal = await startDynamoDbLocal({ port: dynamoLocal.port, persistDir: options.persistDir });
    };
    const sqsLocal = await startSqsLocal({});
    stops.push(() => sqsLocal.stop());
    const aws = await startAwsEndpoints({
      secrets: {
        [SECRET_ID]: SIMULATOR_KEY,
        ...(options.postbackToken ? { [POSTBACK_TOKEN_ID]: options.postbackToken } : {}),
      },
    });
    stops.push(() => aws.stop());

    const media = await startMediaSandbox();
    stops.push(() => media.stop());

    const postbackPort = options.postbackPort ?? (await freePort());
    const postbackUrl = `http://127.0.0.1:${postbackPort}/postbacks/mms`;
    const simulator = await startSinchSimulator({
      apiKey: SIMULATOR_KEY,
      tps: accountTps,
      // Sinch is given the postback URL with the token, as in a deployment.
      postbackUrl: options.postbackToken
        ? `${postbackUrl}?token=${encodeURIComponent(options.postbackToken)}`
        : postbackUrl,
      ...(options.simulatorPort ? { port: options.simulatorPort } : {}),
      ...options.simulator,
    });
    stops.push(() => simulator.stop());

    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    const region = 'us-east-1';
    const rawDynamo = new DynamoDBClient({ endpoint: dynamoLocal.endpoint, region, credentials });
    const db = DynamoDBDocumentClient.from(rawDynamo, { marshallOptions: { removeUndefinedValues: true } });
    const sqs = new SQSClient({ endpoint: sqsLocal.endpoint, region, credentials });
    stops.push(() => {
      rawDynamo.destroy();
      sqs.destroy();
      return Promise.resolve();
    });
    await createTables(rawDynamo, PREFIX);
    const queues = await createQueues(sqs, PREFIX);
    // The local EventBridge Scheduler: schedules persisted in DynamoDB Local, fired into their SQS targets.
    const queueUrlByArn = new Map(Object.values(queues).map((q) => [q.arn, q.url]));
    const schedulerEndpoint = await startSchedulerEndpoint({
      dynamo: { endpoint: dynamoLocal.endpoint }, // restartDynamoDb keeps the port, so this stays valid
      tableName: `${PREFIX}-schedules`,
      resolveTarget: (arn) => {
        const url = queueUrlByArn.get(arn);
        if (url === undefined) return undefined;
        return async (input, attributes) => {
          await sqs.send(
            new SendMessageCommand({
              QueueUrl: url,
              MessageBody: input,
              ...(attributes
                ? {
                    MessageAttributes: Object.fromEntries(
                      Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
                    ),
                  }
                : {}),
            }),
          );
        };
      },
    });
    stops.push(() => schedulerEndpoint.stop());

    const tables = Object.fromEntries(
      Object.values(TABLES).map((t) => [t.id, physicalName(PREFIX, t.id)]),
    ) as Record<keyof typeof TABLES, string>;

    Object.assign(process.env, {
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoLocal.endpoint,
      AWS_ENDPOINT_URL_SQS: sqsLocal.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: aws.endpoint,
      AWS_ENDPOINT_URL_SCHEDULER: schedulerEndpoint.endpoint,
      [SCHEDULER_ENV.scheduleGroupName]: 'mms-gateway-local',
      [SCHEDULER_ENV.schedulerTargetArn]: queues.send.arn,
      [SCHEDULER_ENV.schedulerRoleArn]: 'arn:aws:iam::000000000000:role/mms-gateway-local-scheduler',
      [SCHEDULER_ENV.schedulerDlqArn]: queues.sendDlq.arn,
      [RECURRING_ENV.recurringTargetArn]: queues.events.arn,
      [RECURRING_ENV.recurringDlqArn]: queues.eventsDlq.arn,
      POWERTOOLS_SERVICE_NAME: 'mms-gateway-local',
      POWERTOOLS_LOG_LEVEL: options.logLevel ?? 'WARN',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_DEV: 'false',
      [ENV.messagesTable]: tables.messages,
      [ENV.teamsTable]: tables.teams,
      [ENV.templatesTable]: tables.templates,
      [ENV.postbacksTable]: tables.postbacks,
      [ENV.controlTable]: tables.control,
      [ENV.recurringTable]: tables.recurring,
      [ENV.sendQueueUrl]: queues.send.url,
      [ENV.sendDlqUrl]: queues.sendDlq.url,
      [ENV.eventsQueueUrl]: queues.events.url,
      [ENV.sinchBaseUrl]: simulator.url,
      [ENV.sinchSecretId]: SECRET_ID,
      [ENV.sinchTimeoutMs]: '5000',
      [ENV.accountTps]: String(accountTps),
      [ENV.eventBusName]: 'mms-gateway-local',
      [ENV.authCacheSeconds]: '60',
      [ENV.webhookQueueUrl]: queues.webhook.url,
      [ENV.webhookAllowInsecureLocal]: 'true',
      [ENV.suppressionsTable]: tables.suppressions,
      [ENV.mediaCacheTable]: tables.media,
      // Off by default locally: examples and tests use https://example.com/… media, which a local run must never
      // fetch (tests talk to loopback only). Teams turn it on with `npm run teams -- settings <team> media-check=…`.
      [ENV.mediaCheckDefault]: 'off',
      [ENV.mediaLocalOrigins]: media.origin,
      ...(options.postbackToken ? { [ENV.postbackTokenSecretId]: POSTBACK_TOKEN_ID } : {}),
      ...options.env,
    });

    const teams = new DynamoTeams(db, tables.teams);
    const apiKey = options.apiKey ?? process.env.MMS_LOCAL_API_KEY ?? LOCAL_TEAM.apiKey;
    // A persisted database (npm start --persist) already has the team: keep it, make sure the key works.
    await teams.addTeam(LOCAL_TEAM, apiKey).catch(async (error: unknown) => {
      if (!(error instanceof TeamExistsError)) throw error;
      await teams.addKey(LOCAL_TEAM.id, apiKey);
    });

    const authorizer = (await import('../lambdas/handlers/authorizer')).handler;
    const ingest = (await import('../lambdas/handlers/ingest')).handler as unknown as ApiHandler;
    const query = (await import('../lambdas/handlers/query')).handler as unknown as ApiHandler;
    const send = (await import('../lambdas/handlers/send')).handler as unknown as (
      event: SQSEvent,
      context: Context,
    ) => Promise<SQSBatchResponse>;
    const postback = (await import('../lambdas/handlers/postback')).handler as unknown as ApiHandler;
    const statusProcessor = (await import('../lambdas/handlers/status-processor')).handler as unknown as (
      event: DynamoDBStreamEvent,
      context: Context,
    ) => Promise<DynamoDBBatchResponse>;
    const statusPublisher = (await import('../lambdas/handlers/status-publisher')).handler as unknown as (
      event: DynamoDBStreamEvent,
      context: Context,
    ) => Promise<DynamoDBBatchResponse>;
    const manage = (await import('../lambdas/handlers/manage')).handler as unknown as ApiHandler;
    const schedules = (await import('../lambdas/handlers/schedules')).handler as unknown as ApiHandler;
    const suppressions = (await import('../lambdas/handlers/suppressions')).handler as unknown as ApiHandler;
    const eventsWorker = (await import('../lambdas/handlers/events')).handler as unknown as (
      event: SQSEvent,
      context: Context,
    ) => Promise<SQSBatchResponse>;
    const webhook = (await import('../lambdas/handlers/webhook')).handler as unknown as (
      event: SQSEvent,
      context: Context,
    ) => Promise<SQSBatchResponse>;
    const team = (await import('../lambdas/handlers/team')).handler as unknown as ApiHandler;
    // The web console, built now into a temporary folder and served as in AWS (decision 0017).
    const consoleDir = await mkdtemp(join(tmpdir(), 'mms-console-'));
    stops.push(() => rm(consoleDir, { recursive: true, force: true }));
    await buildConsole(consoleDir);
    process.env.CONSOLE_ASSETS_DIR = consoleDir;
    const consoleHandler = (await import('../lambdas/handlers/console')).handler as unknown as ApiHandler;
    const sweepHandler = (await import('../lambdas/handlers/sweep')).handler as unknown as (
      event: unknown,
      context: Context,
    ) => Promise<unknown>;

    // Not API routes (no OpenAPI entry): the console's static files, public like the document.
    const consoleRoutes: Route[] = ['/console', '/console/{proxy+}'].map((resource) => ({
      method: 'GET',
      resource,
      handler: consoleHandler,
      authorize: false,
    }));
    const api = await startApiGateway({
      port: options.port ?? 0,
      routes: [...localRoutes({ ingest, query, manage, schedules, suppressions, team }), ...consoleRoutes],
      authorizer,
      gatewayResponses: localGatewayResponses(),
    });
    stops.push(() => api.stop());

    const startWorkers = () =>
      startSqsPoller({
        client: sqs,
        queueUrl: queues.send.url,
        queueArn: queues.send.arn,
        handler: send,
        batchSize: 10,
        concurrency: options.sendWorkers ?? 2,
        waitTimeSeconds: 1,
      });
    let workers = startWorkers();
    stops.push(() => workers.stop());

    // The separate postback API: no authorizer (in AWS the WAF IP allowlist is the gate).
    const postbackApi = await startApiGateway({
      port: postbackPort,
      routes: [{ method: 'POST', resource: '/postbacks/mms', handler: postback, authorize: false }],
    });
    stops.push(() => postbackApi.stop());

    // The status processor on the postbacks table's stream, with the deployed event source's failure policy.
    const checkpoints = new Map<string, string>();
    const startProcessor = () =>
      startStreamPoller({
        checkpoints,
        endpoint: dynamoLocal.endpoint,
        tableName: tables.postbacks,
        handler: statusProcessor,
        batchSize: 25,
        pollIntervalMs: 100,
        bisectOnError: true,
        maxRetries: 5,
        onFailure: (records) => {
          console.error(`status processor: ${records.length} record(s) sent to the on-failure destination`);
          return Promise.resolve();
        },
      });
    let processor: Awaited<ReturnType<typeof startStreamPoller>> | undefined = await startProcessor();
    stops.push(async () => {
      await processor?.stop();
    });

    // The status publisher (outbox) on the messages and templates tables' streams, as deployed.
    for (const tableName of [tables.messages, tables.templates]) {
      const outbox = await startStreamPoller({
        endpoint: dynamoLocal.endpoint,
        tableName,
        handler: statusPublisher,
        batchSize: 100,
        pollIntervalMs: 100,
        bisectOnError: true,
        maxRetries: 5,
        onFailure: (records) => {
          console.error(`status publisher: ${records.length} record(s) sent to the on-failure destination`);
          return Promise.resolve();
        },
      });
      stops.push(() => outbox.stop());
    }

    // Stand-ins for the EventBridge rules of the deployment: mms.status-changed → the webhook queue, and
    // mms.send-requested (the CDK rule's own pattern) → the events queue; each queue feeds its worker.
    const enqueue = (queueUrl: string, body: string) =>
      sqs
        .send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }))
        .catch((error: unknown) => console.error('local bus: event not delivered to its target', error));
    const toWebhookQueue = (event: LocalEvent) => {
      if (event.source !== EVENT_SOURCE || !WEBHOOK_EVENT_TYPES.includes(event.detailType)) return;
      void enqueue(queues.webhook.url, webhookQueueBody(event));
    };
    const toEventsQueue = (event: LocalEvent) => {
      if (!(SEND_REQUESTED_PATTERN['detail-type'] as readonly string[]).includes(event.detailType)) return;
      // The EventBridge event as an SQS target receives it.
      const body = {
        id: event.id,
        source: event.source,
        'detail-type': event.detailType,
        time: event.time,
        detail: event.detail,
      };
      void enqueue(queues.events.url, JSON.stringify(body));
    };
    aws.events.on('event', toWebhookQueue);
    aws.events.on('event', toEventsQueue);
    const eventWorkers = startSqsPoller({
      client: sqs,
      queueUrl: queues.events.url,
      queueArn: queues.events.arn,
      handler: eventsWorker,
      batchSize: 10,
      concurrency: 1,
      waitTimeSeconds: 1,
    });
    const webhookWorkers = startSqsPoller({
      client: sqs,
      queueUrl: queues.webhook.url,
      queueArn: queues.webhook.arn,
      handler: webhook,
      batchSize: 10,
      concurrency: 1,
      waitTimeSeconds: 1,
    });
    stops.push(async () => {
      aws.events.off('event', toWebhookQueue);
      aws.events.off('event', toEventsQueue);
      await webhookWorkers.stop();
      await eventWorkers.stop();
    });

    // A fresh context per run, as each Lambda invocation gets (its remaining time counts from the start).
    const runSweep = () =>
      sweepHandler({}, createLambdaContext({ functionName: 'local-sweep', timeoutMs: 60_000 }));
    const sweepIntervalMs = options.sweepIntervalMs ?? 1000;
    let sweeping = false;
    const sweepTimer =
      sweepIntervalMs > 0
        ? setInterval(() => {
            if (sweeping) return;
            sweeping = true;
            runSweep()
              .catch((error: unknown) => console.error('sweep failed', error))
              .finally(() => {
                sweeping = false;
              });
          }, sweepIntervalMs)
        : undefined;
    stops.push(() => {
      clearInterval(sweepTimer);
      return Promise.resolve();
    });

    return {
      apiUrl: api.url,
      postbackUrl,
      simulator,
      apiKey,
      tables,
      queues: {
        send: queues.send.url,
        sendDlq: queues.sendDlq.url,
        webhook: queues.webhook.url,
        events: queues.events.url,
      },
      scheduler: schedulerEndpoint,
      media,
      dynamoEndpoint: dynamoLocal.endpoint,
      eventsEndpoint: aws.endpoint,
      sqsEndpoint: sqsLocal.endpoint,
      db,
      sqs,
      teams,
      events: aws.events,
      putEvents: aws.putEvents,
      async stopStatusProcessor() {
        await processor?.stop();
        processor = undefined;
      },
      async startStatusProcessor() {
        processor ??= await startProcessor();
      },
      runSweep,
      restartDynamoDb,
      async stopSendWorkers() {
        await workers.stop();
      },
      startSendWorkers() {
        workers = startWorkers();
      },
      async restartSendWorkers(restart = {}) {
        await workers.stop(restart);
        workers = startWorkers();
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
