import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLambdaContext } from './lambda-context';
import type { LambdaHandler } from './api-gateway';
import { withTimeout } from './timeout';

/**
 * The local stand-in for a Lambda SQS event source mapping with ReportBatchItemFailures: long-polls the
 * queue, hands each batch to the handler as an `SQSEvent`, then deletes the records that succeeded.
 *
 * - Handler returns nothing, `{}` or an empty `batchItemFailures`: every record is deleted.
 * - Handler lists `batchItemFailures`: those records are left alone and come back after the queue's
 *   visibility timeout (and end in the DLQ after maxReceiveCount); the others are deleted.
 * - Handler throws, times out, or lists an identifier that is not a message id of the batch: nothing is
 *   deleted (Lambda treats all of these as a failure of the whole batch).
 */
export interface SqsPollerOptions {
  client: SQSClient;
  queueUrl: string;
  queueArn: string;
  handler: LambdaHandler<SQSEvent, SQSBatchResponse | void>;
  /** Messages per batch, 1–10 (one ReceiveMessage). Default 10. */
  batchSize?: number;
  /** Parallel pollers, each with at most one batch in flight. Default 1. */
  concurrency?: number;
  /** Long-poll wait. Default 1 s (short, so stop() returns quickly). */
  waitTimeSeconds?: number;
  /** For `context.functionName`. */
  functionName?: string;
  /** The Lambda's timeout: a batch that takes longer counts as failed. Default 30 s. */
  timeoutSeconds?: number;
  /** Handler and SQS errors; default console.error. */
  onError?: (error: unknown) => void;
}

export interface SqsPoller {
  /**
   * Stops polling. By default waits for the batch in flight to finish (and its deletes). With `abandon`
   * returns at once and deletes nothing more, like a worker that crashed: the messages it holds reappear
   * after the visibility timeout. (The abandoned handler call itself cannot be cancelled; its result is
   * ignored.)
   */
  stop(opts?: { abandon?: boolean }): Promise<void>;
}

const ERROR_BACKOFF_MS = 1_000;

export function startSqsPoller(opts: SqsPollerOptions): SqsPoller {
  const batchSize = opts.batchSize ?? 10;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10) {
    throw new Error(`batchSize must be an integer from 1 to 10, got ${batchSize}`);
  }
  const concurrency = opts.concurrency ?? 1;
  const waitTimeSeconds = opts.waitTimeSeconds ?? 1;
  const timeoutMs = (opts.timeoutSeconds ?? 30) * 1000;
  const functionName = opts.functionName ?? `local-sqs-${opts.queueArn.split(':').pop() ?? 'queue'}`;
  const onError = opts.onError ?? ((error: unknown) => console.error('[local sqs-poller]', error));
  const awsRegion = opts.queueArn.split(':')[3] ?? 'us-east-1';

  let stopping = false;
  let abandoned = false;
  const abort = new AbortController();

  const processBatch = async (messages: Message[]): Promise<void> => {
    const event: SQSEvent = { Records: messages.map((m) => toRecord(m, opts.queueArn, awsRegion)) };
    const context = createLambdaContext({ functionName, timeoutMs });
    let response: unknown;
    try {
      response = await withTimeout(opts.handler(event, context), timeoutMs);
    } catch (error) {
      onError(error);
      return; // nothing deleted: the whole batch comes back after the visibility timeout
    }
    if (abandoned) return;
    const failed = failedMessageIds(response, event);
    if (failed === 'all') {
      onError(new Error(`Invalid batch response, the whole batch failed: ${JSON.stringify(response)}`));
      return;
    }
    await deleteRecords(event.Records.filter((r) => !failed.has(r.messageId)));
  };

  const deleteRecords = async (records: SQSRecord[]): Promise<void> => {
    for (let i = 0; i < records.length; i += 10) {
      const chunk = records.slice(i, i + 10);
      try {
        const result = await opts.client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: opts.queueUrl,
            Entries: chunk.map((r, n) => ({ Id: String(n), ReceiptHandle: r.receiptHandle })),
          }),
        );
        for (const failure of result.Failed ?? []) {
          onError(
            new Error(
              `DeleteMessageBatch failed for entry ${failure.Id}: ${failure.Code} ${failure.Message}`,
            ),
          );
        }
      } catch (error) {
        onError(error);
      }
    }
  };

  const worker = async (): Promise<void> => {
    while (!stopping) {
      let messages: Message[];
      try {
        const received = await opts.client.send(
          new ReceiveMessageCommand({
            QueueUrl: opts.queueUrl,
            MaxNumberOfMessages: batchSize,
            WaitTimeSeconds: waitTimeSeconds,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: abort.signal },
        );
        messages = received.Messages ?? [];
      } catch (error) {
        if (abort.signal.aborted) return;
        onError(error);
        await sleep(ERROR_BACKOFF_MS, undefined, { signal: abort.signal }).catch(() => undefined);
        continue;
      }
      // A graceful stop still handles what was already received, as Lambda finishes its batch.
      if (messages.length > 0 && !abandoned) await processBatch(messages);
    }
  };

  const workers = Array.from({ length: concurrency }, () => worker());

  return {
    stop: async ({ abandon = false } = {}) => {
      stopping = true;
      if (abandon) {
        abandoned = true;
        abort.abort();
        return;
      }
      await Promise.all(workers);
    },
  };
}

/** The ids to keep, or 'all' when the response makes Lambda count the whole batch as failed. */
function failedMessageIds(response: unknown, event: SQSEvent): Set<string> | 'all' {
  if (response === undefined || response === null) return new Set();
  if (typeof response !== 'object') return 'all';
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return 'all';
  const ids = new Set(event.Records.map((r) => r.messageId));
  const failed = new Set<string>();
  for (const failure of failures) {
    const id: unknown =
      typeof failure === 'object' && failure !== null
        ? (failure as { itemIdentifier?: unknown }).itemIdentifier
        : undefined;
    if (typeof id !== 'string' || !ids.has(id)) return 'all';
    failed.add(id);
  }
  return failed;
}

function toRecord(message: Message, queueArn: string, awsRegion: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ...attributes,
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? '000000000000',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: toMessageAttributes(message.MessageAttributes ?? {}),
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes === undefined
      ? {}
      : { md5OfMessageAttributes: message.MD5OfMessageAttributes }),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion,
  };
}

/** SDK message attributes → the Lambda event's shape (camelCase, binary as base64). */
function toMessageAttributes(attributes: Record<string, MessageAttributeValue>): SQSMessageAttributes {
  const result: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes)) {
    result[name] = {
      dataType: value.DataType ?? 'String',
      ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
      ...(value.BinaryValue === undefined
        ? {}
        : { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }),
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((b) => Buffer.from(b).toString('base64')),
    };
  }
  return result;
}
