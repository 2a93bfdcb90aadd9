/**
 * Event-triggered sends, scheduled sends and status webhooks: the bus rules and their queues, the bus policy,
 * the Scheduler group and execution role, who may manage schedules, and the two queue workers.
 */
import { INBOUND_RECEIVED } from '../../lambdas/domain/consent/inbound';
import { describe, expect, it } from 'vitest';
import { ENV, RECURRING_ENV, SCHEDULER_ENV } from '../../definitions/environment';
import { EVENT_SOURCE } from '../../lambdas/adapters/eventbridge-publisher';
import { STATUS_CHANGED } from '../../lambdas/domain/postbacks/parsing';
import { GATEWAY_EVENT_SOURCE } from '../../lib/config';
import { STATUS_CHANGED_PATTERN } from '../../lib/constructs/event-routing';
import {
  physicalName,
  QUEUES,
  SEND_FUNCTION_TIMEOUT_SECONDS,
  SEND_REQUESTED_PATTERN,
  WEBHOOK_FUNCTION_TIMEOUT_SECONDS,
} from '../../definitions/data-model';
import {
  actionsOf,
  configWith,
  functionEnv as env,
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
const producers = ['333333333333', 'arn:aws:iam::444444444444:role/billing-events'];
const withProducers = synth(
  configWith('dev', {
    eventSources: { 'com.example.billing': ['marketing'], 'com.example.crm': ['marketing'] },
    eventProducers: producers,
    webhooks: { timeoutMs: 4000, retryDelaysSeconds: [5, 60, 900], retryMaxAgeSeconds: 7200 },
  }),
);

const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
const rules = Object.entries(resources(dev.stateful, 'AWS::Events::Rule')).map(
  ([id, r]) => [id, props(r)] as const,
);
const ruleMatching = (pattern: unknown): [string, Json] => {
  const found = rules.find(([, r]) => JSON.stringify(r.EventPattern) === JSON.stringify(pattern));
  if (!found) throw new Error(`no rule with pattern ${JSON.stringify(pattern)}`);
  return [found[0], found[1]];
};
const [busId] = Object.keys(resources(dev.stateful, 'AWS::Events::EventBus'));
const mappingOf = (synthesized: Synthesized, handler: Parameters<typeof functionOf>[1]): Json => {
  const id = functionOf(synthesized, handler);
  const found = Object.values(resources(synthesized.stateless, 'AWS::Lambda::EventSourceMapping'))
    .map(props)
    .find((m) => text(m.FunctionName).includes(id));
  if (!found) throw new Error(`no event source mapping for ${handler}`);
  return found;
};

describe.each([
  ['send requests', SEND_REQUESTED_PATTERN, QUEUES.events.id, QUEUES.eventsDlq.id],
  ['status changes', STATUS_CHANGED_PATTERN, QUEUES.webhook.id, QUEUES.webhookDlq.id],
] as const)('the %s rule', (_name, pattern, queue, deadLetterQueue) => {
  const [ruleId, rule] = ruleMatching(pattern);
  const policyOf = (queueLogicalId: string): Statement[] => {
    const policy = Object.values(resources(dev.stateful, 'AWS::SQS::QueuePolicy')).find((p) =>
      text(props(p).Queues).includes(queueLogicalId),
    );
    return (props(policy as Json).PolicyDocument as { Statement: Statement[] }).Statement;
  };

  it('matches on the gateway bus with the pattern the local runtime uses too', () => {
    expect(rule.EventBusName).toEqual({ Ref: busId });
    expect(rule.EventPattern).toEqual(pattern);
    expect(rule.State).toBe('ENABLED');
  });

  it(`targets the ${queue} queue only, with ${deadLetterQueue} as its dead-letter queue and EventBridge's longest retries`, () => {
    expect(rule.Targets).toEqual([
      expect.objectContaining({
        Arn: arnOf(queueId(dev, queue)),
        DeadLetterConfig: { Arn: arnOf(queueId(dev, deadLetterQueue)) },
        RetryPolicy: { MaximumEventAgeInSeconds: 24 * 3600, MaximumRetryAttempts: 185 },
      }),
    ]);
  });

  it('is allowed by the queue and its DLQ to send to them, for this rule only', () => {
    for (const id of [queueId(dev, queue), queueId(dev, deadLetterQueue)]) {
      const allows = policyOf(id).filter((s) => s.Effect === 'Allow');
      expect(allows, id).toHaveLength(1);
      expect(allows[0]).toMatchObject({
        Principal: { Service: 'events.amazonaws.com' },
        Condition: { ArnEquals: { 'aws:SourceArn': arnOf(ruleId) } },
      });
      expect(actionsOf(allows[0] as Statement)).toContain('sqs:SendMessage');
    }
  });
});

describe('event routing', () => {
  it('has exactly the two rules on the gateway bus', () => {
    expect(rules.map(([, r]) => r.EventBusName)).toEqual([{ Ref: busId }, { Ref: busId }]);
  });

  it("filters status events by the gateway's own source and detail type (lambdas/adapters, lambdas/domain)", () => {
    expect(STATUS_CHANGED_PATTERN).toEqual({
      source: [EVENT_SOURCE],
      'detail-type': [STATUS_CHANGED, 'mms.template-status-changed', INBOUND_RECEIVED],
    });
    expect(GATEWAY_EVENT_SOURCE).toBe(EVENT_SOURCE);
  });

  it('keeps the rules in the stateful stack, which depends on nothing of the stateless stack (no cycle)', () => {
    dev.stateless.resourceCountIs('AWS::Events::Rule', 1); // only the sweep's schedule
    expect(text(dev.stateful.toJSON())).not.toMatch(/Fn::ImportValue|Fn::GetStackOutput/);
    expect(dev.gateway.stateful.dependencies).toEqual([]);
  });

  const busStatements = (synthesized: typeof dev): Json[] =>
    Object.values(resources(synthesized.stateful, 'AWS::Events::EventBusPolicy')).map(
      (p) => props(p).Statement as Json,
    );

  it('denies every principal but the gateway roles putting events with the gateway source (forged webhooks)', () => {
    for (const synthesized of [dev, withProducers]) {
      const deny = busStatements(synthesized).filter((s) => s.Effect === 'Deny');
      expect(deny).toHaveLength(1);
      expect(deny[0]).toMatchObject({
        Principal: { AWS: '*' },
        Action: 'events:PutEvents',
        Condition: { 'ForAnyValue:StringEquals': { 'events:source': [EVENT_SOURCE] } },
      });
      expect(text(deny[0]?.Condition)).toContain(':role/mms-gateway-dev/*');
    }
    // Every Lambda role is under that path (the status processor and the sweep publish status events).
    const roles = Object.values(resources(dev.stateless, 'AWS::IAM::Role')).map(props);
    const lambdaRoles = roles.filter((r) =>
      text(r.AssumeRolePolicyDocument).includes('lambda.amazonaws.com'),
    );
    expect(lambdaRoles.length).toBeGreaterThanOrEqual(11);
    for (const role of lambdaRoles) expect(role.Path).toBe('/mms-gateway-dev/');
    // Only same-account principals are allowed anything by default: no Allow statement.
    expect(busStatements(dev).filter((s) => s.Effect === 'Allow')).toEqual([]);
  });

  it('lets the configured producers put only mms.send-requested events with a configured source', () => {
    const allows = busStatements(withProducers).filter((s) => s.Effect === 'Allow');
    expect(allows).toHaveLength(1);
    const statement = allows[0] as Json;
    expect(statement).toMatchObject({
      Effect: 'Allow',
      Action: 'events:PutEvents',
      Resource: arnOf(Object.keys(resources(withProducers.stateful, 'AWS::Events::EventBus'))[0] as string),
      Condition: {
        StringEquals: { 'events:detail-type': SEND_REQUESTED_PATTERN['detail-type'] },
        'ForAllValues:StringEquals': { 'events:source': ['com.example.billing', 'com.example.crm'] },
      },
    });
    const principals = (statement.Principal as { AWS: unknown[] }).AWS.map(text);
    expect(principals).toHaveLength(2);
    expect(principals[0]).toContain(':iam::333333333333:root');
    expect(principals[1]).toBe(producers[1]);
  });
});

describe('scheduled sends', () => {
  const statefulRoles = resources(dev.stateful, 'AWS::IAM::Role');
  const [roleId, role] = Object.entries(statefulRoles).find(([, r]) =>
    text(props(r).AssumeRolePolicyDocument).includes('scheduler.amazonaws.com'),
  ) ?? ['', {}];
  const groupName = physicalName('mms-gateway-dev', 'schedules');
  const [groupId] = Object.keys(resources(dev.stateful, 'AWS::Scheduler::ScheduleGroup'));
  const statelessStatements = statementsByRole(dev.stateless);
  const scheduling = ['ingest', 'manage', 'events'] as const;
  // The schedules Lambda manages the recurring sends' schedules (test/infra/recurring.test.ts).
  const schedulingRoles = [...scheduling, 'schedules' as const]
    .map((h) => roleOfFunction(dev.stateless, functionOf(dev, h)))
    .sort();
  const schedulesArn = `"arn:",{"Ref":"AWS::Partition"},":scheduler:${dev.config.region}:${dev.config.account}:schedule/${groupName}/*`;

  it('creates the schedule group, retained like the other stateful resources', () => {
    const groups = resources(dev.stateful, 'AWS::Scheduler::ScheduleGroup');
    expect(Object.values(groups).map((g) => props(g).Name)).toEqual([groupName]);
    expect(groups[groupId as string]?.DeletionPolicy).toBe('Retain');
  });

  it('has an execution role only Scheduler can assume, for this account and schedule group', () => {
    expect(props(role).AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: {
            StringEquals: { 'aws:SourceAccount': dev.config.account },
            ArnLike: { 'aws:SourceArn': arnOf(groupId as string) },
          },
        },
      ],
    });
    expect(props(role).ManagedPolicyArns).toBeUndefined();
  });

  it('lets the execution role do nothing but sqs:SendMessage to the send and events queues and their DLQs', () => {
    expect(statementsByRole(dev.stateful)[roleId]).toBeUndefined();
    const policies = props(role).Policies as { PolicyDocument: { Statement: Statement[] } }[];
    expect(policies).toHaveLength(1);
    expect(policies[0]?.PolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        // One-time schedules (send-at) fire into the send queue, recurring sends into the events queue.
        Resource: [
          arnOf(queueId(dev, QUEUES.send.id)),
          arnOf(queueId(dev, QUEUES.sendDlq.id)),
          arnOf(queueId(dev, QUEUES.events.id)),
          arnOf(queueId(dev, QUEUES.eventsDlq.id)),
        ],
      },
    ]);
  });

  it('lets only the ingest, manage, events and schedules Lambdas manage schedules, and only those of the group', () => {
    const withScheduler = Object.entries(statelessStatements).filter(([, statements]) =>
      statements.some((s) => actionsOf(s).some((a) => a.startsWith('scheduler:'))),
    );
    expect(withScheduler.map(([r]) => r).sort()).toEqual(schedulingRoles);
    for (const [roleName, statements] of withScheduler) {
      const schedulerStatements = statements.filter((s) =>
        actionsOf(s).some((a) => a.startsWith('scheduler:')),
      );
      expect(schedulerStatements, roleName).toHaveLength(1);
      const [statement] = schedulerStatements as [Statement];
      expect(actionsOf(statement).sort()).toEqual([
        'scheduler:CreateSchedule',
        'scheduler:DeleteSchedule',
        'scheduler:GetSchedule',
        'scheduler:UpdateSchedule',
      ]);
      expect(resourcesOf(statement).map(text)).toEqual([expect.stringContaining(schedulesArn)]);
    }
  });

  it('lets only those Lambdas pass a role, only the execution role, and only to Scheduler', () => {
    const passing = Object.entries({ ...statelessStatements, ...statementsByRole(dev.stateful) }).filter(
      ([, statements]) => statements.some((s) => actionsOf(s).includes('iam:PassRole')),
    );
    expect(passing.map(([r]) => r).sort()).toEqual(schedulingRoles);
    for (const [roleName, statements] of passing) {
      const pass = statements.filter((s) => actionsOf(s).includes('iam:PassRole'));
      expect(pass, roleName).toEqual([
        expect.objectContaining({
          Action: 'iam:PassRole',
          Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
        }),
      ]);
      expect(resourcesOf(pass[0] as Statement).map(text)).toEqual([expect.stringContaining(roleId)]);
    }
  });

  it('gives those Lambdas the scheduler settings (group, send queue, role, send DLQ), and no other', () => {
    for (const handler of scheduling) {
      const variables = env(dev, handler);
      expect(variables[SCHEDULER_ENV.scheduleGroupName], handler).toBe(groupName);
      expect(text(variables[SCHEDULER_ENV.schedulerTargetArn]), handler).toContain(
        queueId(dev, QUEUES.send.id),
      );
      expect(text(variables[SCHEDULER_ENV.schedulerDlqArn]), handler).toContain(
        queueId(dev, QUEUES.sendDlq.id),
      );
      expect(text(variables[SCHEDULER_ENV.schedulerRoleArn]), handler).toContain(roleId);
    }
    for (const handler of [
      'authorizer',
      'query',
      'send',
      'postback',
      'statusProcessor',
      'sweep',
      'webhook',
    ] as const) {
      expect(Object.keys(env(dev, handler)), handler).not.toContain(SCHEDULER_ENV.scheduleGroupName);
      for (const name of Object.values(RECURRING_ENV)) {
        expect(Object.keys(env(dev, handler)), handler).not.toContain(name);
      }
    }
  });
});

