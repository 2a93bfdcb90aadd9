/**
 * The local EventBridge Scheduler (local/infra/scheduler-endpoint.ts) against DynamoDB Local, driven by the
 * real SchedulerClient, both directly and through the gateway's adapter (EventBridgeMessageScheduler).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
  ValidationException,
  type CreateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  atExpression,
  EventBridgeMessageScheduler,
  loadSchedulerSettings,
  type SchedulerSettings,
} from '../../lambdas/adapters/eventbridge-scheduler';
import { SCHEDULER_ENV } from '../../definitions/environment';
import {
  nextOccurrence,
  parseScheduleExpression,
  type CronExpression,
} from '../../lambdas/domain/recurring/schedule-expression';
import { scheduleName } from '../../lambdas/domain/messages/scheduling';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../local/infra/dynamodb-local';
import {
  startSchedulerEndpoint,
  type LocalScheduleTarget,
  type SchedulerEndpoint,
} from '../../local/infra/scheduler-endpoint';

const region = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const TABLE = 'scheduler-test-schedules';
const SEND_ARN = 'arn:aws:sqs:us-east-1:000000000000:scheduler-test-send';
const DLQ_ARN = 'arn:aws:sqs:us-east-1:000000000000:scheduler-test-dlq';
const FLAKY_ARN = 'arn:aws:sqs:us-east-1:000000000000:scheduler-test-flaky';
const BROKEN_ARN = 'arn:aws:sqs:us-east-1:000000000000:scheduler-test-broken';
const FIRST_FAILS_ARN = 'arn:aws:sqs:us-east-1:000000000000:scheduler-test-first-fails';
const ROLE_ARN = 'arn:aws:iam::000000000000:role/scheduler-test';
const GROUP = 'mms-gateway-test';

const settings: SchedulerSettings = {
  groupName: GROUP,
  targetArn: SEND_ARN,
  roleArn: ROLE_ARN,
  deadLetterArn: DLQ_ARN,
};

interface Delivery {
  arn: string;
  input: string;
  attributes: Readonly<Record<string, string>> | undefined;
  at: number;
}

const deliveries: Delivery[] = [];
const flakyFailuresLeft = new Map<string, number>();

/** The stand-in targets: SEND and DLQ record; FLAKY fails while its input has failures left; BROKEN fails. */
const resolveTarget = (arn: string): LocalScheduleTarget | undefined => {
  if (arn === SEND_ARN || arn === DLQ_ARN) {
    return (input, attributes) => {
      deliveries.push({ arn, input, attributes, at: Date.now() });
      return Promise.resolve();
    };
  }
  if (arn === FLAKY_ARN) {
    return (input) => {
      const left = flakyFailuresLeft.get(input) ?? 0;
      if (left > 0) {
        flakyFailuresLeft.set(input, left - 1);
        return Promise.reject(new Error('target unavailable'));
      }
      deliveries.push({ arn, input, attributes: undefined, at: Date.now() });
      return Promise.resolve();
    };
  }
  if (arn === BROKEN_ARN) return () => Promise.reject(new Error('target broken'));
  if (arn === FIRST_FAILS_ARN) {
    // Records every attempt; fails the first one of each occurrence (the input's attempt-number is 1).
    return (input) => {
      deliveries.push({ arn, input, attributes: undefined, at: Date.now() });
      return (JSON.parse(input) as { attempt?: string }).attempt === '1'
        ? Promise.reject(new Error('first attempt fails'))
        : Promise.resolve();
    };
  }
  return undefined;
};

const deliveriesOf = (input: string, arn = SEND_ARN) =>
  deliveries.filter((d) => d.input === input && d.arn === arn);
const bodyOf = (messageId: string) => JSON.stringify({ messageId });

/** The time of an at() expression, in epoch ms. */
const expressionTime = (expression: string | undefined): number =>
  Date.parse(`${/^at\((.+)\)$/.exec(expression ?? '')?.[1] ?? 'invalid'}Z`);

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** Polls GetSchedule until it answers ResourceNotFoundException. */
async function waitForGone(name: string, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await client.send(new GetScheduleCommand({ Name: name, GroupName: GROUP }));
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return;
      throw error;
    }
    if (Date.now() > deadline) throw new Error(`Schedule ${name} still exists after ${timeoutMs} ms`);
    await sleep(20);
  }
}

