import { Duration, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule, type IEventBus } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { INDEX } from '../../definitions/data-model';
import type { GatewayConfig } from '../config';
import { GatewayFunction, type FunctionDefaults } from './gateway-function';

export interface StatusProcessingProps {
  readonly defaults: FunctionDefaults;
  readonly config: Pick<
    GatewayConfig,
    'processorRetryAttempts' | 'correlationWindowSeconds' | 'unknownAfterSeconds'
  >;
  readonly messagesTable: ITable;
  /** Template postbacks (transcoding results) update templates. */
  readonly templatesTable: ITable;
  /** Must have a stream: its new items drive the status processor. */
  readonly postbacksTable: ITable;
  /** The per-team usage counters the processor adds to (GET /v2/usage). */
  readonly controlTable: ITable;
  readonly eventBus: IEventBus;
  /** Name prefix of the processor's dead-letter queue. */
  readonly namePrefix: string;
}

/**
 * Turns stored postbacks into message states. The status processor reads the postbacks table's stream from the
 * start (TRIM_HORIZON), reports failed records, bisects failing batches, retries a configured number of times
 * and then sends the record's pointer to an SQS dead-letter queue, so one poison postback never blocks the shard.
 * The sweep runs every minute: it retries postbacks that arrived before their message's tracking-id was known,
 * parks orphans and moves long-silent messages to `unknown`.
 */
export class StatusProcessing extends Construct {
  readonly processor: GatewayFunction;
  readonly sweep: GatewayFunction;
  /** Where stream records go after their last failed retry (holds pointers; the postbacks stay in the table). */
  readonly processorDeadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: StatusProcessingProps) {
    super(scope, id);
    const { config } = props;
    const correlation = config.correlationWindowSeconds;
    // A postback about a template is matched by Sinch tracking-id or mms-id, then the template is updated.
    const templateAccess = {
      items: ['GetItem', 'UpdateItem'] as const,
      queryIndexes: [INDEX.templatesBySinchTrackingId, INDEX.templatesByMmsId],
    };
    const statusEnvironment = {
      ...(correlation !== undefined ? { correlationWindowSeconds: String(correlation) } : {}),
    };

    this.processor = new GatewayFunction(this, 'Processor', {
      handler: 'status-processor',
      description: 'Applies stored Sinch postbacks to message states (the status publisher publishes them)',
      defaults: props.defaults,
      timeout: Duration.seconds(30),
      environment: statusEnvironment,
    });
    this.processor
      .grantTable('messagesTable', props.messagesTable, {
        items: ['GetItem', 'UpdateItem'],
        queryIndexes: [INDEX.messagesBySinchTrackingId],
      })
      .grantTable('templatesTable', props.templatesTable, templateAccess)
      .grantTable('postbacksTable', props.postbacksTable, { items: ['UpdateItem'] })
      .grantTable('controlTable', props.controlTable, { items: ['UpdateItem'] });
    // Inbound (MO) postbacks publish mms.inbound-received themselves (consent); status events come from the outbox.
    this.processor.setEnv('eventBusName', props.eventBus.eventBusName);
    props.eventBus.grantPutEventsTo(this.processor.role);

    this.processorDeadLetterQueue = new Queue(this, 'ProcessorDeadLetterQueue', {
      queueName: `${props.namePrefix}-status-processor-dlq`,
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(this.processorDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is itself a dead-letter queue: the on-failure destination of the postbacks stream's event source mapping.",
    });

    this.processor.function.addEventSource(
      new DynamoEventSource(props.postbacksTable, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 10,
        bisectBatchOnError: true,
        retryAttempts: config.processorRetryAttempts,
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(this.processorDeadLetterQueue),
      }),
    );

    // The sweep reuses the status processor's use case for pending postbacks, so it needs the same settings.
    this.sweep = new GatewayFunction(this, 'Sweep', {
      handler: 'sweep',
      description:
        'Every minute: retries pending postback correlations, parks orphans, marks silent messages unknown',
      defaults: props.defaults,
      timeout: Duration.seconds(50),
      environment: {
        ...statusEnvironment,
        ...(config.unknownAfterSeconds !== undefined
          ? { unknownAfterSeconds: String(config.unknownAfterSeconds) }
          : {}),
      },
    });
    this.sweep
      .grantTable('messagesTable', props.messagesTable, {
        items: ['GetItem', 'UpdateItem'],
        // redact-due: the retention job (privacy/retention.ts) redacts messages past their team's retention.
        queryIndexes: [INDEX.messagesBySinchTrackingId, INDEX.messagesOpenByAge, INDEX.messagesRedactDue],
      })
      .grantTable('templatesTable', props.templatesTable, templateAccess)
      .grantTable('postbacksTable', props.postbacksTable, {
        // DeleteItem: a redacted message's raw postbacks go with its content.
        items: ['UpdateItem', 'DeleteItem'],
        queryIndexes: [INDEX.postbacksByState],
      })
      .grantTable('controlTable', props.controlTable, { items: ['UpdateItem'] })
      .setEnv('eventBusName', props.eventBus.eventBusName);
    props.eventBus.grantPutEventsTo(this.sweep.role);

    new Rule(this, 'EveryMinute', {
      description: 'Runs the status sweep',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [
        new LambdaFunction(this.sweep.function, { retryAttempts: 2, maxEventAge: Duration.minutes(2) }),
      ],
    });
  }
}
