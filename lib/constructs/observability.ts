import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  MathExpression,
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  Metric,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../config';

export interface ObservabilityProps {
  /** Name prefix of the topic, alarms and dashboard, e.g. `mms-gateway-dev`. */
  readonly prefix: string;
  /** The `service` dimension of the gateway's EMF metrics (POWERTOOLS_SERVICE_NAME). */
  readonly serviceName: string;
  readonly alarmEmail: string;
  /** SendRetried (E113, 5xx, timeouts) per 5 minutes above which the retry alarm fires. */
  readonly retryAlarmThreshold: number;
  readonly sendFunction: IFunction;
  readonly processorFunction: IFunction;
  readonly sweepFunction: IFunction;
  readonly sendQueue: IQueue;
  readonly sendDeadLetterQueue: IQueue;
  readonly processorDeadLetterQueue: IQueue;
  /** The status publisher (outbox) and its dead-letter queue. */
  readonly publisherFunction: IFunction;
  readonly publisherDeadLetterQueue: IQueue;
  /** Send-requested events the events worker or EventBridge could not get through. */
  readonly eventsDeadLetterQueue: IQueue;
  /** Status events the webhook worker or EventBridge could not get through. */
  readonly webhookDeadLetterQueue: IQueue;
  readonly ingestApi: RestApi;
  readonly postbackApi: RestApi;
  /** 401/403 answers of the ingest API (AuthRefused alarm). */
  readonly authRefused: IMetric;
  /** The web ACLs whose blocked requests are alarmed on (WafBlocks alarm), by name. */
  readonly webAclNames: readonly string[];
}

/** More refused keys than this per 5 minutes: someone is guessing keys, or a team's key was revoked in use. */
export const AUTH_REFUSED_ALARM_THRESHOLD = 50;
/** More WAF blocks than this per 5 minutes over the web ACLs: an attack, or a legitimate caller refused. */
export const WAF_BLOCKS_ALARM_THRESHOLD = 100;

/** The send outcomes the send handler counts (`Send_<outcome>`), plus its retry counters. */
const SEND_OUTCOME_METRICS = [
  'Send_submitted',
  'Send_failed',
  'Send_dead-lettered',
  'Send_skipped',
  'SendRetried',
  'SendDeferred',
];
const POSTBACK_METRICS = ['Postback_applied', 'Postback_pending', 'Postback_orphan', 'Postback_ignored'];
/** What the events worker and the webhook worker count. */
const EVENT_AND_WEBHOOK_METRICS = [
  'EventSendAccepted',
  'EventSendRejected',
  'WebhookDelivered',
  'WebhookFailed',
  'WebhookAbandoned',
];

/**
 * Alarms, an encrypted SNS topic that e-mails them, and one dashboard. Each alarm has a runbook entry in
 * docs/operations.md under its name: SendDlqNotEmpty, ProcessorDlqNotEmpty, EventsDlqNotEmpty,
 * WebhookDlqNotEmpty, SendErrors, SendThrottles, SendRetries, SendQueueBacklog, IngestApi5xx, PostbackApi5xx,
 * ProcessorIteratorAge, PublisherDlqNotEmpty, PublisherIteratorAge, SweepErrors and OrphanPostbacks.
 */
