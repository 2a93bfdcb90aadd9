/**
 * The events worker: `mms.send-requested` events (EventBridge rule → SQS buffer → this Lambda) → the accept
 * use case. A rejected event produces `mms.send-rejected`; a transient failure is retried by the queue (and
 * ends in its DLQ, with an alarm, if it never succeeds).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { acceptSendEvent, type SendEvent } from '../domain/events';
import { dynamo, eventBridge } from '../adapters/aws-clients';
import { loadConfig } from '../adapters/config';
import { DynamoTeams } from '../adapters/dynamo-teams';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher';
import { logger, metrics } from './observability';
import { buildAccept } from './wiring';

const config = loadConfig(['teamsTable', 'eventBusName', 'eventSources']);

const accept = acceptSendEvent({
  allowedSources: config.eventSources,
  teams: new DynamoTeams(dynamo(), config.teamsTable),
  accept: buildAccept(),
  events: new EventBridgePublisher(eventBridge(), config.eventBusName),
});

async function processRecord(record: SQSRecord): Promise<void> {
  const event = JSON.parse(record.body) as SendEvent;
  const outcome = await accept(event);
  metrics.addMetric(outcome === 'accepted' ? 'EventSendAccepted' : 'EventSendRejected', MetricUnit.Count, 1);
  if (outcome === 'rejected') logger.warn('send event rejected', { eventId: event.id, source: event.source });
}

export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(async (event, context) => {
    metrics.addMetric('EventBatchRecords', MetricUnit.Count, event.Records.length);
    // A processor per invocation: it holds the batch's state, and the local runtime runs batches concurrently.
    return processPartialResponse(event, processRecord, new BatchProcessor(EventType.SQS), { context });
  });
