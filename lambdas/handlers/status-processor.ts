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
import type { PostbackStore } from '../domain/postbacks/ports';
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

const postbacks = new DynamoPostbacks(dynamo(), config.postbacksTable);
const deps = {
  // The batch's records read their messages in one BatchGetItem.
  messages: countedMessages(config.messagesTable, { coalesced: true }),
  store: postbacks,
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

export const handler = batchRoute('stream', 'StreamBatchRecords', () => {
  const batch = batchApplier();
  return Object.assign((record: DynamoDBRecord) => processRecord(batch, record), { afterBatch: batch.flush });
});
