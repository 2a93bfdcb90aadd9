import { describe, expect, it } from 'vitest';
import { SEND_FUNCTION_TIMEOUT_SECONDS } from '../../definitions/data-model';
import { configWith, functionOf, props, resources, synth, text, type Json } from './support';

const dev = synth(configWith('dev'));
const egress = synth(configWith('dev', { fixedEgressIp: { enabled: true, natGateways: 1 } }));
const mappings = Object.values(resources(dev.stateless, 'AWS::Lambda::EventSourceMapping')).map(props);
const sendId = functionOf(dev, 'send');
const processorId = functionOf(dev, 'statusProcessor');
const fn = (synthesized: typeof dev, id: string): Json =>
  props(resources(synthesized.stateless, 'AWS::Lambda::Function')[id] as Json);

describe('send pipeline', () => {
  const sendMapping = mappings.find((m) => text(m.FunctionName).includes(sendId));

  it('consumes the send queue with the configured batch size and maximum concurrency, reporting item failures', () => {
    expect(sendMapping).toMatchObject({
      BatchSize: dev.config.sendBatchSize,
      ScalingConfig: { MaximumConcurrency: dev.config.sendMaxConcurrency },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(text(sendMapping?.EventSourceArn)).toContain('SendQueue');
  });

  it('gives the send function the timeout the queue visibility timeout is sized for', () => {
    expect(fn(dev, sendId).Timeout).toBe(SEND_FUNCTION_TIMEOUT_SECONDS);
  });

  it('keeps the send function out of a VPC by default', () => {
    expect(fn(dev, sendId).VpcConfig).toBeUndefined();
    dev.stateless.resourceCountIs('AWS::EC2::VPC', 0);
    dev.stateless.resourceCountIs('AWS::EC2::NatGateway', 0);
  });

  it('with fixedEgressIp, runs only the send function in private subnets behind a NAT gateway with the retained Elastic IP', () => {
    const sendVpc = fn(egress, functionOf(egress, 'send')).VpcConfig as Json | undefined;
    expect(sendVpc?.SubnetIds).toHaveLength(2);
    const nat = Object.values(resources(egress.stateless, 'AWS::EC2::NatGateway')).map(props);
    expect(nat).toHaveLength(1);
    expect(text(nat[0]?.AllocationId)).toContain('EgressIp1');
    const others = Object.entries(resources(egress.stateless, 'AWS::Lambda::Function')).filter(
      ([id]) => id !== functionOf(egress, 'send'),
    );
    for (const [id, other] of others) expect(props(other).VpcConfig, id).toBeUndefined();
    egress.stateless.resourceCountIs('AWS::EC2::FlowLog', 1);
  });
});

describe('status processing', () => {
  const streamMapping = mappings.find((m) => text(m.FunctionName).includes(processorId));

  it('reads the postbacks stream from the start, bisects, retries as configured and reports item failures', () => {
    expect(streamMapping).toMatchObject({
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: dev.config.processorRetryAttempts,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(text(streamMapping?.EventSourceArn)).toContain('PostbacksTable');
  });

  it('sends records that failed every retry to an encrypted SQS dead-letter queue', () => {
    const destination = (streamMapping?.DestinationConfig as { OnFailure: { Destination: unknown } })
      .OnFailure.Destination;
    const [queueId] = (destination as { 'Fn::GetAtt': [string] })['Fn::GetAtt'];
    const queue = resources(dev.stateless, 'AWS::SQS::Queue')[queueId];
    expect(props(queue as Json)).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
  });

  it('runs the sweep every minute', () => {
    const rules = Object.values(resources(dev.stateless, 'AWS::Events::Rule')).map(props);
    const sweepRule = rules.find((r) => text(r.Targets).includes(functionOf(dev, 'sweep')));
    expect(sweepRule?.ScheduleExpression).toBe('rate(1 minute)');
  });

  it('gives the status publisher, the events worker and the status processor and the sweep (inbound events) PutEvents on the gateway bus, and no one else', () => {
    const withPut = Object.entries(resources(dev.stateless, 'AWS::IAM::Policy'))
      .filter(([, p]) => text(props(p).PolicyDocument).includes('events:PutEvents'))
      .map(([, p]) => text(props(p).Roles));
    expect(withPut).toHaveLength(4);
    expect(withPut.join()).toMatch(/StatusPublishingPublisherRole/);
    expect(withPut.join()).toMatch(/EventSendsWorkerRole/);
    expect(withPut.join()).toMatch(/StatusProcessingProcessorRole/);
    // The sweep re-applies stuck postbacks with the processor's use case, inbound (MO) ones included.
    expect(withPut.join()).toMatch(/StatusProcessingSweepRole/);
  });
});