let dynamo: DynamoDbLocal;
let endpoint: SchedulerEndpoint;
let client: SchedulerClient;
let adapter: EventBridgeMessageScheduler;
let counter = 0;
const newId = () => `msg-${Date.now().toString(36)}-${(counter += 1)}`;

const start = () =>
  startSchedulerEndpoint({
    dynamo: { endpoint: dynamo.endpoint },
    tableName: TABLE,
    resolveTarget,
    retryBaseMs: 100,
  });

beforeAll(async () => {
  dynamo = await startDynamoDbLocal({});
  endpoint = await start();
  client = new SchedulerClient({ endpoint: endpoint.endpoint, region, credentials });
  adapter = new EventBridgeMessageScheduler(client, settings);
});

afterAll(async () => {
  client?.destroy();
  await endpoint?.stop();
  await dynamo?.stop();
});

describe('the adapter through the local endpoint', () => {
  it('creates the one-time schedule AWS expects, which fires once at its time (never early; the endpoint records the due time) and is gone', async () => {
    const id = newId();
    const at = new Date(Date.now() + 1_700);
    await adapter.schedule(id, at);

    const created = await client.send(new GetScheduleCommand({ Name: scheduleName(id), GroupName: GROUP }));
    expect(created).toMatchObject({
      Name: scheduleName(id),
      GroupName: GROUP,
      Arn: `arn:aws:scheduler:us-east-1:000000000000:schedule/${GROUP}/${scheduleName(id)}`,
      ScheduleExpression: atExpression(at),
      ScheduleExpressionTimezone: 'UTC',
      State: 'ENABLED',
      ActionAfterCompletion: 'DELETE',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: SEND_ARN,
        RoleArn: ROLE_ARN,
        Input: bodyOf(id),
        DeadLetterConfig: { Arn: DLQ_ARN },
        RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
      },
    });
    expect(created.CreationDate).toBeInstanceOf(Date);
    // Second precision, rounded up.
    const due = expressionTime(created.ScheduleExpression);
    expect(due % 1000).toBe(0);
    expect(due).toBeGreaterThanOrEqual(at.getTime());
    expect(due - at.getTime()).toBeLessThan(1000);

    await waitFor(() => deliveriesOf(bodyOf(id)).length > 0);
    const [delivery] = deliveriesOf(bodyOf(id));
    // Never early. How late depends on the machine's load: no bound on it here.
    expect(delivery!.at).toBeGreaterThanOrEqual(due);
    expect(endpoint.fired.filter((f) => f.name === scheduleName(id))).toEqual([
      expect.objectContaining({ group: GROUP, at: new Date(due).toISOString() }),
    ]);

    // ActionAfterCompletion DELETE: gone right after the invocation.
    await waitForGone(scheduleName(id));
    await sleep(600);
    expect(deliveriesOf(bodyOf(id))).toHaveLength(1);
  });

  it('reschedule moves the schedule: it fires at the new time, not at the old one', async () => {
    const id = newId();
    const first = new Date(Date.now() + 1_200);
    const moved = new Date(Date.now() + 2_600);
    await adapter.schedule(id, first);
    await adapter.reschedule(id, moved);

    await sleep(first.getTime() + 1_000 - Date.now());
    expect(deliveriesOf(bodyOf(id))).toHaveLength(0);

    await waitFor(() => deliveriesOf(bodyOf(id)).length > 0);
    const due = expressionTime(atExpression(moved));
    expect(deliveriesOf(bodyOf(id))[0]!.at).toBeGreaterThanOrEqual(due);
    expect(endpoint.fired.filter((f) => f.name === scheduleName(id))).toEqual([
      expect.objectContaining({ at: new Date(due).toISOString() }),
    ]);
    await sleep(400);
    expect(deliveriesOf(bodyOf(id))).toHaveLength(1);
  });

  it('cancel before the time: it never fires; canceling again is not an error', async () => {
    const id = newId();
    const at = new Date(Date.now() + 1_000);
    await adapter.schedule(id, at);
    await adapter.cancel(id);
    await adapter.cancel(id);
    await sleep(at.getTime() + 1_500 - Date.now());
    expect(deliveriesOf(bodyOf(id))).toHaveLength(0);
    expect(endpoint.fired.some((f) => f.name === scheduleName(id))).toBe(false);
  });

  it('schedule on an existing schedule: left alone at the same time, updated at another', async () => {
    const id = newId();
    const at = new Date(Date.now() + 60_000);
    await adapter.schedule(id, at);
    const before = await client.send(new GetScheduleCommand({ Name: scheduleName(id), GroupName: GROUP }));

    await adapter.schedule(id, at); // a retried request
    const same = await client.send(new GetScheduleCommand({ Name: scheduleName(id), GroupName: GROUP }));
    expect(same.LastModificationDate).toEqual(before.LastModificationDate);

    const later = new Date(at.getTime() + 60_000);
    await adapter.schedule(id, later);
    const updated = await client.send(new GetScheduleCommand({ Name: scheduleName(id), GroupName: GROUP }));
    expect(updated.ScheduleExpression).toBe(atExpression(later));
    expect(updated.CreationDate).toEqual(before.CreationDate);
    await adapter.cancel(id);
  });
});

