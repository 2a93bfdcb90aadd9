/**
 * Recurring sends (POST /v2/schedules): the `recurring` table, the Schedules Lambda (its settings and the only
 * access it has), its six routes on the ingest API, and the events worker that fans each firing out. The
 * Scheduler execution role's queues and who may manage schedules are checked with the scheduled sends in
 * test/infra/events.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { ENV, RECURRING_ENV, SCHEDULER_ENV } from '../../definitions/environment';
import { INDEX, physicalName, QUEUES, TABLES } from '../../definitions/data-model';
import {
  actionsOf,
  apiRoutes,
  configWith,
  functionEnv,
  functionOf,
  props,
  queueId,
  resources,
  resourcesOf,
  roleOfFunction,
  statementsByRole,
  synth,
  text,
  type Json,
  type Statement,
  type Synthesized,
} from './support';

const dev = synth(configWith('dev'));
const prod = synth(configWith('prod'));
const testStage = synth(configWith('dev', { stage: 'ci', removalPolicy: 'destroy' }));

type Handler = Parameters<typeof functionOf>[1];

const tablesOf = (synthesized: Synthesized): [string, Json][] =>
  Object.entries(resources(synthesized.stateful, 'AWS::DynamoDB::Table'));
const tableEntry = (synthesized: Synthesized, id: string): [string, Json] => {
  const name = physicalName(`mms-gateway-${synthesized.config.stage}`, id);
  const found = tablesOf(synthesized).find(([, t]) => props(t).TableName === name);
  if (!found) throw new Error(`no table ${id}`);
  return found;
};
/** The logical id of the recurring table, as it appears in the stateless stack's imports. */
const [recurringTableId] = tableEntry(dev, TABLES.recurring.id);
const [templatesTableId] = tableEntry(dev, TABLES.templates.id);

/** The statements of a function's role, without its own log group and X-Ray. */
const dataStatements = (synthesized: Synthesized, handler: Handler): Statement[] =>
  (
    statementsByRole(synthesized.stateless)[
      roleOfFunction(synthesized.stateless, functionOf(synthesized, handler))
    ] ?? []
  ).filter((s) => !actionsOf(s).every((a) => a.startsWith('logs:') || a.startsWith('xray:')));

/** A statement as `{ actions (sorted), resources (text), condition }`, to compare whole policies. */
const summary = (s: Statement) => ({
  actions: [...actionsOf(s)].sort(),
  resources: resourcesOf(s).map(text),
  condition: (s as Statement & { Condition?: unknown }).Condition,
});

const schedulerRole = (synthesized: Synthesized): string => {
  const found = Object.entries(resources(synthesized.stateful, 'AWS::IAM::Role')).find(([, r]) =>
    text(props(r).AssumeRolePolicyDocument).includes('scheduler.amazonaws.com'),
  );
  if (!found) throw new Error('no Scheduler execution role');
  return found[0];
};

