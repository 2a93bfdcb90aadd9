import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { configWith, synth, type Synthesized } from './support';

const variants: [string, Synthesized][] = [
  ['dev', synth(configWith('dev'))],
  ['prod', synth(configWith('prod'))],
  ['fixed egress IP', synth(configWith('dev', { fixedEgressIp: { enabled: true, natGateways: 2 } }))],
  ['test stage (destroy)', synth(configWith('dev', { stage: 'ci', removalPolicy: 'destroy' }))],
];

/**
 * Every acknowledgement the project recorded in the app: construct path, rule id, reason. (aws-cdk-lib's own
 * constructs acknowledge some `CloudFormation-Validate::` template-lint rules; those are not ours.)
 */
function acknowledgements(synthesized: Synthesized): { path: string; id: string; reason: string }[] {
  const out: { path: string; id: string; reason: string }[] = [];
  for (const construct of synthesized.app.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        if (id.startsWith('CloudFormation-Validate::')) continue;
        out.push({ path: construct.node.path, id: id.replace(/^annotation::/i, ''), reason });
      }
    }
  }
  return out;
}

describe('cdk-nag AwsSolutions checks', () => {
  it.each(variants)('%s: no unacknowledged finding', (_name, synthesized) => {
    const report = new AwsSolutionsChecks().validateScope(synthesized.app);
    const findings = report.violations.flatMap((v) =>
      v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`),
    );
    expect(findings).toEqual([]);
  });

  it.each(variants)(
    '%s: every acknowledgement names an AwsSolutions rule and gives a reason',
    (_name, synthesized) => {
      const acks = acknowledgements(synthesized);
      expect(acks.length).toBeGreaterThan(0);
      for (const ack of acks) {
        expect(ack.id, ack.path).toMatch(/^AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
        expect(ack.reason.length, `${ack.path} ${ack.id}`).toBeGreaterThan(40);
      }
    },
  );

  it('acknowledges only these rules (a new one needs a reason here and in the report)', () => {
    const [, dev] = variants[0] as [string, Synthesized];
    const [, egress] = variants[2] as [string, Synthesized];
    const ids = new Set([...acknowledgements(dev), ...acknowledgements(egress)].map((a) => a.id));
    expect([...ids].sort()).toEqual([
      'AwsSolutions-APIG2',
      'AwsSolutions-APIG4',
      'AwsSolutions-COG4',
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:eu-west-1:111111111111:schedule/mms-gateway-dev-schedules/*]',
      'AwsSolutions-SMG4',
      'AwsSolutions-SQS3',
    ]);
  });
});
