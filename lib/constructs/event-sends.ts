import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SEND_FUNCTION_TIMEOUT_SECONDS } from '../../definitions/data-model';
import type { GatewayConfig } from '../config';
import type { AcceptAccess } from './accept-access';
import { GatewayFunction, type FunctionDefaults } from './gateway-function';

/** Events per events-worker invocation (the SQS maximum for a standard queue without a batching window). */
export const EVENTS_BATCH_SIZE = 10;

export interface EventSendsProps {
  readonly defaults: FunctionDefaults;
  readonly config: Pick<GatewayConfig, 'eventSources'>;
  /** The `events` queue the SendRequested rule fills (its redrive goes to `events-dlq`). */
  readonly queue: IQueue;
  /** Teams are looked up by the id the event names (revoked teams are refused). */
  readonly teamsTable: ITable;
  /** Recurring sends: each firing reads its schedule and records what it did. */
  readonly recurringTable: ITable;
  /** Where `mms.send-accepted` and `mms.send-rejected` are published. */
  readonly eventBus: IEventBus;
  /** The accept use case's tables, queue and scheduler (the same as the HTTP ingest's). */
  readonly accept: AcceptAccess;
}

/**
 * Event-triggered and recurring sends: the events worker consumes the `events` queue (batches of 10, failed
 * records reported and retried by the queue, then dead-lettered) and feeds each `mms.send-requested` event, and
 * each recipient of a recurring send's firing, to the accept use case. Which sources may send for which teams is
 * configuration (`eventSources` → EVENT_SOURCES). It may read teams and recurring sends, record a firing,
 * publish the send results on the bus, and do what accepting a request does.
 */
export class EventSends extends Construct {
  readonly worker: GatewayFunction;

  constructor(scope: Construct, id: string, props: EventSendsProps) {
    super(scope, id);

    this.worker = new GatewayFunction(this, 'Worker', {
      handler: 'events',
      description:
        'mms.send-requested events and recurring-send firings (events queue) → the accept use case',
      defaults: props.defaults,
      // The events queue's visibility timeout (6 × this) is sized like the send queue's.
      timeout: Duration.seconds(SEND_FUNCTION_TIMEOUT_SECONDS),
      environment: {
        eventSources: JSON.stringify(props.config.eventSources),
        eventBusName: props.eventBus.eventBusName,
      },
    })
      .grantTable('teamsTable', props.teamsTable, { items: ['GetItem'] })
      .grantTable('recurringTable', props.recurringTable, { items: ['GetItem', 'UpdateItem'] });
    props.eventBus.grantPutEventsTo(this.worker.role);
    // A recurring firing longer than one invocation puts a copy of itself back on its queue to continue.
    this.worker.setEnv('eventsQueueUrl', props.queue.queueUrl);
    props.queue.grantSendMessages(this.worker.role);
    props.accept.grantTo(this.worker);

    this.worker.function.addEventSource(
      new SqsEventSource(props.queue, { batchSize: EVENTS_BATCH_SIZE, reportBatchItemFailures: true }),
    );
  }
}
