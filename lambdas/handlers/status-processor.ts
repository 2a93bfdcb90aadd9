/**
 * The status processor: the postbacks table's stream → one use-case call per new postback. Failed records are
 * reported as batch item failures; the event source mapping bisects, retries and finally sends a poison record
 * to its on-failure destination, so one bad record never blocks the stream.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { dynamo, eventBridge } from '../adapters/aws-clients';
import { loadConfig } from '../adapters/config';
import { DynamoPostbacks } from '../adapters/dynamo-postbacks';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher';
import { CoalescedMessageRepository } from '../adapters/coalesced-message-reads';
import { systemClock } from '../adapters/system';
import { processPostback, type PostbackStore } from '../domain/process-postback';
import { templatePostbacks } from '../domain/templates';
import { DynamoTemplates } from '../adapters/dynamo-templates';
import { logger, metrics } from './observability';

const config = loadConfig([
  'messagesTable',
  'templatesTable',
  'postbacksTable',
  'eventBusName',
  'correlationWindowSeconds',
]);

const postbacks = new DynamoPostbacks(dynamo(), config.postbacksTable);
const deps = {
  // The batch's records read their messages in one BatchGetItem.
  messages: new CoalescedMessageRepository(dynamo(), config.messagesTable),
  store: postbacks,
  events: new EventBridgePublisher(eventBridge(), config.eventBusName),
  clock: systemClock,
  correlationWindowMs: config.correlationWindowSeconds * 1000,
  templates: templatePostbacks(new DynamoTemplates(dynamo(), config.templatesTable), () => systemClock.now()),
};
export const applyStoredPostback = processPostback(deps);

/**
 * The use case for one stream batch: the `applied` marks are collected and written together at the end of the
 * batch (BatchWriteItem, 25 a call) instead of one UpdateItem per postback. If that write fails, the postbacks stay
 * `received` and the sweep applies them again later, which changes nothing (an applied postback is recognised).
 */
function batchApplier() {
  const images = new Map<string, Record<string, unknown>>();
  const applied: Array<Record<string, unknown>> = [];
  const store: PostbackStore = {
    list: (...args) => postbacks.list(...args),
    mark: async (pk, state, detail) => {
      const image = images.get(pk);
      if (state === 'applied' && image) applied.push(image);
      else await postbacks.mark(pk, state, detail);
    },
  };
  return {
    apply: processPostback({ ...deps, store }),
    images,
    flush: async () => {
      try {
        await postbacks.markAppliedAll(applied);
      } catch (error) {
        logger.warn('applied marks not written; the sweep will re-apply these postbacks', {
          error,
          count: applied.length,
        });
      }
    },
  };
}

async function processRecord(batch: ReturnType<typeof batchApplier>, record: DynamoDBRecord): Promise<void> {
  if (record.eventName !== 'INSERT' || !record.dynamodb?.NewImage) return; // only new postbacks
  const item = unmarshall(record.dynamodb.NewImage as Record<string, AttributeValue>);
  batch.images.set(String(item.pk), item);
  const state = await batch.apply({
    pk: String(item.pk),
    body: String(item.body),
    receivedAt: String(item.receivedAt),
  });
  metrics.addMetric(`Postback_${state}`, MetricUnit.Count, 1);
  if (state === 'orphan') logger.warn('orphan postback parked', { pk: item.pk });
}

export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(async (event, context) => {
    metrics.addMetric('StreamBatchRecords', MetricUnit.Count, event.Records.length);
    const batch = batchApplier();
    // A processor per invocation: it holds the batch's state, and the local runtime runs batches concurrently.
    const response = await processPartialResponse(
      event,
      (record: DynamoDBRecord) => processRecord(batch, record),
      new BatchProcessor(EventType.DynamoDBStreams),
      { context },
    );
    await batch.flush();
    return response;
  });