describe('the Scheduler API', () => {
  const definition = (name: string, expression: string): CreateScheduleCommandInput => ({
    Name: name,
    GroupName: GROUP,
    ScheduleExpression: expression,
    FlexibleTimeWindow: { Mode: 'OFF' },
    Target: { Arn: SEND_ARN, RoleArn: ROLE_ARN, Input: bodyOf(name) },
  });

  it('answers a second create of the same name with ConflictException (409)', async () => {
    const name = newId();
    await client.send(
      new CreateScheduleCommand(definition(name, atExpression(new Date(Date.now() + 60_000)))),
    );
    const error = await client
      .send(new CreateScheduleCommand(definition(name, atExpression(new Date(Date.now() + 60_000)))))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictException);
    expect((error as ConflictException).$metadata.httpStatusCode).toBe(409);
    expect((error as ConflictException).message).toContain(name);
    await client.send(new DeleteScheduleCommand({ Name: name, GroupName: GROUP }));
  });

  it('answers unknown schedules with ResourceNotFoundException (404) and bad input with ValidationException (400)', async () => {
    const missing = await client
      .send(new GetScheduleCommand({ Name: 'no-such-schedule', GroupName: GROUP }))
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    expect((missing as ResourceNotFoundException).$metadata.httpStatusCode).toBe(404);
    await expect(
      client.send(new DeleteScheduleCommand({ Name: 'no-such-schedule', GroupName: GROUP })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);

    for (const expression of ['cron(0 12 * * MON *)', 'at(2030-02-30T10:00:00)', 'every minute']) {
      const error = await client
        .send(new CreateScheduleCommand(definition(newId(), expression)))
        .catch((e: unknown) => e);
      expect(error, expression).toBeInstanceOf(ValidationException);
      expect((error as ValidationException).$metadata.httpStatusCode).toBe(400);
    }
    await expect(
      client.send(new CreateScheduleCommand(definition('bad name!', 'rate(5 minutes)'))),
    ).rejects.toBeInstanceOf(ValidationException);
    await expect(
      client.send(
        new CreateScheduleCommand({
          ...definition(newId(), 'rate(5 minutes)'),
          Target: { Arn: SEND_ARN, RoleArn: 'not-a-role' },
        }),
      ),
    ).rejects.toBeInstanceOf(ValidationException);
  });

  it('lists schedules by group and name prefix, page by page', async () => {
    const group = 'list-test';
    const names = ['list-a', 'list-b', 'list-c'];
    for (const name of names) {
      await client.send(new CreateScheduleCommand({ ...definition(name, 'rate(1 day)'), GroupName: group }));
    }
    const first = await client.send(
      new ListSchedulesCommand({ GroupName: group, NamePrefix: 'list-', MaxResults: 2 }),
    );
    expect(first.Schedules?.map((s) => s.Name)).toEqual(['list-a', 'list-b']);
    expect(first.Schedules?.[0]).toMatchObject({
      GroupName: group,
      State: 'ENABLED',
      Target: { Arn: SEND_ARN },
    });
    const second = await client.send(
      new ListSchedulesCommand({ GroupName: group, NamePrefix: 'list-', NextToken: first.NextToken }),
    );
    expect(second.Schedules?.map((s) => s.Name)).toEqual(['list-c']);
    expect(second.NextToken).toBeUndefined();
    for (const name of names) await client.send(new DeleteScheduleCommand({ Name: name, GroupName: group }));
  });

  it('runs a rate() schedule from its StartDate and keeps it for the next run', async () => {
    const name = newId();
    const startDate = new Date(Math.ceil((Date.now() + 1_000) / 1000) * 1000);
    await client.send(
      new CreateScheduleCommand({ ...definition(name, 'rate(1 minute)'), StartDate: startDate }),
    );
    await waitFor(() => deliveriesOf(bodyOf(name)).length > 0);
    expect(deliveriesOf(bodyOf(name))[0]!.at).toBeGreaterThanOrEqual(startDate.getTime());
    const kept = await client.send(new GetScheduleCommand({ Name: name, GroupName: GROUP }));
    expect(kept.StartDate).toEqual(startDate);
    await client.send(new DeleteScheduleCommand({ Name: name, GroupName: GROUP }));
  });

  it('is reachable through AWS_ENDPOINT_URL_SCHEDULER, the variable the SDK reads for this service', async () => {
    const saved = process.env.AWS_ENDPOINT_URL_SCHEDULER;
    process.env.AWS_ENDPOINT_URL_SCHEDULER = endpoint.endpoint;
    const fromEnv = new SchedulerClient({ region, credentials });
    try {
      const missing = await fromEnv
        .send(new GetScheduleCommand({ Name: 'no-such-schedule', GroupName: GROUP }))
        .catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(ResourceNotFoundException);
    } finally {
      fromEnv.destroy();
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_SCHEDULER;
      else process.env.AWS_ENDPOINT_URL_SCHEDULER = saved;
    }
  });
});

