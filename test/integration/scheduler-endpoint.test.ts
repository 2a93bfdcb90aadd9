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
  ValidationException,
  type CreateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  atExpression,
  EventBridgeMessageScheduler,
  loadSchedulerSettings,
  SCHEDULER_ENV,
  type SchedulerSettings,
} from '../../lambdas/adapters/eventbridge-scheduler';
import { scheduleName } from '../../lambdas/domain/scheduling';
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
  it('creates the one-time schedule AWS expects, which fires once at the time (never early, within 1 s) and is gone', async () => {
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
    expect(delivery!.at).toBeGreaterThanOrEqual(due);
    expect(delivery!.at - due).toBeLessThan(1000);
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
    expect(deliveriesOf(bodyOf(id))[0]!.at - due).toBeLessThan(1000);
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

    for (const expression of ['cron(0 12 * * ? *)', 'at(2030-02-30T10:00:00)', 'every minute']) {
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
