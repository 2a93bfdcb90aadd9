import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { ISubnet, IVpc } from 'aws-cdk-lib/aws-ec2';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SEND_FUNCTION_TIMEOUT_SECONDS } from '../../definitions/data-model';
import type { GatewayConfig } from '../config';
import { GatewayFunction, type FunctionDefaults } from './gateway-function';

export interface SendPipelineProps {
  readonly defaults: FunctionDefaults;
  readonly config: Pick<
    GatewayConfig,
    | 'sinchBaseUrl'
    | 'sinchTimeoutMs'
    | 'pacerMaxWaitMs'
    | 'accountTps'
    | 'tpsSafetyFactor'
    | 'maxAttempts'
    | 'ambiguousTimeoutPolicy'
    | 'sendBatchSize'
    | 'sendMaxConcurrency'
  >;
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  readonly messagesTable: ITable;
  /** savemms submissions: the send Lambda submits templates and records their state. */
  readonly templatesTable: ITable;
  /** Holds the shared send-pacer item. */
  readonly controlTable: ITable;
  readonly sinchSecret: ISecret;
  /** Private subnets behind the NAT gateway(s) of the fixed egress IP. @default - no VPC */
  readonly network?: { readonly vpc: IVpc; readonly subnets: readonly ISubnet[] };
}

/**
 * The only code that calls Sinch: the send Lambda consuming the send queue (batch size and maximum concurrency
 * from config, partial batch failures reported), pacing itself with the account bucket in the control table.
 * It alone may read the Sinch API key secret; it may send to the queue (delayed retries) and its dead-letter
 * queue (attempts exhausted), and read/update messages.
 */
export class SendPipeline extends Construct {
  readonly send: GatewayFunction;

  constructor(scope: Construct, id: string, props: SendPipelineProps) {
    super(scope, id);
    const { config } = props;

    this.send = new GatewayFunction(this, 'Send', {
      handler: 'send',
      description: 'Sends queued MMS to Sinch at the account throughput',
      defaults: props.defaults,
      timeout: Duration.seconds(SEND_FUNCTION_TIMEOUT_SECONDS),
      ...(props.network ? { network: props.network } : {}),
      environment: {
        sendQueueUrl: props.queue.queueUrl,
        sendDlqUrl: props.deadLetterQueue.queueUrl,
        sinchBaseUrl: config.sinchBaseUrl,
        sinchSecretId: props.sinchSecret.secretArn,
        sinchTimeoutMs: String(config.sinchTimeoutMs),
        pacerMaxWaitMs: String(config.pacerMaxWaitMs),
        accountTps: String(config.accountTps),
        tpsSafetyFactor: String(config.tpsSafetyFactor),
        maxAttempts: String(config.maxAttempts),
        ambiguousTimeoutPolicy: config.ambiguousTimeoutPolicy,
      },
    });
    this.send
      .grantTable('messagesTable', props.messagesTable, { items: ['GetItem', 'UpdateItem'] })
      .grantTable('templatesTable', props.templatesTable, { items: ['GetItem', 'UpdateItem'] })
      // The pacing bucket, and the per-team usage counters (UpdateItem).
      .grantTable('controlTable', props.controlTable, { items: ['GetItem', 'PutItem', 'UpdateItem'] });
    props.sinchSecret.grantRead(this.send.role);
    props.queue.grantSendMessages(this.send.role);
    props.deadLetterQueue.grantSendMessages(this.send.role);

    this.send.function.addEventSource(
      new SqsEventSource(props.queue, {
        batchSize: config.sendBatchSize,
        maxConcurrency: config.sendMaxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
  }
}