/** An Input that asks for every context attribute, tagged with the schedule's name. */
const contextInput = (name: string) =>
  JSON.stringify({
    name,
    arn: '<aws.scheduler.schedule-arn>',
    scheduledTime: '<aws.scheduler.scheduled-time>',
    executionId: '<aws.scheduler.execution-id>',
    attempt: '<aws.scheduler.attempt-number>',
  });

interface ContextBody {
  name: string;
  arn: string;
  scheduledTime: string;
  executionId: string;
  attempt: string;
}

/** The invocations whose input was `contextInput(name)`, parsed. */
const contextDeliveries = (name: string, arn = SEND_ARN): ContextBody[] =>
  deliveries
    .filter((d) => d.arn === arn && d.input.includes(`"name":${JSON.stringify(name)}`))
    .map((d) => JSON.parse(d.input) as ContextBody);

/** `<aws.scheduler.scheduled-time>`'s format: 2026-11-25T14:00:00Z. */
const awsTime = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

const DAILY_9 = 'cron(0 9 * * ? *)';
const daily9 = () => {
  const parsed = parseScheduleExpression(DAILY_9);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value as CronExpression;
};

describe('cron schedules, context attributes, DISABLED and fireNow', () => {
  const cronDefinition = (name: string, extra: Partial<CreateScheduleCommandInput> = {}) =>
    ({
      Name: name,
      GroupName: GROUP,
      ScheduleExpression: DAILY_9,
      ScheduleExpressionTimezone: 'Europe/Paris',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: SEND_ARN, RoleArn: ROLE_ARN, Input: contextInput(name) },
      ...extra,
    }) satisfies CreateScheduleCommandInput;

  it('fireNow fires the planned occurrences of a daily cron one after the other, each with its scheduled time', async () => {
    const name = newId();
    const createdAt = Date.now();
    await client.send(new CreateScheduleCommand(cronDefinition(name)));
    const first = nextOccurrence(daily9(), 'Europe/Paris', createdAt)!;
    const second = nextOccurrence(daily9(), 'Europe/Paris', first)!;

    await endpoint.fireNow(GROUP, name);
    await waitFor(() => contextDeliveries(name).length === 1);
    await endpoint.fireNow(GROUP, name);
    await waitFor(() => contextDeliveries(name).length === 2);

    const arn = `arn:aws:scheduler:us-east-1:000000000000:schedule/${GROUP}/${name}`;
    const bodies = contextDeliveries(name);
    expect(bodies).toEqual([
      {
        name,
        arn,
        scheduledTime: awsTime(first),
        executionId: expect.stringMatching(/^[0-9a-f]{16}$/) as string,
        attempt: '1',
      },
      {
        name,
        arn,
        scheduledTime: awsTime(second),
        executionId: expect.stringMatching(/^[0-9a-f]{16}$/) as string,
        attempt: '1',
      },
    ]);
    expect(bodies[0]!.executionId).not.toBe(bodies[1]!.executionId);
    expect(endpoint.fired.filter((f) => f.name === name).map((f) => f.at)).toEqual([
      new Date(first).toISOString(),
      new Date(second).toISOString(),
    ]);
    // The third occurrence waits for its time.
    await sleep(400);
    expect(contextDeliveries(name)).toHaveLength(2);
    await client.send(new DeleteScheduleCommand({ Name: name, GroupName: GROUP }));
  });

  it('a cron schedule runs from its StartDate to its EndDate, then is completed (fireNow does nothing more)', async () => {
    const name = newId();
    const only = nextOccurrence(daily9(), 'Europe/Paris', Date.now() + 3 * 86_400_000)!;
    await client.send(
      new CreateScheduleCommand(
        cronDefinition(name, { StartDate: new Date(only - 3_600_000), EndDate: new Date(only + 3_600_000) }),
      ),
    );
    await endpoint.fireNow(GROUP, name);
    await waitFor(() => contextDeliveries(name).length === 1);
    expect(contextDeliveries(name)[0]!.scheduledTime).toBe(awsTime(only));
    await sleep(300);
    await endpoint.fireNow(GROUP, name);
    await sleep(500);
    expect(contextDeliveries(name)).toHaveLength(1);
    // ActionAfterCompletion NONE: kept.
    await client.send(new GetScheduleCommand({ Name: name, GroupName: GROUP }));
    await client.send(new DeleteScheduleCommand({ Name: name, GroupName: GROUP }));
  });

  it('keeps the scheduled time across the retries of an occurrence, with a new execution id and attempt number each', async () => {
    const name = newId();
    const at = new Date();
    await client.send(
      new CreateScheduleCommand({
        Name: name,
        GroupName: GROUP,
        ScheduleExpression: atExpression(at),
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Target: {
          Arn: FIRST_FAILS_ARN,
          RoleArn: ROLE_ARN,
          Input: contextInput(name),
          RetryPolicy: { MaximumRetryAttempts: 3 },
        },
      }),
    );
    await waitFor(() => contextDeliveries(name, FIRST_FAILS_ARN).length === 2);
    await waitForGone(name);
    const [failed, retried] = contextDeliveries(name, FIRST_FAILS_ARN);
    expect(failed!.scheduledTime).toBe(awsTime(expressionTime(atExpression(at))));
    expect(retried!.scheduledTime).toBe(failed!.scheduledTime);
    expect([failed!.attempt, retried!.attempt]).toEqual(['1', '2']);
    expect(retried!.executionId).not.toBe(failed!.executionId);
    expect(endpoint.fired.filter((f) => f.name === name)).toHaveLength(1);
  });

  it('the dead-letter queue gets the input with the context attributes replaced', async () => {
    const name = newId();
    await client.send(
      new CreateScheduleCommand({
        Name: name,
        GroupName: GROUP,
        ScheduleExpression: atExpression(new Date()),
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Target: {
          Arn: BROKEN_ARN,
          RoleArn: ROLE_ARN,
          Input: contextInput(name),
          RetryPolicy: { MaximumRetryAttempts: 1 },
          DeadLetterConfig: { Arn: DLQ_ARN },
        },
      }),
    );
    await waitFor(() => contextDeliveries(name, DLQ_ARN).length > 0);
    const [dead] = contextDeliveries(name, DLQ_ARN);
    expect(dead).toMatchObject({
      name,
      attempt: '2',
      scheduledTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) as string,
    });
    expect(JSON.stringify(dead)).not.toContain('<aws.scheduler.');
    await waitForGone(name);
  });

  it('a DISABLED schedule does not fire, not even with fireNow; enabled again, it resumes after that, with no backlog', async () => {
    const name = newId();
    const startDate = new Date(Math.ceil((Date.now() + 500) / 1000) * 1000);
    const definition = {
      ...cronDefinition(name),
      ScheduleExpression: 'rate(1 minute)',
      StartDate: startDate,
    } satisfies CreateScheduleCommandInput;
    await client.send(new CreateScheduleCommand({ ...definition, State: 'DISABLED' }));
    await sleep(startDate.getTime() + 800 - Date.now());
    await endpoint.fireNow(GROUP, name);
    await sleep(500);
    expect(contextDeliveries(name)).toHaveLength(0);
    expect((await client.send(new GetScheduleCommand({ Name: name, GroupName: GROUP }))).State).toBe(
      'DISABLED',
    );

    // The occurrence at StartDate passed while disabled: not fired on enabling; the next is a period later.
    const enabledAt = Date.now();
    await client.send(new UpdateScheduleCommand({ ...definition, State: 'ENABLED' }));
    const updatedAt = Date.now();
    await sleep(600);
    expect(contextDeliveries(name)).toHaveLength(0);
    await endpoint.fireNow(GROUP, name);
    await waitFor(() => contextDeliveries(name).length === 1);
    const scheduled = Date.parse(contextDeliveries(name)[0]!.scheduledTime);
    expect(scheduled).toBeGreaterThanOrEqual(Math.floor((enabledAt + 60_000) / 1000) * 1000);
    expect(scheduled).toBeLessThanOrEqual(updatedAt + 60_000);
    await client.send(new DeleteScheduleCommand({ Name: name, GroupName: GROUP }));
  });

  it('fireNow rejects an unknown schedule with ResourceNotFoundException', async () => {
    await expect(endpoint.fireNow(GROUP, 'no-such-schedule')).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it('answers an invalid cron expression or time zone with a ValidationException that says what is wrong', async () => {
    const cases: [Partial<CreateScheduleCommandInput>, string][] = [
      [
        { ScheduleExpression: 'cron(0 9 * * MON *)' },
        'Invalid Schedule Expression cron(0 9 * * MON *): day-of-month and day-of-week cannot both be set; use ? in one of them.',
      ],
      [
        { ScheduleExpression: 'cron(0 25 * * ? *)' },
        'Invalid Schedule Expression cron(0 25 * * ? *): hours: 25 is out of range; use 0-23.',
      ],
      [{ ScheduleExpressionTimezone: 'Europe/Pariss' }, 'Invalid ScheduleExpressionTimezone Europe/Pariss.'],
    ];
    for (const [change, message] of cases) {
      const error = await client
        .send(new CreateScheduleCommand(cronDefinition(newId(), change)))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationException);
      expect((error as ValidationException).message).toBe(message);
    }
  });
});

