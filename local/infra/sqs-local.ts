import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';
import { QUEUES, physicalName, type QueueDefinition } from '../../definitions/data-model';

/**
 * The part of the Fastify instance `buildApp()` returns that we use. fauxqs 2.4.1's declaration of that
 * return type does not resolve (it names a `Fastify` namespace it never imports), so it is typed here.
 */
interface FastifyLike {
  listen(opts: { port: number; host: string }): Promise<string>;
  close(): Promise<void>;
  readonly server: Server;
}

export interface SqsLocal {
  /** e.g. `http://127.0.0.1:41234` */
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * fauxqs (an SQS/SNS/S3 emulator written in Node) in this process, listening on 127.0.0.1 only. We build the
 * app ourselves instead of calling `startFauxqs()`, which always binds 0.0.0.0. State is in memory.
 */
export async function startSqsLocal(opts: { port?: number } = {}): Promise<SqsLocal> {
  const app = buildApp({ logger: false }) as unknown as FastifyLike;
  await app.listen({ port: opts.port ?? 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    // fauxqs builds the app with forceCloseConnections, so pending long polls do not hold close() up.
    stop: () => app.close(),
  };
}

export interface LocalQueue {
  /** A queue URL on the client's endpoint, e.g. `http://127.0.0.1:41234/000000000000/mms-gateway-local-send`. */
  url: string;
  arn: string;
}

export type QueueKey = keyof typeof QUEUES;

/**
 * Creates the queues of `definitions/data-model.ts` (the same definitions the CDK stack deploys), each dead-letter
 * queue before the queues that redrive to it. Idempotent as CreateQueue is (same attributes → same queue).
 * Returns the URL and ARN of each queue under the key it has in `defs`.
 *
 * The URLs fauxqs hands out look like `http://sqs.us-east-1.localhost:<port>/...`; `*.localhost` does not
 * resolve on every machine, and the SQS SDK sends to the QueueUrl's host unless the client has an explicit
 * `endpoint` (AWS_ENDPOINT_URL_SQS is not enough). So the returned URLs use the client's endpoint instead;
 * fauxqs finds a queue by the last path segment, whatever the host.
 */
export function createQueues(client: SQSClient, prefix: string): Promise<Record<QueueKey, LocalQueue>>;
export function createQueues<K extends string>(
  client: SQSClient,
  prefix: string,
  defs: Readonly<Record<K, QueueDefinition>>,
): Promise<Record<K, LocalQueue>>;
export async function createQueues(
  client: SQSClient,
  prefix: string,
  defs: Readonly<Record<string, QueueDefinition>> = QUEUES,
): Promise<Record<string, LocalQueue>> {
  const endpoint = await clientEndpoint(client);
  const byId = new Map(Object.values(defs).map((def) => [def.id, def]));
  const created = new Map<string, LocalQueue>();

  const ensure = async (def: QueueDefinition, chain: readonly string[]): Promise<LocalQueue> => {
    const done = created.get(def.id);
    if (done !== undefined) return done;
    if (chain.includes(def.id)) throw new Error(`Dead-letter queue cycle: ${[...chain, def.id].join(' → ')}`);
    const attributes: Record<string, string> = {
      VisibilityTimeout: String(def.visibilityTimeoutSeconds),
      MessageRetentionPeriod: String(def.retentionSeconds),
    };
    if (def.deadLetterQueueId !== undefined) {
      const dlqDef = byId.get(def.deadLetterQueueId);
      if (dlqDef === undefined)
        throw new Error(`Queue ${def.id}: unknown dead-letter queue ${def.deadLetterQueueId}`);
      if (def.maxReceiveCount === undefined)
        throw new Error(`Queue ${def.id}: a dead-letter queue needs maxReceiveCount`);
      const dlq = await ensure(dlqDef, [...chain, def.id]);
      attributes.RedrivePolicy = JSON.stringify({
        deadLetterTargetArn: dlq.arn,
        maxReceiveCount: def.maxReceiveCount,
      });
    }
    const { QueueUrl } = await client.send(
      new CreateQueueCommand({ QueueName: physicalName(prefix, def.id), Attributes: attributes }),
    );
    if (QueueUrl === undefined) throw new Error(`CreateQueue ${def.id} returned no QueueUrl`);
    const url = endpoint === undefined ? QueueUrl : `${endpoint}${new URL(QueueUrl).pathname}`;
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
    );
    const arn = Attributes?.QueueArn;
    if (arn === undefined) throw new Error(`GetQueueAttributes ${def.id} returned no QueueArn`);
    const queue = { url, arn };
    created.set(def.id, queue);
    return queue;
  };

  const result: Record<string, LocalQueue> = {};
  for (const [key, def] of Object.entries(defs)) result[key] = await ensure(def, []);
  return result;
}

/** The origin of the client's explicitly configured endpoint (`http://127.0.0.1:1234`), if it has one. */
async function clientEndpoint(client: SQSClient): Promise<string | undefined> {
  const provider = client.config.endpoint;
  if (provider === undefined) return undefined;
  const { protocol, hostname, port } = await provider();
  const host = hostname.includes(':') ? `[${hostname}]` : hostname;
  return `${protocol}//${host}${port === undefined ? '' : `:${port}`}`;
}
