import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { physicalName, QUEUES, SEND_FUNCTION_TIMEOUT_SECONDS, TABLES } from '../../definitions/data-model';
import { configWith, props, resources, synth, type Json } from './support';

const prod = synth(configWith('prod'));
const testStage = synth(configWith('dev', { stage: 'ci', removalPolicy: 'destroy' }));
const withEgress = synth(configWith('dev', { fixedEgressIp: { enabled: true, natGateways: 2 } }));

const tables = Object.values(resources(prod.stateful, 'AWS::DynamoDB::Table'));
const tableNamed = (id: string): Json => {
  const found = tables.find((t) => props(t).TableName === physicalName('mms-gateway-prod', id));
  if (!found) throw new Error(`no table ${id}`);
  return props(found);
};
const queueNamed = (template: typeof prod.stateful, id: string): [string, Json] => {
  const entry = Object.entries(resources(template, 'AWS::SQS::Queue')).find(
    ([, q]) => props(q).QueueName === physicalName('mms-gateway-prod', id),
  );
  if (!entry) throw new Error(`no queue ${id}`);
  return [entry[0], props(entry[1])];
};

describe('DynamoDB tables, built from definitions/data-model.ts', () => {
  it('creates exactly the tables of the data model', () => {
    expect(tables.map((t) => props(t).TableName).sort()).toEqual(
      Object.values(TABLES)
        .map((t) => physicalName('mms-gateway-prod', t.id))
        .sort(),
    );
  });

  it.each(Object.values(TABLES))('$id: keys, indexes, TTL and stream as the data model says', (def) => {
    const table = tableNamed(def.id);
    expect(table.KeySchema).toEqual([
      { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
      ...('sortKey' in def
        ? [{ AttributeName: (def.sortKey as { name: string }).name, KeyType: 'RANGE' }]
        : []),
    ]);
    const indexes = (table.GlobalSecondaryIndexes as Json[] | undefined) ?? [];
    expect(indexes.map((i) => i.IndexName)).toEqual(def.globalSecondaryIndexes.map((i) => i.indexName));
    for (const index of def.globalSecondaryIndexes) {
      const found = indexes.find((i) => i.IndexName === index.indexName);
      expect(found?.KeySchema).toEqual([
        { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
        ...('sortKey' in index && index.sortKey
          ? [{ AttributeName: index.sortKey.name, KeyType: 'RANGE' }]
          : []),
      ]);
      expect(found?.Projection).toEqual({ ProjectionType: 'ALL' });
    }
    if ('ttlAttribute' in def) {
      expect(table.TimeToLiveSpecification).toEqual({ AttributeName: def.ttlAttribute, Enabled: true });
    } else {
      expect(table.TimeToLiveSpecification).toBeUndefined();
    }
    if ('stream' in def) expect(table.StreamSpecification).toEqual({ StreamViewType: def.stream });
    else expect(table.StreamSpecification).toBeUndefined();
  });

  it('bills every table on demand', () => {
    for (const t of tables) expect(props(t).BillingMode).toBe('PAY_PER_REQUEST');
  });

  it('turns point-in-time recovery on for every table', () => {
    for (const t of tables) {
      expect(props(t).PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    }
  });

  it('encrypts every table with the AWS-managed KMS key (SSEEnabled; not just the default AWS-owned key)', () => {
    for (const t of tables) expect(props(t).SSESpecification).toEqual({ SSEEnabled: true });
  });
});

describe('queues, built from definitions/data-model.ts', () => {
  const [dlqId, dlq] = queueNamed(prod.stateful, QUEUES.sendDlq.id);
  const [, queue] = queueNamed(prod.stateful, QUEUES.send.id);

  it('gives the queue a visibility timeout of at least 6 × the send function timeout', () => {
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * SEND_FUNCTION_TIMEOUT_SECONDS);
    expect(queue.VisibilityTimeout).toBe(QUEUES.send.visibilityTimeoutSeconds);
  });

  it('moves a message to the DLQ after the configured number of receives (at least 5)', () => {
    expect(queue.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
      maxReceiveCount: QUEUES.send.maxReceiveCount,
    });
    expect(QUEUES.send.maxReceiveCount).toBeGreaterThanOrEqual(5);
  });

  it('keeps dead letters 14 days', () => {
    expect(dlq.MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });

  it('encrypts both queues at rest', () => {
    expect(queue.SqsManagedSseEnabled).toBe(true);
    expect(dlq.SqsManagedSseEnabled).toBe(true);
  });

  it('creates exactly the queues of the data model, each dead-letter queue kept 14 days', () => {
    const names = Object.values(resources(prod.stateful, 'AWS::SQS::Queue')).map((q) => props(q).QueueName);
    expect(names.sort()).toEqual(
      Object.values(QUEUES)
        .map((q) => physicalName('mms-gateway-prod', q.id))
        .sort(),
    );
    for (const def of Object.values(QUEUES)) {
      const [, queue] = queueNamed(prod.stateful, def.id);
      if ('deadLetterQueueId' in def) {
        const [targetId] = queueNamed(prod.stateful, def.deadLetterQueueId);
        expect(queue.RedrivePolicy, def.id).toEqual({
          deadLetterTargetArn: { 'Fn::GetAtt': [targetId, 'Arn'] },
          maxReceiveCount: def.maxReceiveCount,
        });
        expect(def.maxReceiveCount, def.id).toBeGreaterThanOrEqual(5);
        const [, target] = queueNamed(prod.stateful, def.deadLetterQueueId);
        expect(target.MessageRetentionPeriod, def.deadLetterQueueId).toBe(14 * 24 * 3600);
      }
      expect(queue.SqsManagedSseEnabled, def.id).toBe(true);
    }
  });

  it('refuses non-TLS access to every queue', () => {
    const policies = Object.values(resources(prod.stateful, 'AWS::SQS::QueuePolicy'));
    expect(policies).toHaveLength(Object.keys(QUEUES).length);
    for (const policy of policies) {
      const statements = (props(policy).PolicyDocument as { Statement: Json[] }).Statement;
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });
});

describe('Sinch API key secret and event bus', () => {
  it('creates the secret with a generated placeholder that has no apiKey, so nothing is sent with it', () => {
    prod.stateful.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'mms-gateway-prod-sinch-api-key',
      GenerateSecretString: Match.objectLike({ GenerateStringKey: 'placeholder' }),
    });
    const secret = Object.values(resources(prod.stateful, 'AWS::SecretsManager::Secret'))[0] as Json;
    const template = (props(secret).GenerateSecretString as Json).SecretStringTemplate as string;
    expect(JSON.parse(template)).not.toHaveProperty('apiKey');
  });

  it('creates the gateway event bus', () => {
    prod.stateful.hasResourceProperties('AWS::Events::EventBus', { Name: 'mms-gateway-prod-events' });
  });
});

describe('removal policy', () => {
  const statefulTypes = [
    'AWS::DynamoDB::Table',
    'AWS::SQS::Queue',
    'AWS::SecretsManager::Secret',
    'AWS::Events::EventBus',
    'AWS::Scheduler::ScheduleGroup',
    // The Scheduler execution role: pending schedules name it.
    'AWS::IAM::Role',
  ];

  it('retains every stateful resource in prod, and protects the tables from deletion', () => {
    for (const type of statefulTypes) {
      const found = Object.values(resources(prod.stateful, type));
      expect(found.length).toBeGreaterThan(0);
      for (const resource of found) {
        expect(resource.DeletionPolicy, type).toBe('Retain');
        expect(resource.UpdateReplacePolicy, type).toBe('Retain');
      }
    }
    for (const t of tables) expect(props(t).DeletionProtectionEnabled).toBe(true);
  });

  it('protects the prod stateful stack from deletion', () => {
    expect(prod.gateway.stateful.terminationProtection).toBe(true);
  });

  it('deletes everything with the stack in a test stage (removalPolicy: destroy)', () => {
    for (const type of statefulTypes) {
      for (const resource of Object.values(resources(testStage.stateful, type))) {
        expect(resource.DeletionPolicy, type).toBe('Delete');
      }
    }
    for (const t of Object.values(resources(testStage.stateful, 'AWS::DynamoDB::Table'))) {
      expect(props(t).DeletionProtectionEnabled).toBe(false);
    }
    expect(testStage.gateway.stateful.terminationProtection).toBe(false);
  });
});

describe('fixed egress addresses', () => {
  it('allocates no Elastic IP by default', () => {
    prod.stateful.resourceCountIs('AWS::EC2::EIP', 0);
  });

  it('allocates one retained Elastic IP per NAT gateway when enabled, and outputs the addresses', () => {
    const eips = Object.values(resources(withEgress.stateful, 'AWS::EC2::EIP'));
    expect(eips).toHaveLength(2);
    for (const eip of eips) expect(eip.DeletionPolicy).toBe('Retain');
    expect(
      Object.keys(withEgress.stateful.findOutputs('*')).filter((k) => k.startsWith('EgressIp')),
    ).toHaveLength(2);
  });
});
