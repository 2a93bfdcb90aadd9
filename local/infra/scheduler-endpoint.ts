import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import {
  atInstant,
  isTimeZone,
  nextOccurrence,
  nextRateOccurrence,
  parseScheduleExpression,
  type ParsedScheduleExpression,
} from '../../lambdas/domain/recurring/schedule-expression';

/**
 * A local EventBridge Scheduler: the REST-JSON API the real `SchedulerClient` speaks (CreateSchedule,
 * UpdateSchedule, DeleteSchedule, GetSchedule, ListSchedules), pointed at with AWS_ENDPOINT_URL_SCHEDULER (or
 * `endpoint`), and a timer loop that invokes the targets when the schedules are due.
 *
 * - Schedules live in a DynamoDB table (created here if missing), so a local runtime restarted on a persisted
 *   DynamoDB Local loses none, and one that was down fires the schedules that fell due meanwhile at once (one
 *   pending occurrence per schedule; the ones missed after it are skipped, not fired in a burst).
 * - Expressions (parsed and evaluated by lambdas/domain/recurring/schedule-expression.ts, which says what is accepted and
 *   how daylight saving time is handled), in ScheduleExpressionTimezone (default UTC):
 *   - `at(yyyy-mm-ddThh:mm:ss)`: once, at that time (StartDate and EndDate ignored, as by AWS);
 *   - `rate(N minute(s)|hour(s)|day(s))`: first run at StartDate if it is ahead, else one period after the
 *     create/update (AWS runs the first at once), then every period until EndDate;
 *   - `cron(minutes hours day-of-month month day-of-week year)`: every matching minute from StartDate (or the
 *     create/update) until EndDate.
 *   An invalid expression or time zone is answered with a ValidationException naming the problem.
 * - State DISABLED: the schedule keeps its definition and does not fire. Enabling it again (UpdateSchedule)
 *   starts afresh from that moment: the first occurrence after it, no backlog.
 * - Context attributes: `<aws.scheduler.schedule-arn>`, `<aws.scheduler.scheduled-time>` (the occurrence's
 *   planned time, ISO 8601 UTC to the second, e.g. `2026-11-25T14:00:00Z`; the same for every attempt of one
 *   occurrence, retries included), `<aws.scheduler.execution-id>` (new for every attempt) and
 *   `<aws.scheduler.attempt-number>` (1, 2, ...) in the target's Input are replaced at each invocation; the
 *   dead-letter queue gets the last attempt's input.
 * - Firing: every `tickMs` the loop queries a sparse index of due schedules and claims each with a
 *   conditional update (a lease), so several loops on one table (two runtimes, a restart overlapping the
 *   old one) never fire an occurrence twice; only a loop that dies between invoking the target and recording
 *   the completion leaves it to be fired again once the lease runs out (at least once, like the real one).
 *   Precision: about `tickMs` (EventBridge Scheduler itself fires within the minute after the time).
 * - A target that throws (or is not known to `resolveTarget`) is retried with exponential backoff
 *   (`retryBaseMs`, doubling, at most `retryMaxMs`) within the target's RetryPolicy (MaximumRetryAttempts,
 *   MaximumEventAgeInSeconds; AWS defaults 185 and 86400); then the input goes to DeadLetterConfig.Arn (through
 *   `resolveTarget`, with the error as attributes) and the failure is listed in `deadLettered`.
 * - After the last run, ActionAfterCompletion DELETE deletes the schedule; NONE keeps it, completed.
 * - Tests can fire a schedule's pending occurrence at once with `fireNow` (see there).
 * - Schedule groups are implicit: any valid group name is accepted (no CreateScheduleGroup needed locally);
 *   FLEXIBLE time windows fire at the start of the window; KMS keys and tags are ignored. Signatures are not
 *   checked. Other operations get a clear UnknownOperationException.
 */

/** Invokes a target with the schedule's Input; dead-letter deliveries get the failure as `attributes`. */
export type LocalScheduleTarget = (
  input: string,
  attributes?: Readonly<Record<string, string>>,
) => Promise<void>;

