import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ResourceNotFoundException,
  TrimmedDataAccessException,
  type _Record as SdkRecord,
  type AttributeValue as SdkAttributeValue,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type {
  AttributeValue,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  StreamRecord,
} from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLambdaContext } from './lambda-context';
import type { LambdaHandler } from './api-gateway';
import { withTimeout } from './timeout';

/**
 * The local stand-in for a Lambda DynamoDB stream event source mapping, reading DynamoDB Local's stream.
 *
 * - Every shard is read in order, one batch in flight per shard; a child shard starts once its parent is
 *   drained. New shards are picked up as they appear; an expired iterator is renewed after the last
 *   delivered record.
 * - `batchItemFailures` (itemIdentifier = the record's SequenceNumber) checkpoints before the earliest
 *   failed record and retries from there; a throw (or timeout, or an unknown identifier) retries the
 *   whole batch.
 * - With `bisectOnError` a failing batch is split in two and each half retried on its own (splitting does
 *   not use up retries), so a poison record ends up alone.
 * - After `maxRetries` retries the failing records go to `onFailure` and the shard moves on.
 *
 * Defaults are Lambda's: batch size 100, no bisecting, retries forever (a poison record then blocks its
 * shard, as it does in AWS until the record ages out). Set them as the deployed event source does.
 * Checkpoints live in memory: a new poller starts again from `startingPosition`, unless it is given the
 * `checkpoints` map of an earlier poller, in which case it resumes where that one stopped (as Lambda's event
 * source mapping does when a function is redeployed).
 */
export interface StreamPollerOptions {
  /** DynamoDB Local's endpoint. */
  endpoint: string;
  tableName: string;
  handler: LambdaHandler<DynamoDBStreamEvent, DynamoDBBatchResponse | void>;
  /** Records per GetRecords and per batch (1–1000). Default 100. */
  batchSize?: number;
  /** Wait between polls of a shard that had nothing new. Default 200 ms. */
  pollIntervalMs?: number;
  /** Where shards that exist at start are read from (shards found later: from their start). */
  startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  bisectOnError?: boolean;
  /** Retries of a failing batch before onFailure; default Infinity. */
  maxRetries?: number;
  /** Pause before a retry. Default 100 ms. */
  retryDelayMs?: number;
  /** Gets the records given up on after maxRetries. */
  onFailure?: (records: DynamoDBRecord[]) => Promise<void>;
  /** How often the shard list is refreshed. Default 1 s. */
  shardRefreshMs?: number;
  /** For `context.functionName`. */
  functionName?: string;
  /** The Lambda's timeout: a batch that takes longer counts as failed. Default 30 s. */
  timeoutSeconds?: number;
  region?: string;
  /** Handler and stream errors; default console.error. */
  onError?: (error: unknown) => void;
  /** Shard id → last processed sequence number; shared between pollers to resume after a restart. */
  checkpoints?: Map<string, string>;
}

export interface StreamPoller {
  streamArn: string;
  /** Stops polling after the batches in flight (retries are abandoned). */
  stop(): Promise<void>;
}

interface ShardState {
  shardId: string;
  parentShardId: string | undefined;
  /** Where to start when there is no checkpoint yet. */
  initialPosition: 'TRIM_HORIZON' | 'LATEST';
  /** An iterator taken at discovery (LATEST must be pinned when the poller starts, not when the loop runs). */
  iterator: string | undefined;
  lastSequenceNumber: string | undefined;
  started: boolean;
  done: boolean;
}

const ERROR_BACKOFF_MS = 1_000;

