/**
 * The MessageScheduler port on EventBridge Scheduler: one one-time schedule per scheduled message, named
 * `scheduleName(messageId)`, that puts the same body as the send queue items (`{"messageId":…}`) on the send
 * queue at the time, then deletes itself. Locally the same code talks to `local/infra/scheduler-endpoint.ts`
 * through AWS_ENDPOINT_URL_SCHEDULER.
 */
import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  UpdateScheduleCommand,
  type CreateScheduleCommandInput,
  type GetScheduleCommandOutput,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import * as z from '../domain/zod';
import { firingInput, recurringScheduleName } from '../domain/recurring/recurring';
import type { RecurringSchedule, RecurringScheduler } from '../domain/recurring/ports';
import { scheduleName } from '../domain/messages/scheduling';
import type { MessageScheduler } from '../domain/messages/ports';
import type { SendQueueBody } from './sqs-send-queue';
import { RECURRING_ENV, SCHEDULER_ENV } from '../../definitions/environment';

export interface SchedulerSettings {
  /** The schedule group holding the gateway's schedules. */
  readonly groupName: string;
  /** The send queue's ARN: the schedules' target. */
  readonly targetArn: string;
  /** The role EventBridge Scheduler assumes to send to the queue (sqs:SendMessage on it and on the DLQ). */
  readonly roleArn: string;
  /** An SQS queue for the invocations that failed after every retry. */
  readonly deadLetterArn: string;
}

const arn = (service: string) =>
  z
    .string()
    .check(
      z.regex(new RegExp(`^arn:aws[a-z-]*:${service}:`), `must be an ${service} ARN (arn:aws:${service}:…)`),
    );

/** The zod schemas of the settings, keyed like SCHEDULER_ENV (the same shape as `schemas` in config.ts). */
export const schedulerSchemas = {
  scheduleGroupName: z
    .string()
    .check(z.regex(/^[0-9a-zA-Z._-]{1,64}$/, 'must be 1 to 64 letters, digits, ".", "_" or "-"')),
  schedulerTargetArn: arn('sqs'),
  schedulerRoleArn: arn('iam'),
  schedulerDlqArn: arn('sqs'),
  recurringTargetArn: arn('sqs'),
  recurringDlqArn: arn('sqs'),
} as const;

const ALL_ENV = { ...SCHEDULER_ENV, ...RECURRING_ENV } as const;

