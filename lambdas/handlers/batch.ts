/**
 * The middy wiring shared by the batch handlers (SQS queues and the DynamoDB stream), beside `httpRoute`:
 * Powertools logger context and metrics, a batch-size metric, and partial batch responses, so a record that
 * throws is reported as a batch item failure and the rest of the batch is never processed twice.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type {
  Context,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  SQSBatchResponse,
  SQSEvent,
  SQSRecord,
} from 'aws-lambda';
import { logger, metrics } from './observability';
import middy from '@middy/core';

/** Builds the function that processes one record, once per invocation (it may use the batch or the context). */
export type RecordHandlerFor<TEvent, TRecord> = (
  event: TEvent,
  context: Context,
) => (record: TRecord) => Promise<void>;

interface Sources {
  sqs: { event: SQSEvent; record: SQSRecord; response: SQSBatchResponse };
  stream: { event: DynamoDBStreamEvent; record: DynamoDBRecord; response: DynamoDBBatchResponse };
}

const EVENT_TYPES = { sqs: EventType.SQS, stream: EventType.DynamoDBStreams } as const;

/**
 * Wraps a batch handler: `batchMetric` counts the records of each batch, `recordHandlerFor` processes one record.
 */
export function batchRoute<K extends keyof Sources>(
  source: K,
  batchMetric: string,
  recordHandlerFor: RecordHandlerFor<Sources[K]['event'], Sources[K]['record']>,
) {
  return middy<Sources[K]['event'], Sources[K]['response']>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(async (event, context) => {
      metrics.addMetric(batchMetric, MetricUnit.Count, event.Records.length);
      // A processor per invocation: it holds the batch's state, and the local runtime runs batches concurrently.
      return processPartialResponse(
        event,
        recordHandlerFor(event, context),
        new BatchProcessor(EVENT_TYPES[source]),
        { context },
      );
    });
}
