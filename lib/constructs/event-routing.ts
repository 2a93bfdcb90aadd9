import { Aws, Duration } from 'aws-cdk-lib';
import { Rule, type EventBus, type EventPattern } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import {
  AccountPrincipal,
  AnyPrincipal,
  ArnPrincipal,
  Effect,
  PolicyStatement,
  type IPrincipal,
} from 'aws-cdk-lib/aws-iam';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EVENT_SOURCE } from '../../lambdas/adapters/eventbridge-publisher';
import { SEND_REQUESTED_PATTERN } from '../../definitions/data-model';
import { INBOUND_RECEIVED } from '../../lambdas/domain/consent/inbound';
import { STATUS_EVENT_TYPES } from '../../lambdas/domain/messages/status-events';

/** The gateway's own status events (messages and templates): the webhook rule's pattern (and the local bus's). */
export const STATUS_CHANGED_PATTERN: { source: readonly string[]; 'detail-type': readonly string[] } = {
  source: [EVENT_SOURCE],
  'detail-type': [...STATUS_EVENT_TYPES, INBOUND_RECEIVED],
};

/**
 * EventBridge's delivery retries to a rule's queue: the service maxima (24 h, 185 attempts), then the rule's
 * dead-letter queue. An SQS target fails only when the queue is unavailable or its policy refuses the event.
 */
export const RULE_TARGET_RETRY = { maxEventAge: Duration.hours(24), retryAttempts: 185 } as const;

/** A rule's buffer: the queue its events go to and the dead-letter queue of what cannot be delivered. */
export interface RuleQueue {
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
}

export interface EventRoutingProps {
  readonly eventBus: EventBus;
  /** `mms.send-requested` events (SEND_REQUESTED_PATTERN) → the events worker's queue. */
  readonly sendRequests: RuleQueue;
  /** The gateway's `mms.status-changed` events → the webhook worker's queue. */
  readonly statusChanges: RuleQueue;
  /**
   * Accounts (12-digit ids) and IAM role ARNs outside the gateway's own identity policies that may put
   * send-requested events on the bus. Empty: no resource policy, only principals of the same account.
   */
  readonly producers: readonly string[];
  /** The `source` values producers may use (config eventSources); required when there are producers. */
  readonly producerSources: readonly string[];
  /**
   * The IAM path of the gateway's own Lambda roles (`/mms-gateway-<stage>/`): only roles under it may put events
   * with the gateway's source (a path, not role ARNs, so the stateful bus never refers to the stateless stack).
   */
  readonly gatewayRolePath: string;
}

/** An event pattern as EventBridge writes it (`detail-type`, …), in the CDK's camelCase shape (`detailType`). */
export type JsonEventPattern = Readonly<Record<string, readonly string[]>>;

export const toEventPattern = (pattern: JsonEventPattern): EventPattern =>
  Object.fromEntries(
    Object.entries(pattern).map(([key, values]) => [
      key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()),
      [...values],
    ]),
  );

const principalOf = (producer: string): IPrincipal =>
  /^\d{12}$/.test(producer) ? new AccountPrincipal(producer) : new ArnPrincipal(producer);

/**
 * The gateway bus's routing: two rules, each buffering its events in an SQS queue with a dead-letter queue, and
 * the bus's resource policy. The rules live with the bus and the queues (stateful stack) so that the queues'
 * resource policies, which name the rules, never point at the stateless stack (docs/decisions/0010-event-rules.md).
 *
 * - SendRequested: SEND_REQUESTED_PATTERN → the `events` queue (DLQ `events-dlq`).
 * - StatusChanged: STATUS_CHANGED_PATTERN → the `webhook` queue (DLQ `webhook-dlq`).
 * - One bus policy statement denies `events:PutEvents` with the gateway's source to every principal but the
 *   gateway's Lambda roles (by their IAM path), so nobody in the account can forge a status event.
 * - With producers configured, one bus policy statement allows them `events:PutEvents` of `mms.send-requested`
 *   events with one of the configured sources only, so no producer can put a status event (which would reach
 *   teams' webhooks) or a source the gateway does not know.
 */
export class EventRouting extends Construct {
  readonly sendRequestedRule: Rule;
  readonly statusChangedRule: Rule;

  constructor(scope: Construct, id: string, props: EventRoutingProps) {
    super(scope, id);

    this.sendRequestedRule = this.route(
      'SendRequested',
      'mms.send-requested events → the events queue (event-triggered sends)',
      props.eventBus,
      SEND_REQUESTED_PATTERN,
      props.sendRequests,
    );
    this.statusChangedRule = this.route(
      'StatusChanged',
      'mms.status-changed events of the gateway → the webhook queue (status webhooks)',
      props.eventBus,
      STATUS_CHANGED_PATTERN,
      props.statusChanges,
    );

    // Status events reach teams' webhooks: nobody but the gateway's own roles may put one (or any event with
    // the gateway's source), whatever their identity policies allow.
    props.eventBus.addToResourcePolicy(
      new PolicyStatement({
        sid: 'GatewaySourceOnlyFromGatewayRoles',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['events:PutEvents'],
        resources: [props.eventBus.eventBusArn],
        conditions: {
          'ForAnyValue:StringEquals': { 'events:source': [EVENT_SOURCE] },
          ArnNotLike: {
            'aws:PrincipalArn': `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role${props.gatewayRolePath}*`,
          },
        },
      }),
    );

    if (props.producers.length > 0) {
      if (props.producerSources.length === 0) {
        throw new Error('EventRouting: producers need at least one allowed source');
      }
      props.eventBus.addToResourcePolicy(
        new PolicyStatement({
          sid: 'SendRequestsFromProducers',
          effect: Effect.ALLOW,
          principals: props.producers.map(principalOf),
          actions: ['events:PutEvents'],
          resources: [props.eventBus.eventBusArn],
          conditions: {
            StringEquals: { 'events:detail-type': [...SEND_REQUESTED_PATTERN['detail-type']] },
            'ForAllValues:StringEquals': { 'events:source': [...props.producerSources] },
          },
        }),
      );
    }
  }

  private route(
    id: string,
    description: string,
    eventBus: EventBus,
    pattern: JsonEventPattern,
    target: RuleQueue,
  ): Rule {
    return new Rule(this, id, {
      description,
      eventBus,
      eventPattern: toEventPattern(pattern),
      targets: [
        new SqsQueue(target.queue, { deadLetterQueue: target.deadLetterQueue, ...RULE_TARGET_RETRY }),
      ],
    });
  }
}