export async function startStreamPoller(opts: StreamPollerOptions): Promise<StreamPoller> {
  const batchSize = opts.batchSize ?? 100;
  const pollIntervalMs = opts.pollIntervalMs ?? 200;
  const maxRetries = opts.maxRetries ?? Infinity;
  const retryDelayMs = opts.retryDelayMs ?? 100;
  const shardRefreshMs = opts.shardRefreshMs ?? 1_000;
  const timeoutMs = (opts.timeoutSeconds ?? 30) * 1000;
  const functionName = opts.functionName ?? `local-stream-${opts.tableName}`;
  const onError = opts.onError ?? ((error: unknown) => console.error('[local stream-poller]', error));
  const clientConfig = {
    endpoint: opts.endpoint,
    region: opts.region ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
  const ddb = new DynamoDBClient(clientConfig);
  const streams = new DynamoDBStreamsClient(clientConfig);

  const { Table } = await ddb.send(new DescribeTableCommand({ TableName: opts.tableName }));
  ddb.destroy();
  const streamArn = Table?.LatestStreamArn;
  if (streamArn === undefined || Table?.StreamSpecification?.StreamEnabled !== true) {
    streams.destroy();
    throw new Error(`Table ${opts.tableName} has no stream enabled`);
  }

  let stopping = false;
  const abort = new AbortController();
  const pause = (ms: number): Promise<void> =>
    sleep(ms, undefined, { signal: abort.signal }).catch(() => undefined);
  const shards = new Map<string, ShardState>();
  const loops = new Set<Promise<void>>();

  const listShards = async (): Promise<Shard[]> => {
    const all: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: exclusiveStartShardId }),
      );
      all.push(...(StreamDescription?.Shards ?? []));
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId !== undefined);
    return all;
  };

  const iteratorFor = async (shard: ShardState): Promise<string | undefined> => {
    const position =
      shard.lastSequenceNumber !== undefined
        ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' as const, SequenceNumber: shard.lastSequenceNumber }
        : { ShardIteratorType: shard.initialPosition };
    const { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.shardId, ...position }),
    );
    return ShardIterator;
  };

  /** Calls the handler once; the index of the first record to retry, or -1 when the batch succeeded. */
  const invokeOnce = async (records: DynamoDBRecord[]): Promise<number> => {
    const context = createLambdaContext({ functionName, timeoutMs });
    let response: unknown;
    try {
      response = await withTimeout(opts.handler({ Records: records }, context), timeoutMs);
    } catch (error) {
      onError(error);
      return 0;
    }
    const failedFrom = firstFailedIndex(response, records);
    if (failedFrom === 'invalid') {
      onError(new Error(`Invalid batch response, the whole batch failed: ${JSON.stringify(response)}`));
      return 0;
    }
    return failedFrom;
  };

  /** Delivers the records until they succeed or are given up on; returns false if stopped meanwhile. */
  const deliver = async (records: DynamoDBRecord[]): Promise<boolean> => {
    let pending = records;
    let retries = 0;
    while (pending.length > 0) {
      if (stopping) return false;
      const failedFrom = await invokeOnce(pending);
      if (failedFrom < 0) return true;
      pending = pending.slice(failedFrom);
      if (opts.bisectOnError === true && pending.length > 1) {
        const middle = Math.ceil(pending.length / 2);
        return (await deliver(pending.slice(0, middle))) && deliver(pending.slice(middle));
      }
      retries++;
      if (retries > maxRetries) {
        await giveUp(pending, retries - 1);
        return true;
      }
      await pause(retryDelayMs);
    }
    return true;
  };

  const giveUp = async (records: DynamoDBRecord[], retries: number): Promise<void> => {
    const range = `${records[0]?.dynamodb?.SequenceNumber}..${records.at(-1)?.dynamodb?.SequenceNumber}`;
    if (opts.onFailure === undefined) {
      onError(new Error(`Discarding ${records.length} stream record(s) ${range} after ${retries} retries`));
      return;
    }
    try {
      await opts.onFailure(records);
    } catch (error) {
      onError(error);
    }
  };

  const readShard = async (shard: ShardState): Promise<void> => {
    let iterator = shard.iterator;
    while (!stopping) {
      try {
        iterator ??= await iteratorFor(shard);
        if (iterator === undefined) break;
        const { Records, NextShardIterator } = await streams.send(
          new GetRecordsCommand({ ShardIterator: iterator, Limit: batchSize }),
          { abortSignal: abort.signal },
        );
        const records = (Records ?? []).map((r) => toLambdaRecord(r, streamArn));
        if (records.length > 0) {
          if (!(await deliver(records))) return; // stopped mid-retry: nothing more is checkpointed
          shard.lastSequenceNumber = records.at(-1)?.dynamodb?.SequenceNumber;
          if (shard.lastSequenceNumber !== undefined)
            opts.checkpoints?.set(shard.shardId, shard.lastSequenceNumber);
        }
        iterator = NextShardIterator;
        if (iterator === undefined) break; // a closed shard, read to its end
        if (records.length === 0) await pause(pollIntervalMs);
      } catch (error) {
        if (abort.signal.aborted) return;
        if (error instanceof ExpiredIteratorException) {
          iterator = undefined; // renewed after the checkpoint
        } else if (error instanceof TrimmedDataAccessException) {
          // Our checkpoint fell off the 24 h window: start again at the oldest record still there.
          shard.lastSequenceNumber = undefined;
          shard.initialPosition = 'TRIM_HORIZON';
          iterator = undefined;
        } else if (error instanceof ResourceNotFoundException) {
          break; // the shard is gone
        } else {
          onError(error);
          await pause(ERROR_BACKOFF_MS);
        }
      }
    }
    shard.done = !stopping;
  };

  /** Adds new shards, then starts every shard whose parent is drained (or was never seen). */
  const refreshShards = async (initial: boolean): Promise<void> => {
    for (const shard of await listShards()) {
      const shardId = shard.ShardId;
      if (shardId === undefined || shards.has(shardId)) continue;
      const state: ShardState = {
        shardId,
        parentShardId: shard.ParentShardId,
        initialPosition: initial ? (opts.startingPosition ?? 'TRIM_HORIZON') : 'TRIM_HORIZON',
        iterator: undefined,
        lastSequenceNumber: opts.checkpoints?.get(shardId),
        started: false,
        done: false,
      };
      if (state.initialPosition === 'LATEST') state.iterator = await iteratorFor(state);
      shards.set(shardId, state);
    }
    for (const shard of shards.values()) {
      if (shard.started) continue;
      const parent = shard.parentShardId === undefined ? undefined : shards.get(shard.parentShardId);
      if (parent !== undefined && !parent.done) continue;
      shard.started = true;
      const loop = readShard(shard).finally(() => loops.delete(loop));
      loops.add(loop);
    }
  };

  try {
    await refreshShards(true);
  } catch (error) {
    streams.destroy();
    throw error;
  }
  const supervisor = (async () => {
    while (!stopping) {
      await pause(shardRefreshMs);
      if (stopping) break;
      try {
        await refreshShards(false);
      } catch (error) {
        if (!abort.signal.aborted) onError(error);
      }
    }
  })();

  return {
    streamArn,
    stop: async () => {
      stopping = true;
      abort.abort();
      await supervisor;
      await Promise.all([...loops]);
      streams.destroy();
    },
  };
}

