/**
 * Host: one local gateway (`startLocalGateway`: DynamoDB Local, fauxqs, the handlers, the Sinch simulator) in this
 * process, with a benchmark team whose limits never get in the way. The benchmark drives it over HTTP like any
 * client and asks this host for what only the process knows (simulator log, status events).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { startLocalGateway, type LocalGatewayOptions } from '../../local/runtime';
import { startSqsPoller, type SqsPoller } from '../../local/infra/sqs-poller';
import { dynamo } from '../../lambdas/adapters/aws-clients';
import type { SimulatorOptionsInput } from '../../local/sinch-simulator/index';
import { TERMINAL_STATES } from '../../lambdas/domain/messages/state-machine';
import type { HostApi } from '../lib/host-protocol';
import { serveHost } from '../lib/serve-host';

export interface GatewayHostOptions {
  readonly accountTps: number;
  readonly sendWorkers: number;
  /**
   * Start without send workers; `startSendWorkers()` starts `sendWorkers` of them later, wired exactly as
   * local/runtime.ts wires its own (the same send handler module, the same poller and settings). Lets a benchmark
   * fill the queue through the API first and then measure sending alone.
   */
  readonly holdSendWorkers?: boolean;
  readonly simulator?: SimulatorOptionsInput;
  readonly env?: Record<string, string>;
}

export interface GatewayInfo {
  readonly apiUrl: string;
  readonly postbackUrl: string;
  /** The benchmark team's key (100 000 requests/s, 10^8 a day). */
  readonly apiKey: string;
  readonly dynamoEndpoint: string;
  readonly tables: { readonly messages: string; readonly postbacks: string };
}

/** One simulator request as [arrival epoch ms, outcome, error code or '']. */
export type LoggedRequest = [number, string, string];

export interface HostStats {
  readonly total: number;
  readonly accepted: number;
  readonly e113: number;
  readonly maxPerSecond: number;
  readonly postbacksSent: number;
  readonly postbacksDelivered: number;
  /** Messages that reached a terminal state (from the gateway's status events). */
  readonly terminal: number;
}

const BENCH_TEAM = {
  id: 'bench',
  allowedSenders: ['15550001000'],
  perSecond: 100_000,
  perDay: 100_000_000,
} as const;
const BENCH_KEY = 'bench-team-key';

const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_STATES);

/** How busy this process was since the send workers started (or since start). */
export interface ProcessLoad {
  /** Event-loop delay percentiles, ms: how late a timer (a worker's wake-up for its slot) fires. */
  readonly eventLoopDelayMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /** CPU time of this process ÷ wall time (1 = one core busy). */
  readonly cpuCores: number;
}

/** DynamoDB calls of the handlers by operation (failed conditional writes counted separately). */
export interface DynamoCalls {
  readonly total: number;
  /** Calls by `Operation table` (e.g. `PutItem control`). */
  readonly byOperation: Record<string, number>;
  /** Failed conditional writes by `Operation table`. */
  readonly failedByOperation: Record<string, number>;
  readonly conditionalCheckFailed: number;
}

/**
 * Counts the handlers' DynamoDB calls: they all share the module-scope client of lambdas/adapters/aws-clients.ts
 * (one per Lambda container in AWS, one per process here), so a middleware on it sees every call they make.
 */
function countDynamoCalls(tablePrefix: string) {
  let byOperation: Record<string, number> = {};
  let failedByOperation: Record<string, number> = {};
  let conditionalCheckFailed = 0;
  dynamo().middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { TableName?: unknown };
      const table = typeof input.TableName === 'string' ? input.TableName.replace(tablePrefix, '') : '';
      const name = `${(context.commandName ?? 'unknown').replace(/Command$/, '')}${table ? ` ${table}` : ''}`;
      byOperation[name] = (byOperation[name] ?? 0) + 1;
      try {
        return await next(args);
      } catch (error) {
        if (error instanceof Error && error.name === 'ConditionalCheckFailedException') {
          conditionalCheckFailed += 1;
          failedByOperation[name] = (failedByOperation[name] ?? 0) + 1;
        }
        throw error;
      }
    },
    { step: 'initialize', name: 'benchCountDynamoCalls' },
  );
  return {
    read: (): DynamoCalls => ({
      total: Object.values(byOperation).reduce((a, b) => a + b, 0),
      byOperation: { ...byOperation },
      failedByOperation: { ...failedByOperation },
      conditionalCheckFailed,
    }),
    reset: (): null => {
      byOperation = {};
      failedByOperation = {};
      conditionalCheckFailed = 0;
      return null;
    },
  };
}

