import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { WEBHOOK_FUNCTION_TIMEOUT_SECONDS } from '../../definitions/data-model';
import type { GatewayConfig } from '../config';
import { GatewayFunction, type FunctionDefaults } from './gateway-function';

/** Status events per webhook-worker invocation; they are delivered concurrently. */
export const WEBHOOK_BATCH_SIZE = 10;
/** Most webhook workers at once: bounds the gateway's outbound calls to teams' endpoints. */
export const WEBHOOK_MAX_CONCURRENCY = 5;

export interface WebhookDeliveryProps {
  readonly defaults: FunctionDefaults;
  readonly config: Pick<GatewayConfig, 'webhooks'>;
  /** The `webhook` queue: the StatusChanged rule's events and the worker's own delayed retries. */
  readonly queue: IQueue;
  /** Holds each team's webhook URL and signing secrets. */
  readonly teamsTable: ITable;
  /** Each attempt is recorded in the message's history. */
  readonly messagesTable: ITable;
  /** And in the team's delivery log (GET /v2/team/webhook/deliveries). */
  readonly controlTable: ITable;
}

/**
 * Status webhooks (docs/webhooks.md): the webhook worker consumes the `webhook` queue (batches of 10, at most 5
 * workers, failed records reported) and POSTs each status event, signed, to its team's endpoint on the public
 * internet (the function is not in a VPC, so it has direct egress; it refuses non-public targets itself). A
 * failed delivery is retried by putting a delayed copy on the same queue. It may read teams, read and update
 * messages, and send to the webhook queue; nothing else.
 */
export class WebhookDelivery extends Construct {
  readonly worker: GatewayFunction;

  constructor(scope: Construct, id: string, props: WebhookDeliveryProps) {
    super(scope, id);
    const { webhooks } = props.config;

    this.worker = new GatewayFunction(this, 'Worker', {
      handler: 'webhook',
      description: 'Status events (webhook queue) → teams’ webhook endpoints, signed, with delayed retries',
      defaults: props.defaults,
      // The webhook queue's visibility timeout (6 × this) is sized for it.
      timeout: Duration.seconds(WEBHOOK_FUNCTION_TIMEOUT_SECONDS),
      environment: {
        webhookQueueUrl: props.queue.queueUrl,
        ...(webhooks.timeoutMs !== undefined ? { webhookTimeoutMs: String(webhooks.timeoutMs) } : {}),
        ...(webhooks.retryDelaysSeconds !== undefined
          ? { webhookRetryDelaysSeconds: webhooks.retryDelaysSeconds.join(',') }
          : {}),
        ...(webhooks.retryMaxAgeSeconds !== undefined
          ? { webhookRetryMaxAgeSeconds: String(webhooks.retryMaxAgeSeconds) }
          : {}),
      },
    })
      .grantTable('teamsTable', props.teamsTable, { items: ['GetItem'] })
      .grantTable('messagesTable', props.messagesTable, { items: ['GetItem', 'UpdateItem'] })
      .grantTable('controlTable', props.controlTable, { items: ['UpdateItem'] });
    props.queue.grantSendMessages(this.worker.role);

    this.worker.function.addEventSource(
      new SqsEventSource(props.queue, {
        batchSize: WEBHOOK_BATCH_SIZE,
        maxConcurrency: WEBHOOK_MAX_CONCURRENCY,
        reportBatchItemFailures: true,
      }),
    );
  }
}