export interface SchedulerEndpointOptions {
  port?: number;
  dynamo: { endpoint: string };
  tableName: string;
  /** The local stand-in for a target (or dead-letter queue) ARN; undefined = no such target (a failure). */
  resolveTarget: (arn: string) => LocalScheduleTarget | undefined;
  /** How often the loop looks for due schedules (default 200 ms). */
  tickMs?: number;
  /** First retry delay after a failed invocation, doubled each time (default 1000 ms). */
  retryBaseMs?: number;
  /** Longest retry delay (default 60 s). */
  retryMaxMs?: number;
  /** How long a target may take before the invocation counts as failed (default 10 s). */
  targetTimeoutMs?: number;
}

export interface FiredSchedule {
  name: string;
  group: string;
  /** The occurrence's time (ISO 8601). */
  at: string;
  /** When the target accepted it (ISO 8601). */
  firedAt: string;
}

export interface DeadLetteredSchedule extends FiredSchedule {
  /** Failed invocations (1 + retries). */
  attempts: number;
  error: string;
  /** Where the input went; undefined when the schedule has no DeadLetterConfig or it could not be delivered. */
  deadLetterArn?: string;
}

export interface SchedulerEndpoint {
  /** e.g. `http://127.0.0.1:41234` */
  endpoint: string;
  stop(): Promise<void>;
  /** Every occurrence this endpoint's loop delivered, oldest first. */
  fired: FiredSchedule[];
  /** Every occurrence this endpoint's loop gave up on after the retries, oldest first. */
  deadLettered: DeadLetteredSchedule[];
  /**
   * For tests: makes the schedule's pending occurrence due now, so a `cron(0 9 * * ? *)` or `rate(1 day)`
   * schedule can be fired in seconds. The occurrence keeps its planned time (the `scheduled-time` of the input,
   * `at` in `fired`), and once it is over the next one is planned from that time as usual, so a second call
   * fires the next planned occurrence. Resolves once the occurrence is due (the loop fires it within `tickMs`);
   * waits for an occurrence being fired right now to be over first. Does nothing for a DISABLED schedule or a
   * completed one (no pending occurrence). Rejects with a ResourceNotFoundException for an unknown schedule.
   */
  fireNow(group: string, name: string): Promise<void>;
}

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const MAX_BODY_BYTES = 1024 * 1024;
const DUE_INDEX = 'due';
const DUE = 'due';
const LEASE_MS = 30_000;
const DEFAULT_RETRY = { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 };

class SchedulerError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
    this.name = type;
  }
}

const validation = (message: string) => new SchedulerError('ValidationException', message, 400);
const notFound = (name: string) =>
  new SchedulerError('ResourceNotFoundException', `Schedule ${name} does not exist.`, 404);

// ---- Request shapes (as the SDK sends them: REST-JSON, timestamps as epoch seconds) ----

const NAME = /^[0-9a-zA-Z._-]{1,64}$/;
const nameSchema = z.string().regex(NAME, 'must be 1 to 64 letters, digits, ".", "_" or "-"');

const targetSchema = z.looseObject({
  Arn: z.string().min(1).max(1600),
  RoleArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'must be an IAM role ARN')
    .max(1600),
  Input: z.string().min(1).max(8192).optional(),
  RetryPolicy: z
    .object({
      MaximumEventAgeInSeconds: z.number().int().min(60).max(86_400).optional(),
      MaximumRetryAttempts: z.number().int().min(0).max(185).optional(),
    })
    .optional(),
  DeadLetterConfig: z
    .object({
      Arn: z
        .string()
        .regex(/^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[a-zA-Z0-9_-]+$/, 'must be an SQS queue ARN')
        .optional(),
    })
    .optional(),
});

