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
import { dynamo } from '../adapters/aws-clients';
import { loadConfig } from '../adapters/config';
import { DynamoPostbacks } from '../adapters/dynamo-postbacks';
import { DynamoMessageRepository } from '../adapters/message-repository';
import { systemClock } from '../adapters/system';
import { processPostback } from '../domain/process-postback';
import { templatePostbacks } from '../domain/templates';
import { DynamoTemplates } from '../adapters/dynamo-templates';
import { logger, metrics } from './observability';

const config = loadConfig(['messagesTable', 'templatesTable', 'postbacksTable', 'correlationWindowSeconds']);

export const applyStoredPostback = processPostback({
  messages: new DynamoMessageRepository(dynamo(), config.messagesTable),
  store: new DynamoPostbacks(dynamo(), config.postbacksTable),
  clock: systemClock,
  correlationWindowMs: config.correlationWindowSeconds * 1000,
  templates: templatePostbacks(new DynamoTemplates(dynamo(), config.templatesTable), () => systemClock.now()),
});

async function processRecord(record: DynamoDBRecord): Promise<void> {
  if (record.eventName !== 'INSERT' || !record.dynamodb?.NewImage) return; // only new postbacks
  const item = unmarshall(record.dynamodb.NewImage as Record<string, AttributeValue>);
  const state = await applyStoredPostback({
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
    // A processor per invocation: it holds the batch's state, and the local runtime runs batches concurrently.
    return processPartialResponse(event, processRecord, new BatchProcessor(EventType.DynamoDBStreams), {
      context,
    });
  });
