import { Duration, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { GatewayConfig } from '../config';
import { GatewayFunction, type FunctionDefaults } from './gateway-function';

export interface StatusPublishingProps {
  readonly defaults: FunctionDefaults;
  readonly config: Pick<GatewayConfig, 'processorRetryAttempts'>;
  /** Both need a NEW_AND_OLD_IMAGES stream: every state written to them is one status event. */
  readonly messagesTable: ITable;
  readonly templatesTable: ITable;
  /** Holds the ids of published events (de-duplication of redelivered stream records). */
  readonly controlTable: ITable;
  readonly eventBus: IEventBus;
  readonly namePrefix: string;
}

/**
 * The transactional outbox (docs/decisions/0012-status-outbox.md): the status publisher reads the messages and
 * templates tables' streams from the start and puts one `mms.status-changed` / `mms.template-status-changed`
 * event per state change on the bus, where the StatusChanged rule takes it to the webhook queue. Failing batches
 * are bisected and retried, then the record's pointer goes to a dead-letter queue, so one poison record never
 * blocks a shard. It may read the streams, get and put its de-duplication records, and put events; nothing else.
 */
export class StatusPublishing extends Construct {
  readonly publisher: GatewayFunction;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: StatusPublishingProps) {
    super(scope, id);
    this.publisher = new GatewayFunction(this, 'Publisher', {
      handler: 'status-publisher',
      description: 'Messages and templates streams → one status event per state change (outbox)',
      defaults: props.defaults,
      timeout: Duration.seconds(30),
      environment: { eventBusName: props.eventBus.eventBusName },
    }).grantTable('controlTable', props.controlTable, { items: ['GetItem', 'PutItem'] });
    props.eventBus.grantPutEventsTo(this.publisher.role);

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      queueName: `${props.namePrefix}-status-publisher-dlq`,
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is itself a dead-letter queue: the on-failure destination of the outbox streams' event source mappings.",
    });

    for (const table of [props.messagesTable, props.templatesTable]) {
      this.publisher.function.addEventSource(
        new DynamoEventSource(table, {
          startingPosition: StartingPosition.TRIM_HORIZON,
          batchSize: 100,
          bisectBatchOnError: true,
          retryAttempts: props.config.processorRetryAttempts,
          reportBatchItemFailures: true,
          onFailure: new SqsDlq(this.deadLetterQueue),
        }),
      );
    }
  }
}