async function start(options: GatewayHostOptions) {
  const gatewayOptions: LocalGatewayOptions = {
    accountTps: options.accountTps,
    sendWorkers: options.holdSendWorkers ? 0 : options.sendWorkers,
    // The sweep is a once-a-minute job in AWS; locally it would run every second and compete for the CPU.
    sweepIntervalMs: 0,
    logLevel: 'ERROR',
    simulator: { requestLogLimit: 500_000, ...options.simulator },
    ...(options.env ? { env: options.env } : {}),
  };
  const gw = await startLocalGateway(gatewayOptions);
  const apiKey = await gw.teams.addTeam(BENCH_TEAM, BENCH_KEY);
  const RESOLUTION_MS = 10;
  const loopDelay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  loopDelay.enable();
  let cpuFrom = process.cpuUsage();
  let wallFrom = performance.now();
  const resetLoad = () => {
    loopDelay.reset();
    cpuFrom = process.cpuUsage();
    wallFrom = performance.now();
  };
  const processLoad = (): ProcessLoad => {
    const cpu = process.cpuUsage(cpuFrom);
    // The histogram holds the whole timer period; what is late is the part beyond the resolution.
    const ms = (ns: number) => Math.max(0, Math.round((ns / 1e6 - RESOLUTION_MS) * 100) / 100);
    return {
      eventLoopDelayMs: {
        p50: ms(loopDelay.percentile(50)),
        p99: ms(loopDelay.percentile(99)),
        max: ms(loopDelay.max),
      },
      cpuCores: Math.round(((cpu.user + cpu.system) / 1000 / (performance.now() - wallFrom)) * 100) / 100,
    };
  };
  const dynamoCalls = countDynamoCalls(gw.tables.messages.replace(/messages$/, ''));

  const terminalAt = new Map<string, number>();
  gw.events.on('event', (event) => {
    const detail = event.detail as Record<string, unknown> | null;
    const state = detail?.['new-state'];
    const id = detail?.['tracking-id'];
    if (typeof state === 'string' && typeof id === 'string' && TERMINAL.has(state) && !terminalAt.has(id)) {
      terminalAt.set(id, Date.now());
    }
  });

  let heldWorkers: SqsPoller | undefined;
  const startSendWorkers = async (): Promise<null> => {
    if (heldWorkers) throw new Error('send workers already started');
    // The module the runtime imported (same URL, so the same instance and configuration).
    const send = (await import('../../lambdas/handlers/send')).handler as unknown as (
      event: SQSEvent,
      context: Context,
    ) => Promise<SQSBatchResponse>;
    const { Attributes } = await gw.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: gw.queues.send, AttributeNames: ['QueueArn'] }),
    );
    resetLoad();
    heldWorkers = startSqsPoller({
      client: gw.sqs,
      queueUrl: gw.queues.send,
      queueArn: Attributes?.QueueArn ?? 'arn:aws:sqs:us-east-1:000000000000:send',
      handler: send,
      batchSize: 10,
      concurrency: options.sendWorkers,
      waitTimeSeconds: 1,
    });
    return null;
  };

  const info: GatewayInfo = {
    apiUrl: gw.apiUrl,
    postbackUrl: gw.postbackUrl,
    apiKey,
    dynamoEndpoint: gw.dynamoEndpoint,
    tables: { messages: gw.tables.messages, postbacks: gw.tables.postbacks },
  };
  const methods = {
    stats: (): HostStats => {
      const s = gw.simulator.stats();
      return {
        total: s.total,
        accepted: s.accepted,
        e113: s.e113,
        maxPerSecond: s.maxPerSecond,
        postbacksSent: s.postbacks.sent,
        postbacksDelivered: s.postbacks.delivered,
        terminal: terminalAt.size,
      };
    },
    /** Every send request the simulator received (sendmms and sendsavedmms). */
    requestLog: (): LoggedRequest[] =>
      gw.simulator
        .requests()
        .filter((r) => r.action === 'sendmms' || r.action === 'sendsavedmms')
        .map((r) => [r.time, r.outcome, r.errorCode ?? '']),
    /** Sinch tracking-id, to and from of every accepted send: what a real postback refers to. */
    acceptedSends: () =>
      gw.simulator
        .requests()
        .filter((r) => r.outcome === 'accepted' && r.trackingId !== undefined)
        .map((r) => {
          const body = r.body as Record<string, unknown>;
          return { trackingId: r.trackingId ?? '', to: String(body.to), from: String(body.from) };
        }),
    terminalTimes: (): number[] => [...terminalAt.values()].sort((a, b) => a - b),
    startSendWorkers,
    processLoad,
    dynamoCalls: dynamoCalls.read,
    resetDynamoCalls: dynamoCalls.reset,
    resetSimulator: (): null => {
      gw.simulator.resetStats();
      return null;
    },
  };
  return {
    info,
    methods,
    stop: async () => {
      loopDelay.disable();
      await heldWorkers?.stop({ abandon: true });
      await gw.stop();
    },
  };
}

export type GatewayHost = HostApi<GatewayInfo, Awaited<ReturnType<typeof start>>['methods']>;

serveHost(start);