describe('durability and delivery', () => {
  it('keeps schedules across a stop and start of the endpoint (they live in DynamoDB)', async () => {
    const id = newId();
    const at = new Date(Date.now() + 1_500);
    await adapter.schedule(id, at);
    await endpoint.stop();
    const old = endpoint;
    endpoint = await start();
    client.destroy();
    client = new SchedulerClient({ endpoint: endpoint.endpoint, region, credentials });
    adapter = new EventBridgeMessageScheduler(client, settings);

    await waitFor(() => deliveriesOf(bodyOf(id)).length > 0);
    expect(deliveriesOf(bodyOf(id))[0]!.at).toBeGreaterThanOrEqual(expressionTime(atExpression(at)));
    expect(endpoint.fired.map((f) => f.name)).toContain(scheduleName(id));
    expect(old.fired.map((f) => f.name)).not.toContain(scheduleName(id));
  });

  it('fires each schedule once when two loops share the table', async () => {
    const second = await start();
    try {
      const at = new Date(Date.now() + 1_200);
      const ids = Array.from({ length: 12 }, newId);
      await Promise.all(ids.map((id) => adapter.schedule(id, at)));
      await waitFor(() => ids.every((id) => deliveriesOf(bodyOf(id)).length > 0));
      await sleep(500);
      for (const id of ids) expect(deliveriesOf(bodyOf(id)), id).toHaveLength(1);
      const names = new Set(ids.map(scheduleName));
      const firedBy = [...endpoint.fired, ...second.fired].filter((f) => names.has(f.name));
      expect(firedBy).toHaveLength(ids.length);
    } finally {
      await second.stop();
    }
  });

  it('retries a failing target with exponential backoff, then delivers', async () => {
    const name = newId();
    const input = bodyOf(name);
    flakyFailuresLeft.set(input, 2);
    const due = Date.now();
    await client.send(
      new CreateScheduleCommand({
        Name: name,
        GroupName: GROUP,
        ScheduleExpression: atExpression(new Date(due)),
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Target: { Arn: FLAKY_ARN, RoleArn: ROLE_ARN, Input: input, RetryPolicy: { MaximumRetryAttempts: 3 } },
      }),
    );
    // Two failures, then retries after 100 and 200 ms (retryBaseMs 100 in this test).
    await waitFor(() => deliveriesOf(input, FLAKY_ARN).length > 0);
    expect(flakyFailuresLeft.get(input)).toBe(0);
    expect(deliveriesOf(input, FLAKY_ARN)[0]!.at - due).toBeGreaterThanOrEqual(300);
    await waitForGone(name);
    expect(endpoint.fired.filter((f) => f.name === name)).toHaveLength(1);
  });

  it('after the last retry, sends the input to the dead-letter queue and reports it', async () => {
    const name = newId();
    const input = bodyOf(name);
    await client.send(
      new CreateScheduleCommand({
        Name: name,
        GroupName: GROUP,
        ScheduleExpression: atExpression(new Date()),
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Target: {
          Arn: BROKEN_ARN,
          RoleArn: ROLE_ARN,
          Input: input,
          RetryPolicy: { MaximumRetryAttempts: 1 },
          DeadLetterConfig: { Arn: DLQ_ARN },
        },
      }),
    );
    await waitFor(() => deliveriesOf(input, DLQ_ARN).length > 0);
    await waitForGone(name);
    expect(deliveriesOf(input, DLQ_ARN)[0]!.attributes).toMatchObject({
      ERROR_MESSAGE: 'target broken',
      TARGET_ARN: BROKEN_ARN,
      RETRY_ATTEMPTS: '1',
    });
    expect(endpoint.deadLettered.filter((d) => d.name === name)).toEqual([
      expect.objectContaining({ attempts: 2, error: 'target broken', deadLetterArn: DLQ_ARN }),
    ]);
    expect(endpoint.fired.some((f) => f.name === name)).toBe(false);
  });
});

describe('loadSchedulerSettings', () => {
  it('reads the four variables', () => {
    expect(
      loadSchedulerSettings({
        [SCHEDULER_ENV.scheduleGroupName]: GROUP,
        [SCHEDULER_ENV.schedulerTargetArn]: SEND_ARN,
        [SCHEDULER_ENV.schedulerRoleArn]: ROLE_ARN,
        [SCHEDULER_ENV.schedulerDlqArn]: DLQ_ARN,
      }),
    ).toEqual(settings);
  });

  it('names every missing or malformed variable in one error', () => {
    expect(() =>
      loadSchedulerSettings({ [SCHEDULER_ENV.scheduleGroupName]: GROUP, SCHEDULER_ROLE_ARN: SEND_ARN }),
    ).toThrow(/SCHEDULER_TARGET_ARN.*SCHEDULER_ROLE_ARN: must be an iam ARN.*SCHEDULER_DLQ_ARN/);
  });
});
