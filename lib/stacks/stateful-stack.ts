import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  StreamViewType,
  Table,
  TableEncryption,
  type Attribute,
} from 'aws-cdk-lib/aws-dynamodb';
import { CfnEIP } from 'aws-cdk-lib/aws-ec2';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  physicalName,
  QUEUES,
  SEND_FUNCTION_TIMEOUT_SECONDS,
  TABLES,
  type KeyDefinition,
  type QueueDefinition,
  type TableDefinition,
  type TableId,
} from '../../definitions/data-model';
import { resourcePrefix, type GatewayConfig } from '../config';
import { EventRouting } from '../constructs/event-routing';
import { SendScheduling } from '../constructs/send-scheduling';
import { gatewayRolePath } from '../constructs/gateway-function';

type QueueKey = keyof typeof QUEUES;

export interface StatefulStackProps extends StackProps {
  readonly config: GatewayConfig;
}

const attribute = (key: KeyDefinition): Attribute => ({
  name: key.name,
  type: key.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER,
});

/** What a stateful resource does on stack deletion: retained unless the stage is a throw-away test stage. */
export const removalPolicyOf = (config: GatewayConfig): RemovalPolicy =>
  config.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

/**
 * Everything that holds data or identity and must outlive a redeploy of the code: the DynamoDB tables and the
 * queues with their dead-letter queues (all built from definitions/data-model.ts), the Sinch API key secret, the
 * gateway's EventBridge bus with its rules into the queues, the Scheduler group holding scheduled sends and
 * the role that fires them and, with fixedEgressIp, the Elastic IPs Sinch may allowlist. Retained on stack
 * deletion (tables also deletion-protected) unless the config says `removalPolicy: destroy`.
 */
export class StatefulStack extends Stack {
  readonly tables: Readonly<Record<TableId, Table>>;
  /** Every queue of the data model, by its key in QUEUES. */
  readonly queues: Readonly<Record<QueueKey, Queue>>;
  readonly sendQueue: Queue;
  readonly sendDeadLetterQueue: Queue;
  readonly sinchSecret: Secret;
  readonly eventBus: EventBus;
  /** The bus's rules (send requests → events queue, status changes → webhook queue) and its producer policy. */
  readonly eventRouting: EventRouting;
  /** The schedule group of scheduled sends and the role EventBridge Scheduler fires them with. */
  readonly scheduling: SendScheduling;
  /** Allocation ids of the fixed egress addresses (empty unless fixedEgressIp is enabled). */
  readonly egressAllocationIds: readonly string[];

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;
    const prefix = resourcePrefix(config);
    const removalPolicy = removalPolicyOf(config);
    const retained = removalPolicy === RemovalPolicy.RETAIN;

    const tables = {} as Record<TableId, Table>;
    for (const [key, def] of Object.entries(TABLES) as [TableId, TableDefinition][]) {
      tables[key] = this.table(def, prefix, removalPolicy, retained);
    }
    this.tables = tables;

    // Dead-letter queues first, so each queue can point at its own by `deadLetterQueueId`.
    const byId = new Map<string, Queue>();
    const queues = {} as Record<QueueKey, Queue>;
    const entries = Object.entries(QUEUES) as [QueueKey, QueueDefinition][];
    for (const [key, def] of [
      ...entries.filter(([, d]) => d.deadLetterQueueId === undefined),
      ...entries.filter(([, d]) => d.deadLetterQueueId !== undefined),
    ]) {
      const deadLetter = def.deadLetterQueueId === undefined ? undefined : byId.get(def.deadLetterQueueId);
      if (def.deadLetterQueueId !== undefined && !deadLetter) {
        throw new Error(`queue ${def.id}: no dead-letter queue "${def.deadLetterQueueId}" in QUEUES`);
      }
      queues[key] = this.queue(def, prefix, removalPolicy, deadLetter);
      byId.set(def.id, queues[key]);
    }
    this.queues = queues;
    this.sendQueue = queues.send;
    this.sendDeadLetterQueue = queues.sendDlq;