export class Observability extends Construct {
  readonly topic: Topic;
  readonly alarms: Readonly<Record<string, Alarm>>;
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);

    // SNS has no service-managed SSE key that CloudWatch may use, so the topic gets its own key.
    const key = new Key(this, 'AlarmTopicKey', {
      description: `${props.prefix} alarm topic encryption`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new Topic(this, 'AlarmTopic', {
      topicName: `${props.prefix}-alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    this.topic.addSubscription(new EmailSubscription(props.alarmEmail));

    const emf = (metricName: string, statistic = 'Sum'): Metric =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: props.serviceName },
        statistic,
        period: Duration.minutes(1),
      });
    const five = Duration.minutes(5);

    const alarms: Record<string, Alarm> = {};
    const alarm = (
      name: string,
      description: string,
      metric: IMetric,
      threshold: number,
      periods = 1,
    ): void => {
      const created = new Alarm(this, name, {
        alarmName: `${props.prefix}-${name}`,
        alarmDescription: `${description} Runbook: docs/operations.md#${name.toLowerCase()}`,
        metric,
        threshold,
        evaluationPeriods: periods,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(new SnsAction(this.topic));
      created.addOkAction(new SnsAction(this.topic));
      alarms[name] = created;
    };

    alarm(
      'AuthRefused',
      'Many ingest API requests were refused with 401/403 (unknown, missing or revoked keys).',
      props.authRefused,
      AUTH_REFUSED_ALARM_THRESHOLD,
    );
    alarm(
      'WafBlocks',
      'The web ACLs blocked many requests (rate limits, IP reputation, bad inputs, body size, source ranges).',
      new MathExpression({
        expression: props.webAclNames.map((_, i) => `w${i}`).join(' + '),
        usingMetrics: Object.fromEntries(
          props.webAclNames.map((name, i) => [
            `w${i}`,
            new Metric({
              namespace: 'AWS/WAFV2',
              metricName: 'BlockedRequests',
              dimensionsMap: { WebACL: name, Rule: 'ALL', Region: Stack.of(this).region },
              statistic: 'Sum',
              period: five,
            }),
          ]),
        ),
        period: five,
      }),
      WAF_BLOCKS_ALARM_THRESHOLD,
    );

    const deadLetters = (queue: IQueue): IMetric =>
      queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: Duration.minutes(1) });
    alarm(
      'SendDlqNotEmpty',
      'Messages are in the send dead-letter queue (attempts exhausted, a send crashed repeatedly, or a schedule could not put a scheduled message on the send queue).',
      deadLetters(props.sendDeadLetterQueue),
      0,
    );
    alarm(
      'ProcessorDlqNotEmpty',
      'Postback stream records failed every retry of the status processor.',
      deadLetters(props.processorDeadLetterQueue),
      0,
    );
    alarm(
      'PublisherDlqNotEmpty',
      'Messages/templates stream records failed every retry of the status publisher: their status events were not published.',
      deadLetters(props.publisherDeadLetterQueue),
      0,
    );
    alarm(
      'EventsDlqNotEmpty',
      'mms.send-requested events are in the events dead-letter queue (the events worker failed on them 5 times, or EventBridge could not deliver them to the events queue).',
      deadLetters(props.eventsDeadLetterQueue),
      0,
    );
    alarm(
      'WebhookDlqNotEmpty',
      'Status events are in the webhook dead-letter queue (the webhook worker failed on them 5 times, or EventBridge could not deliver them to the webhook queue).',
      deadLetters(props.webhookDeadLetterQueue),
      0,
    );
    alarm(
      'SendErrors',
      'The send Lambda failed (crash or timeout).',
      props.sendFunction.metricErrors({ period: five }),
      0,
    );
    alarm(
      'SendThrottles',
      'The send Lambda was throttled: the account concurrency is exhausted, messages may be over-received.',
      props.sendFunction.metricThrottles({ period: five }),
      0,
    );
    alarm(
      'SendRetries',
      'Many sends were retried (E113 throttling, Sinch 5xx or timeouts) in 5 minutes.',
      emf('SendRetried').with({ period: five }),
      props.retryAlarmThreshold,
    );
    alarm(
      'SendQueueBacklog',
      'The oldest queued message waited more than 15 minutes: sends are not keeping up or are stuck.',
      props.sendQueue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum', period: five }),
      15 * 60,
    );
    alarm(
      'IngestApi5xx',
      'The ingest API answered 5xx.',
      props.ingestApi.metricServerError({ period: five }),
      0,
    );
    alarm(
      'PostbackApi5xx',
      'The postback API answered 5xx (Sinch will retry).',
      props.postbackApi.metricServerError({ period: five }),
      0,
    );
    alarm(
      'ProcessorIteratorAge',
      'The status processor is more than 5 minutes behind the postbacks stream.',
      props.processorFunction.metric('IteratorAge', { statistic: 'Maximum', period: five }),
      5 * 60 * 1000,
    );
    alarm(
      'PublisherIteratorAge',
      'The status publisher is more than 5 minutes behind the messages or templates stream: status events are late.',
      props.publisherFunction.metric('IteratorAge', { statistic: 'Maximum', period: five }),
      5 * 60 * 1000,
    );
    alarm(
      'SweepErrors',
      'The status sweep failed twice in a row.',
      props.sweepFunction.metricErrors({ period: five }),
      0,
      2,
    );
    alarm(
      'OrphanPostbacks',
      'Postbacks were parked as orphans: no message with their Sinch tracking-id.',
      emf('OrphanPostbacks').with({ period: five }),
      0,
    );
    this.alarms = alarms;

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: props.prefix,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Sends per minute by outcome',
        left: SEND_OUTCOME_METRICS.map((name) => emf(name).with({ label: name })),
        width: 12,
      }),
      new GraphWidget({
        title: 'Send queue: age of oldest message (s) and depth',
        left: [
          props.sendQueue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum', label: 'oldest (s)' }),
        ],
        right: [
          props.sendQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', label: 'queued' }),
          props.sendDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
            statistic: 'Maximum',
            label: 'dead-lettered',
          }),
        ],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Latency (ms)',
        left: [
          props.ingestApi.metricLatency({ statistic: 'p50', label: 'ingest API p50' }),
          props.ingestApi.metricLatency({ statistic: 'p99', label: 'ingest API p99' }),
          props.postbackApi.metricLatency({ statistic: 'p99', label: 'postback API p99' }),
          props.sendFunction.metricDuration({ statistic: 'p50', label: 'send Lambda p50' }),
          props.sendFunction.metricDuration({ statistic: 'p99', label: 'send Lambda p99' }),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: 'Postbacks per minute by result; processor iterator age (ms)',
        left: POSTBACK_METRICS.map((name) => emf(name).with({ label: name })),
        right: [
          props.processorFunction.metric('IteratorAge', { statistic: 'Maximum', label: 'iterator age' }),
        ],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Event-triggered sends and webhooks per minute',
        left: EVENT_AND_WEBHOOK_METRICS.map((name) => emf(name).with({ label: name })),
        width: 12,
      }),
      new GraphWidget({
        title: 'Dead-letter queues (messages)',
        left: (
          [
            ['send', props.sendDeadLetterQueue],
            ['events', props.eventsDeadLetterQueue],
            ['webhook', props.webhookDeadLetterQueue],
            ['status processor', props.processorDeadLetterQueue],
          ] as const
        ).map(([label, queue]) =>
          queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', label }),
        ),
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new AlarmStatusWidget({ title: 'Alarms', alarms: Object.values(alarms), width: 24 }),
    );
  }
}
