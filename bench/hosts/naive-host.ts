/**
 * Host: the naive design (bench/pacing/naive-sender.ts) on the same emulators as the gateway: fauxqs for SQS,
 * the local Lambda SQS poller with N concurrent workers, and the Sinch simulator with the same limit and latency.
 * The benchmark puts the Sinch bodies on the queue itself.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { SinchHttpClient } from '../../lambdas/adapters/sinch-client';
import { startSqsPoller, type SqsPoller } from '../../local/infra/sqs-poller';
import { createQueues, startSqsLocal } from '../../local/infra/sqs-local';
import { startSinchSimulator, type SimulatorOptionsInput } from '../../local/sinch-simulator/index';
import type { HostApi } from '../lib/host-protocol';
import { serveHost } from '../lib/serve-host';
import { naiveSendHandler, type NaiveCounters } from '../pacing/naive-sender';
import type { HostStats, LoggedRequest } from './gateway-host';

export interface NaiveHostOptions {
  readonly accountTps: number;
  readonly workers: number;
  readonly retryDelaySeconds: number;
  readonly simulator?: SimulatorOptionsInput;
}

export interface NaiveInfo {
  readonly sqsEndpoint: string;
  readonly queueUrl: string;
}

const SINCH_KEY = 'naive-sinch-key';

async function start(options: NaiveHostOptions) {
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    const simulator = await startSinchSimulator({
      apiKey: SINCH_KEY,
      tps: options.accountTps,
      requestLogLimit: 500_000,
      ...options.simulator,
      postbackUrl: null,
    });
    stops.push(() => simulator.stop());
    const sqsLocal = await startSqsLocal();
    stops.push(() => sqsLocal.stop());
    const sqs = new SQSClient({
      endpoint: sqsLocal.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    stops.push(() => Promise.resolve(sqs.destroy()));
    const { queue } = await createQueues(sqs, 'naive', {
      queue: { id: 'send', visibilityTimeoutSeconds: 180, retentionSeconds: 3600 },
    });

    const sinch = new SinchHttpClient({ baseUrl: simulator.url, timeoutMs: 5000 });
    stops.push(() => Promise.resolve(sinch.close()));
    const counters: NaiveCounters = { accepted: 0, requeued: 0, failed: 0 };
    const handler = naiveSendHandler(
      { sinch, apiKey: SINCH_KEY, sqs, queueUrl: queue.url, retryDelaySeconds: options.retryDelaySeconds },
      counters,
    );
    // Started on request, once the benchmark has filled the queue.
    let poller: SqsPoller | undefined;
    stops.push(async () => poller?.stop({ abandon: true }));

    const info: NaiveInfo = { sqsEndpoint: sqsLocal.endpoint, queueUrl: queue.url };
    const methods = {
      stats: (): HostStats & { readonly requeued: number } => {
        const s = simulator.stats();
        return {
          total: s.total,
          accepted: s.accepted,
          e113: s.e113,
          maxPerSecond: s.maxPerSecond,
          postbacksSent: 0,
          postbacksDelivered: 0,
          terminal: 0,
          requeued: counters.requeued,
        };
      },
      startWorkers: (): null => {
        poller ??= startSqsPoller({
          client: sqs,
          queueUrl: queue.url,
          queueArn: queue.arn,
          handler,
          batchSize: 10,
          concurrency: options.workers,
          waitTimeSeconds: 1,
        });
        return null;
      },
      requestLog: (): LoggedRequest[] =>
        simulator
          .requests()
          .filter((r) => r.action === 'sendmms' || r.action === 'sendsavedmms')
          .map((r) => [r.time, r.outcome, r.errorCode ?? '']),
    };
    return { info, methods, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

export type NaiveHost = HostApi<NaiveInfo, Awaited<ReturnType<typeof start>>['methods']>;

serveHost(start);
