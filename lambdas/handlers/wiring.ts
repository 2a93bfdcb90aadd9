/**
 * The accept use case and the message scheduler as every entry Lambda builds them (HTTP ingest, events, manage):
 * one wiring, so all entries share validation, idempotency, quotas and scheduling.
 */
import { acceptSubmission } from '../domain/messages/accept';
import { dynamo, scheduler, sqs } from '../adapters/aws-clients';
import { loadConfig } from '../adapters/config';
import { DynamoIdempotencyStore, DynamoUsageLimiter } from '../adapters/dynamo-control';
import { DynamoTemplates } from '../adapters/dynamo-templates';
import { DynamoSuppressions } from '../adapters/dynamo-suppressions';
import {
  EventBridgeMessageScheduler,
  EventBridgeRecurringScheduler,
  loadRecurringSettings,
  loadSchedulerSettings,
} from '../adapters/eventbridge-scheduler';
import { SqsSendQueue } from '../adapters/sqs-send-queue';
import { randomIds, systemClock } from '../adapters/system';
import { countedMessages } from './usage-wiring';
import { buildMediaGate, retentionDaySeconds } from './media-privacy-wiring';

export function buildScheduler() {
  return new EventBridgeMessageScheduler(scheduler(), loadSchedulerSettings());
}

export function buildRecurringScheduler() {
  return new EventBridgeRecurringScheduler(scheduler(), loadRecurringSettings());
}

export function buildAccept() {
  const config = loadConfig([
    'messagesTable',
    'templatesTable',
    'controlTable',
    'sendQueueUrl',
    'sendDlqUrl',
    'requireServiceId',
    'defaultServiceId',
    'suppressionsTable',
    'validityPeriodSeconds',
  ]);
  return acceptSubmission({
    messages: countedMessages(config.messagesTable),
    templates: new DynamoTemplates(dynamo(), config.templatesTable),
    queue: new SqsSendQueue(sqs(), config.sendQueueUrl, config.sendDlqUrl),
    scheduler: buildScheduler(),
    idempotency: new DynamoIdempotencyStore(dynamo(), config.controlTable),
    usage: new DynamoUsageLimiter(dynamo(), config.controlTable),
    clock: systemClock,
    ids: randomIds,
    requireServiceId: config.requireServiceId,
    ...(config.defaultServiceId ? { defaultServiceId: config.defaultServiceId } : {}),
    enqueueAttempts: 3,
    suppressions: new DynamoSuppressions(dynamo(), config.suppressionsTable),
    media: buildMediaGate(),
    retentionDaySeconds: retentionDaySeconds(),
    defaultValidityPeriodSeconds: config.validityPeriodSeconds,
  });
}