/** Reads the given settings from `env`; throws one error naming every bad or missing variable. */
function readSettings<K extends keyof typeof ALL_ENV>(
  env: NodeJS.ProcessEnv,
  keys: readonly K[],
): Record<K, string> {
  const problems: string[] = [];
  const out = {} as Record<K, string>;
  for (const key of keys) {
    const raw = env[ALL_ENV[key]];
    const parsed = schedulerSchemas[key].safeParse(raw === '' ? undefined : raw);
    if (parsed.success) out[key] = parsed.data;
    else problems.push(`${ALL_ENV[key]}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  }
  if (problems.length > 0) throw new Error(`Invalid configuration: ${problems.join(' | ')}`);
  return out;
}

/** The settings of one-time schedules (send-at): they put messages on the send queue. */
export function loadSchedulerSettings(env: NodeJS.ProcessEnv = process.env): SchedulerSettings {
  const s = readSettings(env, [
    'scheduleGroupName',
    'schedulerTargetArn',
    'schedulerRoleArn',
    'schedulerDlqArn',
  ]);
  return {
    groupName: s.scheduleGroupName,
    targetArn: s.schedulerTargetArn,
    roleArn: s.schedulerRoleArn,
    deadLetterArn: s.schedulerDlqArn,
  };
}

/** The settings of recurring schedules: same group and role, firing into the events queue. */
export function loadRecurringSettings(env: NodeJS.ProcessEnv = process.env): SchedulerSettings {
  const s = readSettings(env, [
    'scheduleGroupName',
    'schedulerRoleArn',
    'recurringTargetArn',
    'recurringDlqArn',
  ]);
  return {
    groupName: s.scheduleGroupName,
    targetArn: s.recurringTargetArn,
    roleArn: s.schedulerRoleArn,
    deadLetterArn: s.recurringDlqArn,
  };
}

/**
 * `at(yyyy-mm-ddThh:mm:ss)` in UTC. Scheduler's at() has second precision: the time is rounded up, so the
 * schedule never fires before `at` (EventBridge Scheduler itself fires within the minute after the time).
 */
export function atExpression(at: Date): string {
  const ms = at.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('atExpression: invalid date');
  return `at(${new Date(Math.ceil(ms / 1000) * 1000).toISOString().slice(0, 19)})`;
}

const RETRY_POLICY = { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 } as const;

const isAwsError = (error: unknown, name: string): boolean => error instanceof Error && error.name === name;

/** Deletes a schedule of the group; one already gone (fired, deleted) is not an error. */
async function deleteSchedule(client: SchedulerClient, groupName: string, name: string): Promise<void> {
  try {
    await client.send(new DeleteScheduleCommand({ Name: name, GroupName: groupName }));
  } catch (error) {
    if (!isAwsError(error, 'ResourceNotFoundException')) throw error;
  }
}

export class EventBridgeMessageScheduler implements MessageScheduler {
  constructor(
    private readonly client: SchedulerClient,
    private readonly settings: SchedulerSettings,
  ) {}

  /**
   * Creates the schedule. One that already exists (a retried request) is left alone when it has the same
   * definition, and updated otherwise.
   */
  async schedule(messageId: string, at: Date): Promise<void> {
    const definition = this.definition(messageId, at);
    // Each round fails only when the schedule vanishes between two calls (it fired or was canceled).
    for (let round = 0; round < 3; round += 1) {
      try {
        await this.client.send(new CreateScheduleCommand(definition));
        return;
      } catch (error) {
        if (!isAwsError(error, 'ConflictException')) throw error;
      }
      let existing: GetScheduleCommandOutput;
      try {
        existing = await this.client.send(
          new GetScheduleCommand({ Name: definition.Name, GroupName: definition.GroupName }),
        );
      } catch (error) {
        if (isAwsError(error, 'ResourceNotFoundException')) continue;
        throw error;
      }
      if (sameDefinition(existing, definition)) return;
      try {
        await this.client.send(new UpdateScheduleCommand(definition));
        return;
      } catch (error) {
        if (!isAwsError(error, 'ResourceNotFoundException')) throw error;
      }
    }
    throw new Error(`schedule ${definition.Name}: created and gone again three times in a row`);
  }

  /**
   * Moves the schedule. UpdateSchedule replaces the whole definition, so the whole definition is sent.
   * A schedule that no longer exists (fired, canceled) fails with Scheduler's ResourceNotFoundException.
   */
  async reschedule(messageId: string, at: Date): Promise<void> {
    await this.client.send(new UpdateScheduleCommand(this.definition(messageId, at)));
  }

  cancel(messageId: string): Promise<void> {
    return deleteSchedule(this.client, this.settings.groupName, scheduleName(messageId));
  }

  private definition(messageId: string, at: Date): ScheduleDefinition {
    return scheduleDefinition(this.settings, messageId, at);
  }
}

/** The full definition of a message's schedule: CreateSchedule's and UpdateSchedule's input. */
export function scheduleDefinition(settings: SchedulerSettings, messageId: string, at: Date) {
  const body: SendQueueBody = { messageId };
  return {
    Name: scheduleName(messageId),
    GroupName: settings.groupName,
    ScheduleExpression: atExpression(at),
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'DELETE',
    State: 'ENABLED',
    Target: {
      Arn: settings.targetArn,
      RoleArn: settings.roleArn,
      Input: JSON.stringify(body),
      DeadLetterConfig: { Arn: settings.deadLetterArn },
      RetryPolicy: { ...RETRY_POLICY },
    },
  } satisfies CreateScheduleCommandInput;
}

type ScheduleDefinition = ReturnType<typeof scheduleDefinition>;

/** Whether the existing schedule already is the one we would create (same time, target, body, policies). */
function sameDefinition(existing: GetScheduleCommandOutput, wanted: ScheduleDefinition): boolean {
  const target = existing.Target;
  return (
    existing.ScheduleExpression === wanted.ScheduleExpression &&
    (existing.ScheduleExpressionTimezone ?? 'UTC') === wanted.ScheduleExpressionTimezone &&
    (existing.State ?? 'ENABLED') === wanted.State &&
    existing.ActionAfterCompletion === wanted.ActionAfterCompletion &&
    target?.Arn === wanted.Target.Arn &&
    target.RoleArn === wanted.Target.RoleArn &&
    target.Input === wanted.Target.Input &&
    target.DeadLetterConfig?.Arn === wanted.Target.DeadLetterConfig.Arn &&
    target.RetryPolicy?.MaximumRetryAttempts === wanted.Target.RetryPolicy.MaximumRetryAttempts &&
    target.RetryPolicy.MaximumEventAgeInSeconds === wanted.Target.RetryPolicy.MaximumEventAgeInSeconds
  );
}

/**
 * The RecurringScheduler port on EventBridge Scheduler: one recurring schedule per recurring send, named
 * `recurringScheduleName(id)`, in the schedule's time zone, that puts `{"recurring":{"scheduleId",
 * "scheduledTime"}}` on the events queue at each occurrence (Scheduler fills in `<aws.scheduler.scheduled-time>`).
 * Pausing disables it (State DISABLED) rather than deleting it.
 */
export class EventBridgeRecurringScheduler implements RecurringScheduler {
  constructor(
    private readonly client: SchedulerClient,
    private readonly settings: SchedulerSettings,
  ) {}

  async upsert(schedule: Pick<RecurringSchedule, 'id' | 'expression' | 'timeZone' | 'state'>): Promise<void> {
    const definition = recurringDefinition(this.settings, schedule);
    try {
      await this.client.send(new CreateScheduleCommand(definition));
    } catch (error) {
      if (!isAwsError(error, 'ConflictException')) throw error;
      await this.client.send(new UpdateScheduleCommand(definition));
    }
  }

  delete(id: string): Promise<void> {
    return deleteSchedule(this.client, this.settings.groupName, recurringScheduleName(id));
  }
}

/** The full definition of a recurring send's schedule. */
export function recurringDefinition(
  settings: SchedulerSettings,
  schedule: Pick<RecurringSchedule, 'id' | 'expression' | 'timeZone' | 'state'>,
) {
  return {
    Name: recurringScheduleName(schedule.id),
    GroupName: settings.groupName,
    ScheduleExpression: schedule.expression,
    ScheduleExpressionTimezone: schedule.timeZone,
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'NONE',
    State: schedule.state === 'enabled' ? 'ENABLED' : 'DISABLED',
    Target: {
      Arn: settings.targetArn,
      RoleArn: settings.roleArn,
      Input: firingInput(schedule.id),
      DeadLetterConfig: { Arn: settings.deadLetterArn },
      RetryPolicy: { ...RETRY_POLICY },
    },
  } satisfies CreateScheduleCommandInput;
}