    this.sinchSecret = new Secret(this, 'SinchApiKey', {
      secretName: physicalName(prefix, 'sinch-api-key'),
      description:
        'Sinch MMS API key used by the send Lambda. Put the real key in after the first deploy (docs/deploy.md): the bare key or {"apiKey":"..."}.',
      // A placeholder without "apiKey": sends fail (and are retried, then dead-lettered) until the real key is in.
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ note: 'placeholder: replace with the Sinch API key' }),
        generateStringKey: 'placeholder',
        excludePunctuation: true,
      },
      removalPolicy,
    });
    Validations.of(this.sinchSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The Sinch API key is issued by Sinch and cannot be rotated by a Lambda; it is rotated by hand (docs/operations.md, "Key rotation"). The send Lambda re-reads it within 5 minutes, at once after an E104.',
    });

    this.eventBus = new EventBus(this, 'EventBus', { eventBusName: physicalName(prefix, 'events') });
    this.eventBus.applyRemovalPolicy(removalPolicy);
    this.eventRouting = new EventRouting(this, 'EventRouting', {
      eventBus: this.eventBus,
      sendRequests: { queue: queues.events, deadLetterQueue: queues.eventsDlq },
      statusChanges: { queue: queues.webhook, deadLetterQueue: queues.webhookDlq },
      producers: config.eventProducers,
      producerSources: Object.keys(config.eventSources),
      gatewayRolePath: gatewayRolePath(prefix),
    });

    this.scheduling = new SendScheduling(this, 'Scheduling', {
      groupName: physicalName(prefix, 'schedules'),
      sendQueue: this.sendQueue,
      deadLetterQueue: this.sendDeadLetterQueue,
      recurringQueue: queues.events,
      recurringDeadLetterQueue: queues.eventsDlq,
      removalPolicy,
    });

    const egress = config.fixedEgressIp;
    this.egressAllocationIds = egress.enabled
      ? Array.from({ length: egress.natGateways }, (_, i) => {
          const eip = new CfnEIP(this, `EgressIp${i + 1}`, {
            domain: 'vpc',
            tags: [{ key: 'Name', value: physicalName(prefix, `egress-${i + 1}`) }],
          });
          eip.applyRemovalPolicy(removalPolicy);
          new CfnOutput(this, `EgressIp${i + 1}Address`, {
            value: eip.attrPublicIp,
            description:
              'Fixed source address of the calls to Sinch (give it to Sinch if they allowlist callers)',
          });
          return eip.attrAllocationId;
        })
      : [];

    new CfnOutput(this, 'TeamsTableName', {
      value: tables.teams.tableName,
      description: 'TEAMS_TABLE for the teams CLI (npm run teams)',
    });
    new CfnOutput(this, 'SinchSecretName', {
      value: physicalName(prefix, 'sinch-api-key'),
      description: 'Put the Sinch API key here (aws secretsmanager put-secret-value)',
    });
    new CfnOutput(this, 'SendDeadLetterQueueUrl', { value: this.sendDeadLetterQueue.queueUrl });
    new CfnOutput(this, 'EventBusName', {
      value: this.eventBus.eventBusName,
      description: 'Put mms.send-requested events here (aws events put-events, docs/deploy.md)',
    });
    new CfnOutput(this, 'EventBusArn', {
      value: this.eventBus.eventBusArn,
      description: 'The bus ARN producers in other accounts (eventProducers) put events to',
    });
    new CfnOutput(this, 'ScheduleGroupName', { value: this.scheduling.groupName });
  }

  private table(
    def: TableDefinition,
    prefix: string,
    removalPolicy: RemovalPolicy,
    retained: boolean,
  ): Table {
    const table = new Table(this, `${pascal(def.id)}Table`, {
      tableName: physicalName(prefix, def.id),
      partitionKey: attribute(def.partitionKey),
      ...(def.sortKey ? { sortKey: attribute(def.sortKey) } : {}),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      ...(def.ttlAttribute ? { timeToLiveAttribute: def.ttlAttribute } : {}),
      ...(def.stream ? { stream: StreamViewType[def.stream] } : {}),
      deletionProtection: retained,
      removalPolicy,
    });
    for (const index of def.globalSecondaryIndexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: attribute(index.partitionKey),
        ...(index.sortKey ? { sortKey: attribute(index.sortKey) } : {}),
      });
    }
    return table;
  }

  private queue(
    def: QueueDefinition,
    prefix: string,
    removalPolicy: RemovalPolicy,
    deadLetter?: Queue,
  ): Queue {
    if (deadLetter) {
      // Infrastructure invariants of AWS's SQS → Lambda guidance; data-model.ts must keep them.
      if (def.visibilityTimeoutSeconds < 6 * SEND_FUNCTION_TIMEOUT_SECONDS) {
        throw new Error(`queue ${def.id}: visibility timeout must be at least 6 × the send function timeout`);
      }
      if ((def.maxReceiveCount ?? 0) < 5)
        throw new Error(`queue ${def.id}: maxReceiveCount must be at least 5`);
    }
    return new Queue(this, `${pascal(def.id)}Queue`, {
      queueName: physicalName(prefix, def.id),
      visibilityTimeout: Duration.seconds(def.visibilityTimeoutSeconds),
      retentionPeriod: Duration.seconds(def.retentionSeconds),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy,
      ...(deadLetter
        ? { deadLetterQueue: { queue: deadLetter, maxReceiveCount: def.maxReceiveCount ?? 5 } }
        : {}),
    });
  }
}

const pascal = (id: string): string =>
  id
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
