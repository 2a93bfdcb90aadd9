/**
 * The webhook worker: SQS batches of status events (from the EventBridge rule on `mms.status-changed`, or
 * retries this worker queued itself with a delay) → the team's webhook URL, signed. Records run concurrently;
 * one that throws (storage or queue failure) is reported as a batch item failure and comes back.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import {
  deliverWebhook,
  MAX_RETRY_DELAY_SECONDS,
  parseWebhookQueueBody,
  webhookRetryBody,
  type WebhookJob,
} from '../domain/webhooks/webhooks';
import type { WebhookRetryQueue } from '../domain/webhooks/ports';
import { dynamo, sqs } from '../adapters/aws-clients';
import { loadConfig } from '../adapters/config';
import { DynamoTemplates } from '../adapters/dynamo-templates';
import { DynamoTeams } from '../adapters/dynamo-teams';
import { DynamoMessageRepository } from '../adapters/message-repository';
import { DynamoWebhooks } from '../adapters/dynamo-webhooks';
import { DynamoDeliveryLog } from '../adapters/dynamo-team-usage';
import { loadWebhookSettings, WebhookHttpClient } from '../adapters/webhook-client';
import { systemClock } from '../adapters/system';
import { batchRoute } from './batch';
import { logger, metrics } from './observability';

export { webhookQueueBody } from '../domain/webhooks/webhooks';

const config = loadConfig(['messagesTable', 'teamsTable', 'controlTable', 'templatesTable']);
const settings = loadWebhookSettings();

const retryQueue: WebhookRetryQueue = {
  async retryLater(job: WebhookJob, delaySeconds: number) {
    await sqs().send(
      new SendMessageCommand({
        QueueUrl: settings.queueUrl,
        MessageBody: webhookRetryBody(job),
        DelaySeconds: Math.min(MAX_RETRY_DELAY_SECONDS, Math.max(0, Math.round(delaySeconds))),
      }),
    );
  },
};

const templates = new DynamoTemplates(dynamo(), config.templatesTable);
const teams = new DynamoTeams(dynamo(), config.teamsTable);

const deliver = deliverWebhook({
  webhooks: new DynamoWebhooks(dynamo(), config.teamsTable),
  sender: new WebhookHttpClient({
    timeoutMs: settings.timeoutMs,
    blockPrivateAddresses: !settings.allowInsecureLocal,
  }),
  queue: retryQueue,
  messages: new DynamoMessageRepository(dynamo(), config.messagesTable),
  clock: systemClock,
  retry: settings.retry,
  urlRules: { allowInsecureLocal: settings.allowInsecureLocal },
  log: new DynamoDeliveryLog(dynamo(), config.controlTable),
  subjects: {
    template: async (id) => {
      const template = await templates.get(id);
      return (
        template && {
          teamId: template.teamId,
          history: template.history,
          record: (entry) => templates.appendHistory(template.id, entry),
        }
      );
    },
    ownsSender: async (teamId, sender) =>
      (await teams.getTeam(teamId))?.allowedSenders.includes(sender) === true,
  },
});

async function processRecord(record: SQSRecord): Promise<void> {
  let job: WebhookJob;
  try {
    job = parseWebhookQueueBody(record.body);
  } catch (error) {
    // It will never parse: drop it (deleted with the batch) instead of cycling it to the DLQ.
    logger.error('unreadable webhook queue item dropped', { error, sqsMessageId: record.messageId });
    metrics.addMetric('WebhookUnreadable', MetricUnit.Count, 1);
    return;
  }
  const result = await deliver(job);
  const eventId = job.event.detail['event-id'];
  switch (result.kind) {
    case 'delivered':
      metrics.addMetric('WebhookDelivered', MetricUnit.Count, 1);
      break;
    case 'retry':
      metrics.addMetric('WebhookFailed', MetricUnit.Count, 1);
      logger.info('webhook delivery failed, retry scheduled', { eventId, ...result });
      break;
    case 'abandoned':
      metrics.addMetric('WebhookAbandoned', MetricUnit.Count, 1);
      logger.warn('webhook delivery abandoned', { eventId, ...result });
      break;
    case 'ignored':
      metrics.addMetric('WebhookSkipped', MetricUnit.Count, 1);
      logger.warn('webhook event ignored', { eventId, reason: result.reason });
      break;
    default:
      // No webhook, or already delivered (a redelivered event).
      metrics.addMetric('WebhookSkipped', MetricUnit.Count, 1);
      break;
  }
}

export const handler = batchRoute('sqs', 'WebhookBatchRecords', () => processRecord);