const definitionSchema = z.object({
  ScheduleExpression: z.string().min(1).max(256),
  ScheduleExpressionTimezone: z.string().min(1).max(50).optional(),
  Target: targetSchema,
  FlexibleTimeWindow: z
    .object({
      Mode: z.enum(['OFF', 'FLEXIBLE']),
      MaximumWindowInMinutes: z.number().int().min(1).max(1440).optional(),
    })
    .refine((w) => (w.Mode === 'FLEXIBLE') === (w.MaximumWindowInMinutes !== undefined), {
      message: 'MaximumWindowInMinutes is required with FLEXIBLE and not allowed with OFF',
    }),
  GroupName: nameSchema.optional(),
  StartDate: z.number().optional(),
  EndDate: z.number().optional(),
  Description: z.string().max(512).optional(),
  State: z.enum(['ENABLED', 'DISABLED']).optional(),
  KmsKeyArn: z.string().min(1).max(2048).optional(),
  ClientToken: z.string().min(1).max(64).optional(),
  ActionAfterCompletion: z.enum(['NONE', 'DELETE']).optional(),
});

type Definition = z.output<typeof definitionSchema>;
type Target = z.output<typeof targetSchema>;

// ---- Stored schedules ----

interface StoredSchedule {
  pk: string;
  name: string;
  group: string;
  expression: string;
  timezone: string;
  state: 'ENABLED' | 'DISABLED';
  actionAfterCompletion: 'NONE' | 'DELETE';
  /** The Target as sent (JSON), to return it exactly. */
  target: string;
  /** The FlexibleTimeWindow as sent (JSON). */
  flexibleTimeWindow: string;
  description?: string;
  /** Epoch seconds. */
  startDate?: number;
  endDate?: number;
  kmsKeyArn?: string;
  clientToken?: string;
  creationDate: number;
  lastModificationDate: number;
  /** Bumped by every update: a loop only completes the occurrence of the version it claimed. */
  version: number;
  /** Set ('due') while an occurrence is pending and the schedule is enabled: the sparse index's key. */
  dueShard?: string;
  /** When the loop should invoke next (epoch ms): the occurrence's time, or a retry's. */
  dueAt?: number;
  /** The pending occurrence's time (epoch ms). */
  fireAt?: number;
  /** Failed invocations of the pending occurrence. */
  attempts?: number;
  leaseUntil?: number;
  leaseOwner?: string;
  /** Epoch ms of the last run of a completed schedule kept by ActionAfterCompletion NONE. */
  completedAt?: number;
}

const pkOf = (group: string, name: string) => `${group}#${name}`;
const arnOf = (group: string, name: string) =>
  `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/${group}/${name}`;

// ---- Expressions ----

function parseExpression(expression: string): ParsedScheduleExpression {
  const parsed = parseScheduleExpression(expression);
  if (!parsed.ok) throw validation(`Invalid Schedule Expression ${parsed.message}.`);
  return parsed.value;
}

/** The first pending occurrence of a schedule created or updated at `now` (undefined: none). */
function firstOccurrence(item: StoredSchedule, now: number): number | undefined {
  const expression = parseExpression(item.expression);
  // EventBridge Scheduler ignores StartDate and EndDate for one-time schedules.
  if (expression.kind === 'at') return atInstant(expression, item.timezone);
  const start = item.startDate === undefined ? undefined : item.startDate * 1000;
  const first =
    expression.kind === 'rate'
      ? start !== undefined && start > now
        ? start
        : now + expression.periodMs
      : nextOccurrence(expression, item.timezone, start !== undefined && start - 1 > now ? start - 1 : now);
  return first === undefined || (item.endDate !== undefined && first > item.endDate * 1000)
    ? undefined
    : first;
}

/**
 * The occurrence after the one planned at `fireAt`, over at `now`: the next one from the planned time, skipping
 * those already past (no burst after a downtime).
 */
function followingOccurrence(item: StoredSchedule, fireAt: number, now: number): number | undefined {
  const expression = parseExpression(item.expression);
  const next =
    expression.kind === 'at'
      ? undefined
      : expression.kind === 'rate'
        ? nextRateOccurrence(expression, fireAt, now)
        : nextOccurrence(expression, item.timezone, Math.max(fireAt, now));
  return next === undefined || (item.endDate !== undefined && next > item.endDate * 1000) ? undefined : next;
}

