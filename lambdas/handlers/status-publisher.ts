/**
 * The status publisher (transactional outbox): the messages and templates tables' streams → one
 * `mms.status-changed` (or `mms.template-status-changed`) event per state-changing write, de-duplicated on its
 * event id. Failed records are reported; the event source mapping bisects, retries and finally sends the
 * record's pointer to its on-failure destination.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { dynamo, eventBridge } from '../adapters/aws-clients';
import { loadConfig } from '../adapters/config';
import { DynamoPublishedEvents } from '../adapters/dynamo-outbox';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher';
import { systemClock } from '../adapters/system';
import { publishStatusChange } from '../domain/messages/status-events';
import { logger, metrics } from './observability';
import middy from '@middy/core';

const config = loadConfig(['controlTable', 'eventBusName']);

const publish = publishStatusChange({
  events: new EventBridgePublisher(eventBridge(), config.eventBusName),
  log: new DynamoPublishedEvents(dynamo(), config.controlTable),
  clock: systemClock,
});

const image = (raw: unknown) => (raw ? unmarshall(raw as Record<string, AttributeValue>) : undefined);

async function processRecord(record: DynamoDBRecord): Promise<void> {
  const before = image(record.dynamodb?.OldImage);
  const after = image(record.dynamodb?.NewImage);
  const outcome = await publish({ ...(before ? { before } : {}), ...(after ? { after } : {}) });
  if (outcome !== 'none') metrics.addMetric(`StatusEvent_${outcome}`, MetricUnit.Count, 1);
}

export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(async (event, context) => {
    metrics.addMetric('OutboxBatchRecords', MetricUnit.Count, event.Records.length);
    return processPartialResponse(event, processRecord, new BatchProcessor(EventType.DynamoDBStreams), {
      context,
    });
  });
