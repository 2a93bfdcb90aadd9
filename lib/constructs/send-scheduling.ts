import { Stack, Token, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import { Effect, Grant, PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RECURRING_ENV, SCHEDULER_ENV } from '../../definitions/environment';
import type { GatewayFunction } from './gateway-function';

/** The API calls lambdas/adapters/eventbridge-scheduler.ts makes, and nothing else. */
export const SCHEDULE_ACTIONS = [
  'scheduler:CreateSchedule',
  'scheduler:UpdateSchedule',
  'scheduler:DeleteSchedule',
  'scheduler:GetSchedule',
] as const;

export const SCHEDULER_SERVICE = 'scheduler.amazonaws.com';

/** The execution role's only policy. */
const SEND_POLICY_NAME = 'send-scheduled-messages';

export interface SendSchedulingProps {
  /** Name of the schedule group that holds one one-time schedule per scheduled message. */
  readonly groupName: string;
  /** The send queue: what every schedule puts `{"messageId": …}` on when it fires. */
  readonly sendQueue: IQueue;
  /** Where a schedule's invocation goes after Scheduler's retries fail (the send DLQ). */
  readonly deadLetterQueue: IQueue;
  /** Recurring sends: what their schedules put `{"recurring": …}` on at each firing (the events queue). */
  readonly recurringQueue: IQueue;
  /** Where a recurring firing goes after Scheduler's retries fail (the events DLQ). */
  readonly recurringDeadLetterQueue: IQueue;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * What the gateway's scheduled sends (`send-at`) and recurring sends need from EventBridge Scheduler: a schedule
 * group holding the messages' one-time schedules and the recurring sends' schedules, and the execution role
 * Scheduler assumes to fire them. The role trusts only scheduler.amazonaws.com acting for this account's schedule
 * group, and may only `sqs:SendMessage` to the send queue (one-time schedules), the events queue (recurring
 * firings) and their dead-letter queues; the queues use SQS-managed encryption, so no KMS permission is needed.
 * The group and the role hold pending schedules, so they live (and are retained) with the other stateful
 * resources.
 *
 * `grantScheduling` gives an entry Lambda the one-time scheduler settings (SCHEDULER_ENV), `grantRecurring` the
 * recurring ones (and RECURRING_ENV); both let it create, update, delete and read schedules of this group only,
 * and pass this role only to Scheduler.
 */
export class SendScheduling extends Construct {
  readonly group: CfnScheduleGroup;
  readonly groupName: string;
  /** The Scheduler execution role. */
  readonly role: Role;
  private readonly sendQueue: IQueue;
  private readonly deadLetterQueue: IQueue;
  private readonly recurringQueue: IQueue;
  private readonly recurringDeadLetterQueue: IQueue;
  private readonly managers = new Set<GatewayFunction>();

  constructor(scope: Construct, id: string, props: SendSchedulingProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.groupName = props.groupName;
    this.sendQueue = props.sendQueue;
    this.deadLetterQueue = props.deadLetterQueue;
    this.recurringQueue = props.recurringQueue;
    this.recurringDeadLetterQueue = props.recurringDeadLetterQueue;

    this.group = new CfnScheduleGroup(this, 'Group', { name: props.groupName });
    this.group.applyRemovalPolicy(props.removalPolicy);

    this.role = new Role(this, 'ExecutionRole', {
      description: `EventBridge Scheduler: puts scheduled messages of ${props.groupName} on the send queue`,
      // Confused-deputy protection: only Scheduler acting for this account's schedule group may assume it.
      assumedBy: new ServicePrincipal(SCHEDULER_SERVICE, {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': this.group.attrArn },
        },
      }),
      // Inline in the role itself, so a retained role keeps its permission with it.
      inlinePolicies: {
        [SEND_POLICY_NAME]: new PolicyDocument({
          statements: [
            new PolicyStatement({
              effect: Effect.ALLOW,
              actions: ['sqs:SendMessage'],
              resources: [
                props.sendQueue.queueArn,
                props.deadLetterQueue.queueArn,
                props.recurringQueue.queueArn,
                props.recurringDeadLetterQueue.queueArn,
              ],
            }),
          ],
        }),
      },
    });
    this.role.applyRemovalPolicy(props.removalPolicy);
  }

  /** ARN pattern of every schedule in the group (`schedule/<group>/*`), the only schedules the Lambdas may touch. */
  schedulesArn(scope: Construct): string {
    return Stack.of(scope).formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${this.groupName}/*`,
    });
  }

  /** Sets the one-time scheduler settings on `fn` and lets it manage the group's schedules with the role. */
  grantScheduling(fn: GatewayFunction): void {
    this.setEnvironment(fn, {
      scheduleGroupName: this.groupName,
      schedulerTargetArn: this.sendQueue.queueArn,
      schedulerRoleArn: this.role.roleArn,
      schedulerDlqArn: this.deadLetterQueue.queueArn,
    });
    this.grantManage(fn);
  }

  /** Sets the recurring-send scheduler settings on `fn` and lets it manage the group's schedules with the role. */
  grantRecurring(fn: GatewayFunction): void {
    this.setEnvironment(fn, {
      scheduleGroupName: this.groupName,
      schedulerRoleArn: this.role.roleArn,
      recurringTargetArn: this.recurringQueue.queueArn,
      recurringDlqArn: this.recurringDeadLetterQueue.queueArn,
    });
    this.grantManage(fn);
  }

  private setEnvironment(
    fn: GatewayFunction,
    environment: Partial<Record<keyof typeof SCHEDULER_ENV | keyof typeof RECURRING_ENV, string>>,
  ): void {
    const names: Record<string, string> = { ...SCHEDULER_ENV, ...RECURRING_ENV };
    for (const [key, value] of Object.entries(environment)) {
      if (value !== undefined && names[key] !== undefined) fn.function.addEnvironment(names[key], value);
    }
  }

  /** The schedule calls on this group's schedules, and passing the execution role to Scheduler only. */
  private grantManage(fn: GatewayFunction): void {
    if (this.managers.has(fn)) return;
    this.managers.add(fn);
    Grant.addToPrincipal({
      grantee: fn.role,
      actions: [...SCHEDULE_ACTIONS],
      resourceArns: [this.schedulesArn(fn)],
    });
    const stack = Stack.of(fn);
    // cdk-nag names the finding by the rendered ARN: the partition is a literal when the app knows it (cdk.json's
    // target partitions), else the pseudo-parameter.
    const partition = Token.isUnresolved(stack.partition) ? '<AWS::Partition>' : stack.partition;
    Validations.of(fn.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:${partition}:scheduler:${stack.region}:${stack.account}:schedule/${this.groupName}/*]`,
      reason:
        'Each scheduled message and each recurring send gets its own schedule, named at run time; the wildcard covers only the schedules of the gateway’s own schedule group, for the four calls the scheduler adapter makes.',
    });
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['iam:PassRole'],
        resources: [this.role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': SCHEDULER_SERVICE } },
      }),
    );
  }
}
