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
import { STATUS_CHANGED } from '../lambdas/domain/postbacks/parsing';
import { webhookQueueBody } from '../lambdas/domain/webhooks/webhooks';
import type {
  Context,
  DynamoDBBatchResponse,
  DynamoDBStreamEvent,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import type { EventEmitter } from 'node:events';
import { physicalName, SEND_REQUESTED_PATTERN, TABLES } from '../definitions/data-model';
import { ENV } from '../definitions/environment';
import { DynamoTeams } from '../lambdas/adapters/dynamo-teams';
import { startApiGateway } from './infra/api-gateway';
import { createLambdaContext } from './infra/lambda-context';
import { localGatewayResponses, localRoutes, type ApiHandler } from './infra/ingest-routes';
import { startAwsEndpoints, type LocalEvent } from './infra/aws-endpoints';
import { startDynamoDbLocal } from './infra/dynamodb-local';
import { freePort } from './infra/ports';
import { startSqsPoller } from './infra/sqs-poller';
import { startStreamPoller } from './infra/stream-poller';
import { startSchedulerEndpoint, type SchedulerEndpoint } from './infra/scheduler-endpoint';
import { RECURRING_ENV, SCHEDULER_ENV } from '../definitions/environment';
import { createQueues, startSqsLocal, type LocalQueue, type QueueKey } from './infra/sqs-local';
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
const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

type Stops = Array<() => Promise<void>>;
type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
type Queues = Record<QueueKey, LocalQueue>;

/**
 * Starts everything in order (storage, queues and AWS endpoints, the Sinch simulator, the handlers' environment,
 * the API front ends, the pollers, the sweep); on a failure, stops what was started. Longer than 80 lines on
 * purpose: it is the table of contents of the local gateway, each line a named step or the value it returns.
 */
export async function startLocalGateway(options: LocalGatewayOptions = {}): Promise<LocalGateway> {
  const stops: Stops = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    stops.length = 0;
  };
  try {
    const accountTps = options.accountTps ?? 10;
    const storage = await startStorage(options, stops);
    const { dynamoLocal, sqsLocal, aws, rawDynamo, db, sqs } = storage;
    const postbackPort = options.postbackPort ?? (await freePort());
    const postbackUrl = `http://127.0.0.1:${postbackPort}/postbacks/mms`;
    const simulator = await startSinchSimulator({
      apiKey: SIMULATOR_KEY,
      tps: accountTps,
      postbackUrl,
      ...(options.simulatorPort ? { port: options.simulatorPort } : {}),
      ...options.simulator,
    });
    stops.push(() => simulator.stop());

    await createTables(rawDynamo, PREFIX);
    const queues = await createQueues(sqs, PREFIX);
    const schedulerEndpoint = await startLocalScheduler(dynamoLocal().endpoint, sqs, queues, stops);
    const tables = Object.fromEntries(
      Object.values(TABLES).map((t) => [t.id, physicalName(PREFIX, t.id)]),
    ) as Record<keyof typeof TABLES, string>;
    Object.assign(process.env, {
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoLocal().endpoint,
      AWS_ENDPOINT_URL_SQS: sqsLocal.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: aws.endpoint,
      AWS_ENDPOINT_URL_SCHEDULER: schedulerEndpoint.endpoint,
      ...handlerEnvironment({ tables, queues, sinchUrl: simulator.url, accountTps, options }),
      ...options.env,
    });

    const teams = new DynamoTeams(db, tables.teams);
    const apiKey = options.apiKey ?? process.env.MMS_LOCAL_API_KEY ?? LOCAL_TEAM.apiKey;
    await teams.addTeam(LOCAL_TEAM, apiKey);

    const handlers = await loadHandlers();
    const api = await startApiGateway({
      port: options.port ?? 0,
      routes: localRoutes(handlers),
      authorizer: handlers.authorizer,
      gatewayResponses: localGatewayResponses(),
    });
    stops.push(() => api.stop());
    // The separate postback API: no authorizer (in AWS the WAF IP allowlist is the gate).
    const postbackApi = await startApiGateway({
      port: postbackPort,
      routes: [{ method: 'POST', resource: '/postbacks/mms', handler: handlers.postback, authorize: false }],
    });
    stops.push(() => postbackApi.stop());

    const pollers = await startPollers({ options, storage, queues, tables, handlers }, stops);
    const runSweep = startSweep(handlers.sweep, options.sweepIntervalMs ?? 1000, stops);

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
      dynamoEndpoint: dynamoLocal().endpoint,
      eventsEndpoint: aws.endpoint,
      sqsEndpoint: sqsLocal.endpoint,
      db,
      sqs,
      teams,
      events: aws.events,
      putEvents: aws.putEvents,
      ...pollers,
      runSweep,
      restartDynamoDb: storage.restartDynamoDb,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** DynamoDB Local, the SQS emulator, the Secrets Manager / EventBridge endpoints, and SDK clients for them. */
async function startStorage(options: LocalGatewayOptions, stops: Stops) {
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
  const aws = await startAwsEndpoints({ secrets: { [SECRET_ID]: SIMULATOR_KEY } });
  stops.push(() => aws.stop());

  const rawDynamo = new DynamoDBClient({
    endpoint: dynamoLocal.endpoint,
    region: REGION,
    credentials: CREDENTIALS,
  });
  const db = DynamoDBDocumentClient.from(rawDynamo, { marshallOptions: { removeUndefinedValues: true } });
  const sqs = new SQSClient({ endpoint: sqsLocal.endpoint, region: REGION, credentials: CREDENTIALS });
  stops.push(() => {
    rawDynamo.destroy();
    sqs.destroy();
    return Promise.resolve();
  });
  // restartDynamoDb keeps the port, so the endpoint stays valid.
  return { dynamoLocal: () => dynamoLocal, restartDynamoDb, sqsLocal, aws, rawDynamo, db, sqs };
}

type Storage = Awaited<ReturnType<typeof startStorage>>;

/** The local EventBridge Scheduler: schedules persisted in DynamoDB Local, fired into their SQS targets. */
async function startLocalScheduler(
  dynamoEndpoint: string,
  sqs: SQSClient,
  queues: Queues,
  stops: Stops,
): Promise<SchedulerEndpoint> {
  const queueUrlByArn = new Map(Object.values(queues).map((q) => [q.arn, q.url]));
  const endpoint = await startSchedulerEndpoint({
    dynamo: { endpoint: dynamoEndpoint },
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
  stops.push(() => endpoint.stop());
  return endpoint;
}

/** The handlers' environment, as the stacks set it (names from definitions/environment.ts). */
function handlerEnvironment(opts: {
  tables: Record<keyof typeof TABLES, string>;
  queues: Queues;
  sinchUrl: string;
  accountTps: number;
  options: LocalGatewayOptions;
}): Record<string, string> {
  const { tables, queues } = opts;
  return {
    [SCHEDULER_ENV.scheduleGroupName]: 'mms-gateway-local',
    [SCHEDULER_ENV.schedulerTargetArn]: queues.send.arn,
    [SCHEDULER_ENV.schedulerRoleArn]: 'arn:aws:iam::000000000000:role/mms-gateway-local-scheduler',
    [SCHEDULER_ENV.schedulerDlqArn]: queues.sendDlq.arn,
    [RECURRING_ENV.recurringTargetArn]: queues.events.arn,
    [RECURRING_ENV.recurringDlqArn]: queues.eventsDlq.arn,
    POWERTOOLS_SERVICE_NAME: 'mms-gateway-local',
    POWERTOOLS_LOG_LEVEL: opts.options.logLevel ?? 'WARN',
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
    [ENV.sinchBaseUrl]: opts.sinchUrl,
    [ENV.sinchSecretId]: SECRET_ID,
    [ENV.sinchTimeoutMs]: '5000',
    [ENV.accountTps]: String(opts.accountTps),
    [ENV.eventBusName]: 'mms-gateway-local',
    [ENV.authCacheSeconds]: '60',
    [ENV.webhookQueueUrl]: queues.webhook.url,
    [ENV.webhookAllowInsecureLocal]: 'true',
  };
}

/** The deployed handler modules, imported after the environment is set (they read it at import, as in Lambda). */
async function loadHandlers() {
  return {
    authorizer: (await import('../lambdas/handlers/authorizer')).handler,
    ingest: (await import('../lambdas/handlers/ingest')).handler as unknown as ApiHandler,
    query: (await import('../lambdas/handlers/query')).handler as unknown as ApiHandler,
    manage: (await import('../lambdas/handlers/manage')).handler as unknown as ApiHandler,
    schedules: (await import('../lambdas/handlers/schedules')).handler as unknown as ApiHandler,
    postback: (await import('../lambdas/handlers/postback')).handler as unknown as ApiHandler,
    send: (await import('../lambdas/handlers/send')).handler as unknown as SqsHandler,
    events: (await import('../lambdas/handlers/events')).handler as unknown as SqsHandler,
    webhook: (await import('../lambdas/handlers/webhook')).handler as unknown as SqsHandler,
    statusProcessor: (await import('../lambdas/handlers/status-processor')).handler as unknown as (
      event: DynamoDBStreamEvent,
      context: Context,
    ) => Promise<DynamoDBBatchResponse>,
    sweep: (await import('../lambdas/handlers/sweep')).handler as unknown as (
      event: unknown,
      context: Context,
    ) => Promise<unknown>,
  };
}

type Handlers = Awaited<ReturnType<typeof loadHandlers>>;

/**
 * The event sources of the deployment: the send workers on the send queue, the status processor on the
 * postbacks stream, stand-ins for the two EventBridge rules, and the events and webhook workers. Longer than 80
 * lines: the four pollers and the two rules share the queues, the stop list and the restart handles returned.
 */
async function startPollers(
  ctx: {
    options: LocalGatewayOptions;
    storage: Storage;
    queues: Queues;
    tables: Record<keyof typeof TABLES, string>;
    handlers: Handlers;
  },
  stops: Stops,
): Promise<Pick<LocalGateway, 'restartSendWorkers' | 'stopStatusProcessor' | 'startStatusProcessor'>> {
  const { options, storage, queues, tables, handlers } = ctx;
  const { sqs, aws } = storage;
  const sqsPoller = (queue: { url: string; arn: string }, handler: SqsHandler, concurrency: number) =>
    startSqsPoller({
      client: sqs,
      queueUrl: queue.url,
      queueArn: queue.arn,
      handler,
      batchSize: 10,
      concurrency,
      waitTimeSeconds: 1,
    });
  const startWorkers = () => sqsPoller(queues.send, handlers.send, options.sendWorkers ?? 2);
  let workers = startWorkers();
  stops.push(() => workers.stop());

  // The status processor on the postbacks table's stream, with the deployed event source's failure policy.
  const checkpoints = new Map<string, string>();
  const startProcessor = () =>
    startStreamPoller({
      checkpoints,
      endpoint: storage.dynamoLocal().endpoint,
      tableName: tables.postbacks,
      handler: handlers.statusProcessor,
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

  // Stand-ins for the EventBridge rules of the deployment: mms.status-changed → the webhook queue, and
  // mms.send-requested (the CDK rule's own pattern) → the events queue; each queue feeds its worker.
  const enqueue = (queueUrl: string, body: string) =>
    sqs
      .send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }))
      .catch((error: unknown) => console.error('local bus: event not delivered to its target', error));
  const toWebhookQueue = (event: LocalEvent) => {
    if (event.source !== EVENT_SOURCE || event.detailType !== STATUS_CHANGED) return;
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
  const eventWorkers = sqsPoller(queues.events, handlers.events, 1);
  const webhookWorkers = sqsPoller(queues.webhook, handlers.webhook, 1);
  stops.push(async () => {
    aws.events.off('event', toWebhookQueue);
    aws.events.off('event', toEventsQueue);
    await webhookWorkers.stop();
    await eventWorkers.stop();
  });

  return {
    async stopStatusProcessor() {
      await processor?.stop();
      processor = undefined;
    },
    async startStatusProcessor() {
      processor ??= await startProcessor();
    },
    async restartSendWorkers(restart = {}) {
      await workers.stop(restart);
      workers = startWorkers();
    },
  };
}

/** The sweep every `intervalMs` (0: only when called); returns the function that runs it once, now. */
function startSweep(sweep: Handlers['sweep'], intervalMs: number, stops: Stops): () => Promise<unknown> {
  // A fresh context per run, as each Lambda invocation gets (its remaining time counts from the start).
  const runSweep = () => sweep({}, createLambdaContext({ functionName: 'local-sweep', timeoutMs: 60_000 }));
  let sweeping = false;
  const timer =
    intervalMs > 0
      ? setInterval(() => {
          if (sweeping) return;
          sweeping = true;
          runSweep()
            .catch((error: unknown) => console.error('sweep failed', error))
            .finally(() => {
              sweeping = false;
            });
        }, intervalMs)
      : undefined;
  stops.push(() => {
    clearInterval(timer);
    return Promise.resolve();
  });
  return runSweep;
}