/** `<aws.scheduler.scheduled-time>`: ISO 8601 in UTC, to the second (e.g. 2026-11-25T14:00:00Z). */
const scheduledTime = (ms: number) => `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;

/** The Input with EventBridge Scheduler's context attributes replaced for one attempt. */
function withContext(
  input: string,
  context: { scheduleArn: string; fireAt: number; executionId: string; attempt: number },
): string {
  return input
    .replaceAll('<aws.scheduler.schedule-arn>', context.scheduleArn)
    .replaceAll('<aws.scheduler.scheduled-time>', scheduledTime(context.fireAt))
    .replaceAll('<aws.scheduler.execution-id>', context.executionId)
    .replaceAll('<aws.scheduler.attempt-number>', String(context.attempt));
}

function toItem(
  name: string,
  group: string,
  def: Definition,
  now: number,
  previous: StoredSchedule | undefined,
): StoredSchedule {
  const timezone = def.ScheduleExpressionTimezone ?? 'UTC';
  if (!isTimeZone(timezone)) throw validation(`Invalid ScheduleExpressionTimezone ${timezone}.`);
  if (def.StartDate !== undefined && def.EndDate !== undefined && def.StartDate >= def.EndDate) {
    throw validation('The StartDate must come before the EndDate.');
  }
  const item: StoredSchedule = {
    pk: pkOf(group, name),
    name,
    group,
    expression: def.ScheduleExpression,
    timezone,
    state: def.State ?? 'ENABLED',
    actionAfterCompletion: def.ActionAfterCompletion ?? 'NONE',
    target: JSON.stringify(def.Target),
    flexibleTimeWindow: JSON.stringify(def.FlexibleTimeWindow),
    ...(def.Description === undefined ? {} : { description: def.Description }),
    ...(def.StartDate === undefined ? {} : { startDate: def.StartDate }),
    ...(def.EndDate === undefined ? {} : { endDate: def.EndDate }),
    ...(def.KmsKeyArn === undefined ? {} : { kmsKeyArn: def.KmsKeyArn }),
    ...(previous?.clientToken !== undefined
      ? { clientToken: previous.clientToken }
      : def.ClientToken === undefined
        ? {}
        : { clientToken: def.ClientToken }),
    creationDate: previous?.creationDate ?? now / 1000,
    lastModificationDate: now / 1000,
    version: (previous?.version ?? 0) + 1,
  };
  const first = firstOccurrence(item, now);
  if (first !== undefined) {
    item.fireAt = first;
    if (item.state === 'ENABLED') {
      item.dueShard = DUE;
      item.dueAt = first;
    }
  }
  return item;
}

function toGetScheduleOutput(item: StoredSchedule) {
  return {
    Arn: arnOf(item.group, item.name),
    GroupName: item.group,
    Name: item.name,
    ScheduleExpression: item.expression,
    ScheduleExpressionTimezone: item.timezone,
    State: item.state,
    ActionAfterCompletion: item.actionAfterCompletion,
    CreationDate: item.creationDate,
    LastModificationDate: item.lastModificationDate,
    Target: JSON.parse(item.target) as unknown,
    FlexibleTimeWindow: JSON.parse(item.flexibleTimeWindow) as unknown,
    ...(item.description === undefined ? {} : { Description: item.description }),
    ...(item.startDate === undefined ? {} : { StartDate: item.startDate }),
    ...(item.endDate === undefined ? {} : { EndDate: item.endDate }),
    ...(item.kmsKeyArn === undefined ? {} : { KmsKeyArn: item.kmsKeyArn }),
  };
}

// ---- The endpoint ----

export async function startSchedulerEndpoint(opts: SchedulerEndpointOptions): Promise<SchedulerEndpoint> {
  const tickMs = opts.tickMs ?? 200;
  const retryBaseMs = opts.retryBaseMs ?? 1000;
  const retryMaxMs = opts.retryMaxMs ?? 60_000;
  const targetTimeoutMs = opts.targetTimeoutMs ?? 10_000;
  const { tableName } = opts;
  const raw = new DynamoDBClient({
    endpoint: opts.dynamo.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const db = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  try {
    await ensureTable(raw, tableName);
  } catch (error) {
    raw.destroy();
    throw error;
  }

  const owner = randomUUID();
  const fired: FiredSchedule[] = [];
  const deadLettered: DeadLetteredSchedule[] = [];

  const load = async (pk: string): Promise<StoredSchedule | undefined> =>
    (await db.send(new GetCommand({ TableName: tableName, Key: { pk }, ConsistentRead: true }))).Item as
      StoredSchedule | undefined;

  // ---- API ----

  const createSchedule = async (name: string, def: Definition) => {
    const group = def.GroupName ?? 'default';
    const item = toItem(name, group, def, Date.now(), undefined);
    try {
      await db.send(
        new PutCommand({ TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // The SDK retrying a create that went through sends the same ClientToken: the same answer again.
      const existing = await load(item.pk);
      if (
        existing === undefined ||
        def.ClientToken === undefined ||
        existing.clientToken !== def.ClientToken
      ) {
        throw new SchedulerError('ConflictException', `Schedule ${name} already exists.`, 409);
      }
    }
    return { ScheduleArn: arnOf(group, name) };
  };

  const updateSchedule = async (name: string, def: Definition) => {
    const group = def.GroupName ?? 'default';
    for (let round = 0; round < 10; round += 1) {
      const previous = await load(pkOf(group, name));
      if (previous === undefined) throw notFound(name);
      const item = toItem(name, group, def, Date.now(), previous);
      try {
        // The whole item is replaced (UpdateSchedule replaces the definition): a claim on the old version
        // cannot complete any more, and the new version starts afresh.
        await db.send(
          new PutCommand({
            TableName: tableName,
            Item: item,
            ConditionExpression: 'version = :v',
            ExpressionAttributeValues: { ':v': previous.version },
          }),
        );
        return { ScheduleArn: arnOf(group, name) };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    throw new SchedulerError('ConflictException', `Schedule ${name} is being changed concurrently.`, 409);
  };

  const deleteSchedule = async (name: string, group: string) => {
    try {
      await db.send(
        new DeleteCommand({
          TableName: tableName,
          Key: { pk: pkOf(group, name) },
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw notFound(name);
      throw error;
    }
    return {};
  };

  const getSchedule = async (name: string, group: string) => {
    const item = await load(pkOf(group, name));
    if (item === undefined) throw notFound(name);
    return toGetScheduleOutput(item);
  };

  const listSchedules = async (query: URLSearchParams) => {
    const group = query.get('ScheduleGroup') ?? undefined;
    const prefix = query.get('NamePrefix') ?? undefined;
    const state = query.get('State') ?? undefined;
    const maxRaw = query.get('MaxResults');
    const max = maxRaw === null ? 100 : Number(maxRaw);
    if (!Number.isInteger(max) || max < 1 || max > 100) throw validation('MaxResults must be from 1 to 100.');
    const after = query.get('NextToken');
    const items: StoredSchedule[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await db.send(
        new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: startKey }),
      );
      items.push(...((page.Items ?? []) as StoredSchedule[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    const matching = items
      .filter(
        (i) =>
          (group === undefined || i.group === group) &&
          (prefix === undefined || i.name.startsWith(prefix)) &&
          (state === undefined || i.state === state) &&
          (after === null || i.pk > Buffer.from(after, 'base64url').toString('utf8')),
      )
      .sort((a, b) => (a.pk < b.pk ? -1 : a.pk > b.pk ? 1 : 0));
    const page = matching.slice(0, max);
    const last = page.at(-1);
    return {
      Schedules: page.map((i) => ({
        Arn: arnOf(i.group, i.name),
        Name: i.name,
        GroupName: i.group,
        State: i.state,
        CreationDate: i.creationDate,
        LastModificationDate: i.lastModificationDate,
        Target: { Arn: (JSON.parse(i.target) as Target).Arn },
      })),
      ...(matching.length > max && last !== undefined
        ? { NextToken: Buffer.from(last.pk, 'utf8').toString('base64url') }
        : {}),
    };
  };

  const route = async (req: IncomingMessage): Promise<unknown> => {
    const url = new URL(req.url ?? '/', 'http://local');
    const segments = url.pathname.split('/').filter((s) => s !== '');
    if (segments[0] === 'schedules' && segments.length === 1 && req.method === 'GET') {
      return listSchedules(url.searchParams);
    }
    if (segments[0] === 'schedules' && segments.length === 2) {
      let name: string;
      try {
        name = decodeURIComponent(segments[1] ?? '');
      } catch {
        throw validation('The schedule name in the path is not valid percent-encoding.');
      }
      if (!NAME.test(name)) throw validation(`Invalid schedule name ${JSON.stringify(name)}: ${NAME.source}`);
      const groupName = url.searchParams.get('groupName') ?? 'default';
      if (!NAME.test(groupName)) throw validation(`Invalid group name ${JSON.stringify(groupName)}.`);
      switch (req.method) {
        case 'POST':
          return createSchedule(name, await readDefinition(req));
        case 'PUT':
          return updateSchedule(name, await readDefinition(req));
        case 'DELETE':
          return deleteSchedule(name, groupName);
        case 'GET':
          return getSchedule(name, groupName);
        default:
          break;
      }
    }
    throw new SchedulerError(
      'UnknownOperationException',
      `The local EventBridge Scheduler does not implement ${String(req.method)} ${url.pathname}; it implements ` +
        'CreateSchedule, UpdateSchedule, DeleteSchedule, GetSchedule and ListSchedules.',
      404,
    );
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      send(res, 200, await route(req));
    } catch (error) {
      const schedulerError =
        error instanceof SchedulerError
          ? error
          : new SchedulerError(
              'InternalServerException',
              error instanceof Error ? error.message : String(error),
              500,
            );
      send(res, schedulerError.statusCode, { Message: schedulerError.message }, schedulerError.type);
    }
  };

  // ---- The firing loop ----

  /** Claims the occurrence for this loop; the claimed item, or undefined when another loop or a change won. */
  const claim = async (item: StoredSchedule, now: number): Promise<StoredSchedule | undefined> => {
    try {
      const result = await db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: item.pk },
          UpdateExpression: 'SET leaseUntil = :lease, leaseOwner = :owner',
          ConditionExpression:
            'version = :v AND dueShard = :due AND dueAt = :dueAt AND ' +
            '(attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
          ExpressionAttributeValues: {
            ':lease': now + LEASE_MS,
            ':owner': owner,
            ':v': item.version,
            ':due': DUE,
            ':dueAt': item.dueAt,
            ':now': now,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return result.Attributes as StoredSchedule | undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  };

  /** Changes the claimed item unless it was updated or deleted meanwhile (then the change is dropped). */
  const settle = async (
    item: StoredSchedule,
    change: { update: string; values?: Record<string, unknown> } | 'delete',
  ): Promise<void> => {
    const condition = {
      ConditionExpression: 'version = :v AND leaseOwner = :owner',
      ExpressionAttributeValues: { ':v': item.version, ':owner': owner },
    };
    try {
      if (change === 'delete') {
        await db.send(new DeleteCommand({ TableName: tableName, Key: { pk: item.pk }, ...condition }));
      } else {
        await db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { pk: item.pk },
            UpdateExpression: change.update,
            ...condition,
            ExpressionAttributeValues: { ...condition.ExpressionAttributeValues, ...change.values },
          }),
        );
      }
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  };

  /** The occurrence is over (delivered or dead-lettered): on to the next one, or done. */
  const finishOccurrence = async (item: StoredSchedule, fireAt: number, now: number) => {
    const next = followingOccurrence(item, fireAt, now);
    if (next !== undefined) {
      await settle(item, {
        update: 'SET dueAt = :next, fireAt = :next, attempts = :zero REMOVE leaseUntil, leaseOwner',
        values: { ':next': next, ':zero': 0 },
      });
    } else if (item.actionAfterCompletion === 'DELETE') {
      await settle(item, 'delete');
    } else {
      await settle(item, {
        update: 'SET completedAt = :now REMOVE dueShard, dueAt, fireAt, attempts, leaseUntil, leaseOwner',
        values: { ':now': now },
      });
    }
  };

  const invoke = async (arn: string, input: string, attributes?: Record<string, string>) => {
    const target = opts.resolveTarget(arn);
    if (target === undefined) throw new Error(`No local target for ${arn}`);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        target(input, attributes),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`The target ${arn} did not answer within ${targetTimeoutMs} ms`)),
            targetTimeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  };

  const fire = async (candidate: StoredSchedule): Promise<void> => {
    const claimed = await claim(candidate, Date.now());
    if (claimed?.fireAt === undefined) return;
    const fireAt = claimed.fireAt;
    const target = JSON.parse(claimed.target) as Target;
    const input = withContext(target.Input ?? '{}', {
      scheduleArn: arnOf(claimed.group, claimed.name),
      fireAt,
      executionId: randomUUID().replaceAll('-', '').slice(0, 16),
      attempt: (claimed.attempts ?? 0) + 1,
    });
    const occurrence = { name: claimed.name, group: claimed.group, at: new Date(fireAt).toISOString() };
    try {
      await invoke(target.Arn, input);
    } catch (error) {
      const now = Date.now();
      const attempts = (claimed.attempts ?? 0) + 1;
      const maxRetries = target.RetryPolicy?.MaximumRetryAttempts ?? DEFAULT_RETRY.MaximumRetryAttempts;
      const maxAgeMs =
        (target.RetryPolicy?.MaximumEventAgeInSeconds ?? DEFAULT_RETRY.MaximumEventAgeInSeconds) * 1000;
      const delay = Math.min(retryMaxMs, retryBaseMs * 2 ** (attempts - 1));
      if (attempts <= maxRetries && now + delay - fireAt <= maxAgeMs) {
        await settle(claimed, {
          update: 'SET attempts = :attempts, dueAt = :retryAt REMOVE leaseUntil, leaseOwner',
          values: { ':attempts': attempts, ':retryAt': now + delay },
        });
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      const dlq = target.DeadLetterConfig?.Arn;
      let deliveredTo: string | undefined;
      if (dlq !== undefined) {
        try {
          await invoke(dlq, input, {
            ERROR_CODE: 'TargetInvocationFailed',
            ERROR_MESSAGE: message,
            SCHEDULE_ARN: arnOf(claimed.group, claimed.name),
            TARGET_ARN: target.Arn,
            RETRY_ATTEMPTS: String(attempts - 1),
          });
          deliveredTo = dlq;
        } catch (dlqError) {
          console.error(`local scheduler: ${claimed.name}: dead-letter queue ${dlq} failed too`, dlqError);
        }
      } else {
        console.error(`local scheduler: ${claimed.name}: invocation failed for good, no DLQ: ${message}`);
      }
      deadLettered.push({
        ...occurrence,
        firedAt: new Date(now).toISOString(),
        attempts,
        error: message,
        ...(deliveredTo === undefined ? {} : { deadLetterArn: deliveredTo }),
      });
      await finishOccurrence(claimed, fireAt, now);
      return;
    }
    const now = Date.now();
    fired.push({ ...occurrence, firedAt: new Date(now).toISOString() });
    await finishOccurrence(claimed, fireAt, now);
  };

  const fireNow = async (group: string, name: string): Promise<void> => {
    const pk = pkOf(group, name);
    // An occurrence being fired holds a lease until it is over (at most the target's timeout, or the lease).
    const deadline = Date.now() + targetTimeoutMs + LEASE_MS;
    for (;;) {
      const item = await load(pk);
      if (item === undefined) throw notFound(name);
      // DISABLED, or completed: no pending occurrence.
      if (item.dueShard !== DUE || item.fireAt === undefined) return;
      const now = Date.now();
      if (item.leaseUntil === undefined || item.leaseUntil < now) {
        try {
          await db.send(
            new UpdateCommand({
              TableName: tableName,
              Key: { pk },
              UpdateExpression: 'SET dueAt = :now',
              ConditionExpression:
                'version = :v AND dueShard = :due AND fireAt = :fireAt AND ' +
                '(attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
              ExpressionAttributeValues: {
                ':now': now,
                ':v': item.version,
                ':due': DUE,
                ':fireAt': item.fireAt,
              },
            }),
          );
          return;
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      }
      if (Date.now() > deadline) throw new Error(`fireNow: schedule ${name} stayed claimed by a firing loop`);
      await sleep(20);
    }
  };

  let failing = false;
  const tick = async (): Promise<void> => {
    try {
      const now = Date.now();
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await db.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: DUE_INDEX,
            KeyConditionExpression: 'dueShard = :due AND dueAt <= :now',
            ExpressionAttributeValues: { ':due': DUE, ':now': now },
            ExclusiveStartKey: startKey,
            Limit: 100,
          }),
        );
        const due = ((page.Items ?? []) as StoredSchedule[]).filter(
          (i) => i.leaseUntil === undefined || i.leaseUntil < now,
        );
        const results = await Promise.allSettled(due.map((item) => fire(item)));
        for (const result of results) {
          if (result.status === 'rejected') throw result.reason;
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey !== undefined && !stopped);
      if (failing) console.error('local scheduler: the firing loop works again');
      failing = false;
    } catch (error) {
      // DynamoDB Local restarting, for instance: report once, keep trying.
      if (!failing) console.error('local scheduler: the firing loop failed, retrying', error);
      failing = true;
    }
  };

  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const started = Date.now();
      await tick();
      await sleep(Math.max(0, tickMs - (Date.now() - started)));
    }
  })();

  const server = createServer((req, res) => void handle(req, res));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: opts.port ?? 0, host: '127.0.0.1' }, () => resolve());
    });
  } catch (error) {
    stopped = true;
    await loop;
    raw.destroy();
    throw error;
  }
  const { port } = server.address() as AddressInfo;

  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    fired,
    deadLettered,
    fireNow,
    stop: () =>
      (stopping ??= (async () => {
        stopped = true;
        await new Promise<void>((resolve, reject) => {
          server.close((error) => (error ? reject(error) : resolve()));
          server.closeAllConnections();
        });
        await loop;
        raw.destroy();
      })()),
  };
}

async function readDefinition(req: IncomingMessage): Promise<Definition> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw validation('The request body is too large.');
    chunks.push(buffer);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw validation('The request body is not valid JSON.');
  }
  const parsed = definitionSchema.safeParse(body);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
    throw validation(
      `${problems.length} validation error${problems.length === 1 ? '' : 's'} detected: ${problems.join('; ')}`,
    );
  }
  return parsed.data;
}

function send(res: ServerResponse, statusCode: number, body: unknown, errorType?: string): void {
  const payload = JSON.stringify(body);
  res.writeHead(statusCode, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    'x-amzn-requestid': randomUUID(),
    ...(errorType === undefined ? {} : { 'x-amzn-errortype': errorType }),
  });
  res.end(payload);
}

/** Creates the schedules table (key `pk` = group#name, a sparse index of the due ones) unless it exists. */
async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  let table = await describe(client, tableName);
  if (table === undefined) {
    try {
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'dueShard', AttributeType: 'S' },
            { AttributeName: 'dueAt', AttributeType: 'N' },
          ],
          GlobalSecondaryIndexes: [
            {
              IndexName: DUE_INDEX,
              KeySchema: [
                { AttributeName: 'dueShard', KeyType: 'HASH' },
                { AttributeName: 'dueAt', KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'ALL' },
            },
          ],
        }),
      );
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    const deadline = Date.now() + 30_000;
    for (;;) {
      table = await describe(client, tableName);
      const indexesActive = (table?.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE');
      if (table?.TableStatus === 'ACTIVE' && indexesActive) break;
      if (Date.now() > deadline) throw new Error(`Table ${tableName} did not become ACTIVE within 30 s`);
      await sleep(50);
    }
  }
  const key = table?.KeySchema?.map((k) => `${String(k.AttributeName)}:${String(k.KeyType)}`).join(',');
  const index = table?.GlobalSecondaryIndexes?.find((i) => i.IndexName === DUE_INDEX);
  const indexKey = index?.KeySchema?.map((k) => `${String(k.AttributeName)}:${String(k.KeyType)}`).join(',');
  if (key !== 'pk:HASH' || indexKey !== 'dueShard:HASH,dueAt:RANGE') {
    throw new Error(
      `Table ${tableName} exists but is not a local scheduler table (key pk, index ${DUE_INDEX} on dueShard/dueAt).`,
    );
  }
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}