describe('events worker', () => {
  it('consumes the events queue in batches of 10, reporting failed records', () => {
    const mapping = mappingOf(dev, 'events');
    expect(mapping).toMatchObject({ BatchSize: 10, FunctionResponseTypes: ['ReportBatchItemFailures'] });
    expect(text(mapping.EventSourceArn)).toContain(queueId(dev, QUEUES.events.id));
  });

  it('runs within a sixth of the events queue visibility timeout', () => {
    const fn = resources(dev.stateless, 'AWS::Lambda::Function')[functionOf(dev, 'events')] as Json;
    expect(props(fn).Timeout).toBe(SEND_FUNCTION_TIMEOUT_SECONDS);
    expect(6 * SEND_FUNCTION_TIMEOUT_SECONDS).toBeLessThanOrEqual(QUEUES.events.visibilityTimeoutSeconds);
  });

  it.each([
    ['the example config', dev],
    ['a config with several sources', withProducers],
  ])('gets EVENT_SOURCES equal to eventSources of %s', (_name, synthesized) => {
    const value = env(synthesized, 'events')[ENV.eventSources] as string;
    expect(JSON.parse(value)).toEqual(synthesized.config.eventSources);
  });

  it('publishes the send results on the gateway bus', () => {
    expect(text(env(dev, 'events')[ENV.eventBusName])).toContain('EventBus');
  });
});

