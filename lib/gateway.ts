import { Tags, type App } from 'aws-cdk-lib';
import { resourcePrefix, type GatewayConfig } from './config';
import { StatefulStack } from './stacks/stateful-stack';
import { StatelessStack } from './stacks/stateless-stack';

export interface Gateway {
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

/**
 * The two stacks of one deployment: `MmsGateway-<stage>-Stateful` (data, retained) and
 * `MmsGateway-<stage>-Stateless` (code and front doors), in the config's fixed account and region.
 */
export function createGateway(app: App, config: GatewayConfig): Gateway {
  const env = { account: config.account, region: config.region };
  const name = `MmsGateway-${config.stage}`;
  const stateful = new StatefulStack(app, `${name}-Stateful`, {
    env,
    config,
    description: `MMS gateway ${config.stage}: tables, queues, Sinch key secret, event bus and rules, schedule group (retained)`,
    terminationProtection: config.removalPolicy === 'retain',
  });
  const stateless = new StatelessStack(app, `${name}-Stateless`, {
    env,
    config,
    stateful,
    description: `MMS gateway ${config.stage}: APIs, Lambdas, WAF, alarms, dashboard`,
  });
  stateless.addStackDependency(stateful, 'the stateless stack uses the stateful resources');
  for (const stack of [stateful, stateless]) {
    Tags.of(stack).add('application', 'mms-gateway');
    Tags.of(stack).add('stage', config.stage);
    Tags.of(stack).add('deployment', resourcePrefix(config));
  }
  return { stateful, stateless };
}