/** The index of the earliest failed record, -1 for none, 'invalid' when Lambda would fail the whole batch. */
function firstFailedIndex(response: unknown, records: readonly DynamoDBRecord[]): number | 'invalid' {
  if (response === undefined || response === null) return -1;
  if (typeof response !== 'object') return 'invalid';
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return -1;
  if (!Array.isArray(failures)) return 'invalid';
  let first = -1;
  for (const failure of failures) {
    const id: unknown =
      typeof failure === 'object' && failure !== null
        ? (failure as { itemIdentifier?: unknown }).itemIdentifier
        : undefined;
    const index =
      typeof id === 'string' && id !== '' ? records.findIndex((r) => r.dynamodb?.SequenceNumber === id) : -1;
    if (index < 0) return 'invalid';
    if (first < 0 || index < first) first = index;
  }
  return first;
}

/** An SDK stream record → the record of a Lambda DynamoDBStreamEvent (binary as base64, times in seconds). */
function toLambdaRecord(record: SdkRecord, streamArn: string): DynamoDBRecord {
  const data = record.dynamodb;
  const dynamodb: StreamRecord = {};
  if (data !== undefined) {
    if (data.ApproximateCreationDateTime !== undefined) {
      dynamodb.ApproximateCreationDateTime = Math.floor(data.ApproximateCreationDateTime.getTime() / 1000);
    }
    if (data.Keys !== undefined) dynamodb.Keys = toLambdaImage(data.Keys);
    if (data.NewImage !== undefined) dynamodb.NewImage = toLambdaImage(data.NewImage);
    if (data.OldImage !== undefined) dynamodb.OldImage = toLambdaImage(data.OldImage);
    if (data.SequenceNumber !== undefined) dynamodb.SequenceNumber = data.SequenceNumber;
    if (data.SizeBytes !== undefined) dynamodb.SizeBytes = data.SizeBytes;
    if (data.StreamViewType !== undefined) dynamodb.StreamViewType = data.StreamViewType;
  }
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion,
    eventSource: record.eventSource ?? 'aws:dynamodb',
    awsRegion: record.awsRegion,
    dynamodb,
    eventSourceARN: streamArn,
    ...(record.userIdentity === undefined ? {} : { userIdentity: record.userIdentity }),
  };
}

const toLambdaImage = (image: Record<string, SdkAttributeValue>): Record<string, AttributeValue> =>
  Object.fromEntries(Object.entries(image).map(([name, value]) => [name, toLambdaValue(value)]));

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

function toLambdaValue(value: SdkAttributeValue): AttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.NS !== undefined) return { NS: value.NS };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaValue) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  throw new Error(`Unknown DynamoDB attribute value: ${JSON.stringify(value)}`);
}