describe('the recurring table', () => {
  it('is keyed by id, with the by-team index (teamId, createdAt) projecting everything', () => {
    const [, table] = tableEntry(prod, TABLES.recurring.id);
    expect(props(table)).toMatchObject({
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: INDEX.recurringByTeam,
          KeySchema: [
            { AttributeName: 'teamId', KeyType: 'HASH' },
            { AttributeName: 'createdAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    });
    expect(INDEX.recurringByTeam).toBe('by-team');
    expect(props(table).TimeToLiveSpecification).toBeUndefined();
  });

  it.each([
    ['prod', prod],
    ['a test stage (destroy)', testStage],
  ])('has the same protection as every other table in %s', (_name, synthesized) => {
    const protection = (t: Json) => ({
      DeletionPolicy: t.DeletionPolicy,
      UpdateReplacePolicy: t.UpdateReplacePolicy,
      BillingMode: props(t).BillingMode,
      DeletionProtectionEnabled: props(t).DeletionProtectionEnabled,
      PointInTimeRecoverySpecification: props(t).PointInTimeRecoverySpecification,
      SSESpecification: props(t).SSESpecification,
    });
    const [recurringId, recurring] = tableEntry(synthesized, TABLES.recurring.id);
    const others = tablesOf(synthesized).filter(([id]) => id !== recurringId);
    expect(others.length).toBeGreaterThanOrEqual(5);
    for (const [id, other] of others) expect(protection(recurring), id).toEqual(protection(other));
    const retained = synthesized === prod;
    expect(protection(recurring)).toMatchObject({
      DeletionPolicy: retained ? 'Retain' : 'Delete',
      DeletionProtectionEnabled: retained,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });

  it('is used by the Schedules Lambda and the events worker only', () => {
    const users = Object.entries(statementsByRole(dev.stateless))
      .filter(([, statements]) => statements.some((s) => text(s.Resource).includes(recurringTableId)))
      .map(([role]) => role)
      .sort();
    expect(users).toEqual(
      (['schedules', 'events'] as const).map((h) => roleOfFunction(dev.stateless, functionOf(dev, h))).sort(),
    );
  });
});

describe('the Schedules Lambda', () => {
  const fn = props(resources(dev.stateless, 'AWS::Lambda::Function')[functionOf(dev, 'schedules')] as Json);
  const variables = functionEnv(dev, 'schedules');
  const groupName = physicalName('mms-gateway-dev', 'schedules');

  it('runs lambdas/handlers/schedules.ts', () => {
    expect(fn.Handler).toBe('index.handler');
    expect(dev.gateway.stateless.functions.schedules?.function.node.path).toMatch(/\/Schedules\/Function$/);
  });

  it('gets the recurring and templates tables, the group, the role, the events queue and its DLQ as settings', () => {
    expect(text(variables[ENV.recurringTable])).toContain(recurringTableId);
    expect(text(variables[ENV.templatesTable])).toContain(templatesTableId);
    expect(variables[SCHEDULER_ENV.scheduleGroupName]).toBe(groupName);
    expect(text(variables[SCHEDULER_ENV.schedulerRoleArn])).toContain(schedulerRole(dev));
    expect(text(variables[RECURRING_ENV.recurringTargetArn])).toContain(queueId(dev, QUEUES.events.id));
    expect(text(variables[RECURRING_ENV.recurringDlqArn])).toContain(queueId(dev, QUEUES.eventsDlq.id));
    expect(text(variables[RECURRING_ENV.recurringTargetArn])).not.toContain(
      queueId(dev, QUEUES.eventsDlq.id),
    );
  });

  it('does not get the one-time (send-at) scheduler settings: its schedules never target the send queue', () => {
    expect(Object.keys(variables)).not.toContain(SCHEDULER_ENV.schedulerTargetArn);
    expect(Object.keys(variables)).not.toContain(SCHEDULER_ENV.schedulerDlqArn);
    expect(text(variables)).not.toContain(queueId(dev, QUEUES.send.id));
  });

  it('may do exactly this: recurring items and by-team, templates GetItem and by-mms-id, the group’s schedules, pass the role to Scheduler', () => {
    const statements = dataStatements(dev, 'schedules').map(summary);
    const schedulesArn = `:scheduler:${dev.config.region}:${dev.config.account}:schedule/${groupName}/*`;
    const expected = [
      {
        actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [expect.stringMatching(new RegExp(`${recurringTableId}Arn[0-9A-F]*"\\}$`))],
        condition: undefined,
      },
      {
        actions: ['dynamodb:Query'],
        resources: [
          expect.stringMatching(
            new RegExp(`${recurringTableId}Arn[0-9A-F]*"\\},"/index/${INDEX.recurringByTeam}"`),
          ),
        ],
        condition: undefined,
      },
      {
        actions: ['dynamodb:GetItem'],
        resources: [expect.stringMatching(new RegExp(`${templatesTableId}Arn[0-9A-F]*"\\}$`))],
        condition: undefined,
      },
      {
        actions: ['dynamodb:Query'],
        resources: [
          expect.stringMatching(
            new RegExp(`${templatesTableId}Arn[0-9A-F]*"\\},"/index/${INDEX.templatesByMmsId}"`),
          ),
        ],
        condition: undefined,
      },
      {
        actions: [
          'scheduler:CreateSchedule',
          'scheduler:DeleteSchedule',
          'scheduler:GetSchedule',
          'scheduler:UpdateSchedule',
        ],
        resources: [expect.stringContaining(schedulesArn)],
        condition: undefined,
      },
      {
        actions: ['iam:PassRole'],
        resources: [expect.stringContaining(schedulerRole(dev))],
        condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      },
    ];
    expect(statements).toHaveLength(expected.length);
    for (const statement of expected) expect(statements).toContainEqual(statement);
  });
});

describe('the /v2/schedules routes of the ingest API', () => {
  const routes = apiRoutes(dev, 'mms-gateway-dev-ingest');
  const scheduleRoutes = [
    'GET /v2/schedules',
    'POST /v2/schedules',
    'GET /v2/schedules/{id}',
    'DELETE /v2/schedules/{id}',
    'POST /v2/schedules/{id}/pause',
    'POST /v2/schedules/{id}/resume',
  ];
  const schedulesFunction = functionOf(dev, 'schedules');
  const [authorizerId] = Object.keys(resources(dev.stateless, 'AWS::ApiGateway::Authorizer'));

  it('are exactly these six, and the only routes under /v2/schedules', () => {
    expect(
      Object.keys(routes)
        .filter((r) => r.includes('/v2/schedules'))
        .sort(),
    ).toEqual([...scheduleRoutes].sort());
  });

  it.each(scheduleRoutes)('%s: the x-api-key authorizer, proxied to the Schedules Lambda', (route) => {
    const method = routes[route] as Json;
    expect(method).toMatchObject({ AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: authorizerId } });
    const integration = method.Integration as Json;
    expect(integration).toMatchObject({ Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' });
    expect(text(integration.Uri)).toContain(schedulesFunction);
  });

  it('lets API Gateway invoke the Schedules Lambda for these routes of the ingest API only', () => {
    const [ingestApiId] = Object.entries(resources(dev.stateless, 'AWS::ApiGateway::RestApi')).find(
      ([, api]) => props(api).Name === 'mms-gateway-dev-ingest',
    ) ?? [''];
    const permissions = Object.values(resources(dev.stateless, 'AWS::Lambda::Permission'))
      .map(props)
      .filter((p) => text(p.FunctionName).includes(schedulesFunction));
    const granted = permissions.map((p) => {
      expect(p).toMatchObject({ Action: 'lambda:InvokeFunction', Principal: 'apigateway.amazonaws.com' });
      expect(text(p.SourceArn)).toContain(`{"Ref":"${ingestApiId}"}`);
      const [, parts] = (p.SourceArn as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
      // …/<stage>/METHOD/path, with `*` for a path parameter.
      return String(parts.at(-1));
    });
    expect(granted.sort()).toEqual(
      scheduleRoutes.map((r) => `/${r.replace(' ', '').replace('{id}', '*')}`).sort(),
    );
  });
});

describe('the events worker fires recurring sends', () => {
  const variables = functionEnv(dev, 'events');

  it('knows the recurring table, and may only read a schedule and record its firing there', () => {
    expect(text(variables[ENV.recurringTable])).toContain(recurringTableId);
    const onRecurring = dataStatements(dev, 'events').filter((s) =>
      text(s.Resource).includes(recurringTableId),
    );
    expect(onRecurring.map(summary)).toEqual([
      {
        actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        resources: [expect.stringMatching(new RegExp(`${recurringTableId}Arn[0-9A-F]*"\\}$`))],
        condition: undefined,
      },
    ]);
  });

  it('may put a firing back on its own queue to continue it, and on no other queue', () => {
    const eventsQueue = queueId(dev, QUEUES.events.id);
    expect(text(variables[ENV.eventsQueueUrl])).toContain(eventsQueue);
    const sends = dataStatements(dev, 'events').filter((s) => actionsOf(s).includes('sqs:SendMessage'));
    const targets = sends.flatMap((s) => resourcesOf(s).map(text));
    expect(targets.some((t) => t.includes(eventsQueue))).toBe(true);
    // Besides its own queue, only the send queue (the accept use case queues each message there).
    const sendQueue = queueId(dev, QUEUES.send.id);
    expect(targets.filter((t) => !t.includes(eventsQueue) && !t.includes(sendQueue))).toEqual([]);
  });

  it('does not manage recurring schedules itself (no RECURRING_ENV settings)', () => {
    for (const handler of ['events', 'ingest', 'manage'] as const) {
      for (const name of Object.values(RECURRING_ENV)) {
        expect(Object.keys(functionEnv(dev, handler)), handler).not.toContain(name);
      }
    }
  });
});
