/**
 * CDK app entry (`cdk synth -c stage=dev|prod`, default dev): reads and validates `config/<stage>.json`, builds
 * the two stacks and runs the cdk-nag AwsSolutions checks, whose unacknowledged findings fail the synth.
 * `-c configFile=path` reads another file for the stage (tests use it).
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError, loadStageConfig } from '../lib/config';
import { createGateway } from '../lib/gateway';

const app = new App();
const stage = String(app.node.tryGetContext('stage') ?? 'dev');
const configFile = app.node.tryGetContext('configFile') as string | undefined;

try {
  createGateway(app, loadStageConfig(stage, configFile));
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
