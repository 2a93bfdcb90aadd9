import { describe, expect, it } from 'vitest';
import { QUEUES } from '../../definitions/data-model';
import { configWith, props, resources, synth, text, type Json } from './support';

const pascal = (id: string): string =>
  id
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');

const dev = synth(configWith('dev'));
const alarms = Object.values(resources(dev.stateless, 'AWS::CloudWatch::Alarm')).map(props);
const alarm = (name: string): Json => {
  const found = alarms.find((a) => a.AlarmName === `mms-gateway-dev-${name}`);
  if (!found) throw new Error(`no alarm ${name}`);
  return found;
};

describe('alarm topic', () => {
  it('encrypts the topic with a rotating key CloudWatch may use, and refuses non-TLS publishing', () => {
    const [topic] = Object.values(resources(dev.stateless, 'AWS::SNS::Topic')).map(props);
    expect(text(topic?.KmsMasterKeyId)).toContain('AlarmTopicKey');
    dev.stateless.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    const key = Object.values(resources(dev.stateless, 'AWS::KMS::Key')).map(props)[0];
    expect(text(key?.KeyPolicy)).toContain('cloudwatch.amazonaws.com');
    const policy = Object.values(resources(dev.stateless, 'AWS::SNS::TopicPolicy')).map(props)[0];
    expect(text(policy?.PolicyDocument)).toContain('aws:SecureTransport');
  });

  it('e-mails the configured address', () => {
    dev.stateless.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: dev.config.alarmEmail,
    });
  });
});

describe('alarms', () => {
  it.each([
    'SendDlqNotEmpty',
    'ProcessorDlqNotEmpty',
    'EventsDlqNotEmpty',
    'WebhookDlqNotEmpty',
    'SendErrors',
    'SendThrottles',
    'SendRetries',
    'SendQueueBacklog',
    'IngestApi5xx',
    'PostbackApi5xx',
    'ProcessorIteratorAge',
    'PublisherDlqNotEmpty',
    'PublisherIteratorAge',
    'SweepErrors',
    'OrphanPostbacks',
  ])('%s notifies the topic and links its runbook', (name) => {
    const a = alarm(name);
    expect(text(a.AlarmActions)).toContain('AlarmTopic');
    expect(a.AlarmDescription).toContain(`docs/operations.md#${name.toLowerCase()}`);
    expect(a.TreatMissingData).toBe('notBreaching');
  });

  it('fires on the first message in any dead-letter queue', () => {
    for (const name of [
      'SendDlqNotEmpty',
      'ProcessorDlqNotEmpty',
      'PublisherDlqNotEmpty',
      'EventsDlqNotEmpty',
      'WebhookDlqNotEmpty',
    ]) {
      expect(alarm(name)).toMatchObject({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Statistic: 'Maximum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    }
  });

  it.each([
    ['EventsDlqNotEmpty', QUEUES.eventsDlq.id],
    ['WebhookDlqNotEmpty', QUEUES.webhookDlq.id],
    ['SendDlqNotEmpty', QUEUES.sendDlq.id],
  ])('%s watches the %s queue', (name, queue) => {
    const dimensions = alarm(name).Dimensions as { Name: string; Value: unknown }[];
    expect(dimensions.map((d) => d.Name)).toEqual(['QueueName']);
    expect(text(dimensions[0]?.Value)).toMatch(new RegExp(`${pascal(queue)}Queue[0-9A-F]+QueueName`));
  });

  it('says in SendDlqNotEmpty that failed schedules land there too', () => {
    expect(alarm('SendDlqNotEmpty').AlarmDescription).toMatch(/schedule/);
  });

  it('fires on send Lambda errors', () => {
    expect(alarm('SendErrors')).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Threshold: 0,
    });
    expect(text(alarm('SendErrors').Dimensions)).toContain('SendPipelineSend');
  });

  it('watches the retry rate (E113, 5xx, timeouts) and the orphan postbacks through the gateway EMF metrics', () => {
    for (const [name, metric] of [
      ['SendRetries', 'SendRetried'],
      ['OrphanPostbacks', 'OrphanPostbacks'],
    ]) {
      expect(alarm(name as string)).toMatchObject({
        Namespace: 'MmsGateway',
        MetricName: metric,
        Dimensions: [{ Name: 'service', Value: 'mms-gateway-dev' }],
        Statistic: 'Sum',
      });
    }
    expect(alarm('SendRetries').Threshold).toBe(Math.max(10, Math.ceil(dev.config.accountTps * 300 * 0.01)));
  });

  it('fires on postback API 5xx and on a lagging status processor', () => {
    expect(alarm('PostbackApi5xx')).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: '5XXError',
      Dimensions: [{ Name: 'ApiName', Value: 'mms-gateway-dev-postbacks' }],
    });
    expect(alarm('ProcessorIteratorAge')).toMatchObject({ MetricName: 'IteratorAge', Statistic: 'Maximum' });
  });
});

describe('dashboard', () => {
  it('shows sends by outcome, queue age and latency', () => {
    const [dashboard] = Object.values(resources(dev.stateless, 'AWS::CloudWatch::Dashboard')).map(props);
    const body = text(dashboard?.DashboardBody);
    for (const expected of [
      'Sends per minute by outcome',
      'Send_submitted',
      'SendRetried',
      'ApproximateAgeOfOldestMessage',
      'Latency',
    ]) {
      expect(body).toContain(expected);
    }
  });
});