describe('webhook worker', () => {
  it('consumes the webhook queue in batches of 10, at most 5 at once, reporting failed records', () => {
    const mapping = mappingOf(dev, 'webhook');
    expect(mapping).toMatchObject({
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 5 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(text(mapping.EventSourceArn)).toContain(queueId(dev, QUEUES.webhook.id));
  });

  it('runs outside any VPC (direct internet egress to teams’ endpoints), within a sixth of the queue visibility', () => {
    const fn = props(resources(dev.stateless, 'AWS::Lambda::Function')[functionOf(dev, 'webhook')] as Json);
    expect(fn.VpcConfig).toBeUndefined();
    expect(fn.Timeout).toBe(WEBHOOK_FUNCTION_TIMEOUT_SECONDS);
    expect(6 * WEBHOOK_FUNCTION_TIMEOUT_SECONDS).toBeLessThanOrEqual(QUEUES.webhook.visibilityTimeoutSeconds);
  });

  it('knows its queue (for delayed retries) and keeps the handler defaults unless the config sets webhooks', () => {
    const variables = env(dev, 'webhook');
    expect(text(variables[ENV.webhookQueueUrl])).toContain(queueId(dev, QUEUES.webhook.id));
    for (const key of [
      'webhookTimeoutMs',
      'webhookRetryDelaysSeconds',
      'webhookRetryMaxAgeSeconds',
    ] as const) {
      expect(variables[ENV[key]], key).toBeUndefined();
    }
    expect(env(withProducers, 'webhook')).toMatchObject({
      [ENV.webhookTimeoutMs]: '4000',
      [ENV.webhookRetryDelaysSeconds]: '5,60,900',
      [ENV.webhookRetryMaxAgeSeconds]: '7200',
    });
  });
});
