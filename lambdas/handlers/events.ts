/**
 * The events worker: the sends that come from no HTTP caller, through the `events` queue.
 * - `mms.send-requested` events (EventBridge rule → SQS buffer → this Lambda) → the accept use case. A rejected
 *   event produces `mms.send-rejected`.
 * - Recurring-send firings (EventBridge Scheduler → this queue) → one accept per recipient; a firing that the
 *   team's per-second rate makes longer than one invocation puts a copy of itself back to continue.
 * A transient failure is retried by the queue (and ends in its DLQ, with an alarm, if it never succeeds).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSRecord } from 'aws-lambda';
import { acceptSendEvent, type SendEvent } from '../domain/messages/event-sends';
import { fireRecurring, isRecurringFiring } from '../domain/recurring/recurring';
import { dynamo, eventBridge, sqs } from '../adapters/aws-clients';
import { loadConfig } from '../adapters/config';
import { DynamoRecurring } from '../adapters/dynamo-recurring';
import { DynamoTeams } from '../adapters/dynamo-teams';
import { continueFiringLater } from '../adapters/sqs-send-queue';
import { systemClock } from '../adapters/system';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher';
import { batchRoute } from './batch';
import { logger, metrics } from './observability';
import { buildAccept } from './wiring';

const config = loadConfig(['teamsTable', 'eventBusName', 'eventSources', 'recurringTable', 'eventsQueueUrl']);
const teams = new DynamoTeams(dynamo(), config.teamsTable);
const acceptOne = buildAccept();

const accept = acceptSendEvent({
  allowedSources: config.eventSources,
  teams,
  accept: acceptOne,
  events: new EventBridgePublisher(eventBridge(), config.eventBusName),
});

const fire = fireRecurring({
  schedules: new DynamoRecurring(dynamo(), config.recurringTable),
  teams,
  accept: acceptOne,
  clock: systemClock,
  continueLater: continueFiringLater(sqs(), config.eventsQueueUrl),
});

/** Leaves this much of the invocation for reporting the batch. */
const FAN_OUT_MARGIN_MS = 5000;

async function processRecord(record: SQSRecord, context: Context): Promise<void> {
  const body = JSON.parse(record.body) as unknown;
  if (isRecurringFiring(body)) {
    const result = await fire(
      body.recurring,
      Date.now() + context.getRemainingTimeInMillis() - FAN_OUT_MARGIN_MS,
    );
    if (result.outcome === 'skipped') {
      logger.info('recurring firing skipped', {
        scheduleId: body.recurring.scheduleId,
        reason: result.reason,
      });
      return;
    }
    if (result.outcome === 'continued') {
      // The team's per-second rate leaves recipients for after this invocation: a copy continues the firing.
      metrics.addMetric('RecurringFiringsContinued', MetricUnit.Count, 1);
      logger.info('recurring firing continued later', {
        scheduleId: body.recurring.scheduleId,
        accepted: result.accepted,
        remaining: result.remaining,
      });
      return;
    }
    const { accepted, rejected } = result.summary;
    metrics.addMetric('RecurringSendsAccepted', MetricUnit.Count, accepted);
    metrics.addMetric('RecurringSendsRejected', MetricUnit.Count, rejected);
    if (rejected > 0) {
      logger.warn('recurring firing: some recipients refused', {
        scheduleId: body.recurring.scheduleId,
        rejected,
        codes: [...new Set(result.summary.errors.map((e) => e.code))],
      });
    }
    return;
  }
  const event = body as SendEvent;
  const outcome = await accept(event);
  metrics.addMetric(outcome === 'accepted' ? 'EventSendAccepted' : 'EventSendRejected', MetricUnit.Count, 1);
  if (outcome === 'rejected') logger.warn('send event rejected', { eventId: event.id, source: event.source });
}

export const handler = batchRoute(
  'sqs',
  'EventBatchRecords',
  (_event, context) => (record: SQSRecord) => processRecord(record, context),
);
