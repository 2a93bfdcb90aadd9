/**
 * The status processor: the postbacks table's stream → one use-case call per new postback. Failed records are
 * reported as batch item failures; the event source mapping bisects, retries and finally sends a poison record
 * to its on-failure destination, so one bad record never blocks the stream.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { dynamo, eventBridge } from '../adapters/aws-clients';
import { loadConfig } from '../adapters/config';
import { DynamoPostbacks } from '../adapters/dynamo-postbacks';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher';
import { systemClock } from '../adapters/system';
import { processPostback } from '../domain/postbacks/apply';
import { templatePostbacks } from '../domain/templates/templates';
import { DynamoTemplates } from '../adapters/dynamo-templates';
import { DynamoSenderOwners } from '../adapters/dynamo-inbound-teams';
import { DynamoSuppressions } from '../adapters/dynamo-suppressions';
import { handleInbound } from '../domain/consent/inbound';
import { batchRoute } from './batch';
import { logger, metrics } from './observability';
import { countedMessages } from './usage-wiring';

const config = loadConfig([
  'messagesTable',
  'templatesTable',
  'postbacksTable',
  'correlationWindowSeconds',
  'teamsTable',
  'suppressionsTable',
  'consentKeywords',
  'eventBusName',
]);
// Inbound (MO) events only: message status events come from the messages table's stream (status publisher).
const events = new EventBridgePublisher(eventBridge(), config.eventBusName);

export const applyStoredPostback = processPostback({
  messages: countedMessages(config.messagesTable),
  store: new DynamoPostbacks(dynamo(), config.postbacksTable),
  clock: systemClock,
  correlationWindowMs: config.correlationWindowSeconds * 1000,
  templates: templatePostbacks(new DynamoTemplates(dynamo(), config.templatesTable), () => systemClock.now()),
  inbound: {
    handle: handleInbound({
      owners: new DynamoSenderOwners(dynamo(), config.teamsTable),
      suppressions: new DynamoSuppressions(dynamo(), config.suppressionsTable),
      events,
      keywords: config.consentKeywords,
      now: () => systemClock.now(),
    }),
  },
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

export const handler = batchRoute('stream', 'StreamBatchRecords', () => processRecord);
