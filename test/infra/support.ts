/**
 * Shared helpers of the infra tests: a valid config to vary, and an in-process synth of both stacks with
 * Lambda bundling skipped (fast; test/infra/synth-cli.test.ts runs the real `cdk synth` with bundling).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CONFIG_DIR, parseConfig, type GatewayConfig, type GatewayConfigInput } from '../../lib/config';
import { physicalName } from '../../definitions/data-model';
import { createGateway, type Gateway } from '../../lib/gateway';

export type Json = Record<string, unknown>;

/** The raw content of `config/<stage>.json`. */
export const rawConfig = (stage: string): GatewayConfigInput =>
  JSON.parse(readFileSync(join(CONFIG_DIR, `${stage}.json`), 'utf8')) as GatewayConfigInput;

/** A stage's config with some keys replaced, validated like a file. */
export const configWith = (stage: string, overrides: Partial<GatewayConfigInput> = {}): GatewayConfig =>
  parseConfig({ ...rawConfig(stage), ...overrides }, `test:${stage}`);

export interface Synthesized {
  readonly app: App;
  readonly gateway: Gateway;
  readonly config: GatewayConfig;
  readonly stateful: Template;
  readonly stateless: Template;
}

/** Builds and synthesizes both stacks for a config, without bundling the Lambda code. */
export function synth(config: GatewayConfig): Synthesized {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const gateway = createGateway(app, config);
  return {
    app,
    gateway,
    config,
    stateful: Template.fromStack(gateway.stateful),
    stateless: Template.fromStack(gateway.stateless),
  };
}

/** Resources of one type, by logical id. */
export const resources = (template: Template, type: string): Record<string, Json> =>
  template.findResources(type);

export const props = (resource: Json): Json => (resource.Properties ?? {}) as Json;

export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

export const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

export const resourcesOf = (statement: Statement): unknown[] =>
  Array.isArray(statement.Resource) ? (statement.Resource as unknown[]) : [statement.Resource];

/** The inline policy statements attached to each IAM role of a template, by role logical id. */
export function statementsByRole(template: Template): Record<string, Statement[]> {
  const out: Record<string, Statement[]> = {};
  for (const policy of Object.values(resources(template, 'AWS::IAM::Policy'))) {
    const p = props(policy);
    const roles = (p.Roles as { Ref: string }[] | undefined) ?? [];
    const statements = (p.PolicyDocument as { Statement: Statement[] }).Statement;
    for (const role of roles) (out[role.Ref] ??= []).push(...statements);
  }
  return out;
}

/** The logical id of the role a Lambda function runs with. */
export function roleOfFunction(template: Template, functionLogicalId: string): string {
  const fn = resources(template, 'AWS::Lambda::Function')[functionLogicalId];
  if (!fn) throw new Error(`no function ${functionLogicalId}`);
  return (props(fn).Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
}

/** The logical id of the Lambda function whose handler file is `lambdas/handlers/<handler>.ts`. */
export function functionOf(
  synthesized: Synthesized,
  handler: keyof Gateway['stateless']['functions'],
): string {
  const fn = synthesized.gateway.stateless.functions[handler];
  if (!fn) throw new Error(`no function ${handler}`);
  return synthesized.gateway.stateless.getLogicalId(fn.function.node.defaultChild as CfnElement);
}

/** Text of a CloudFormation value, with intrinsic functions rendered as JSON (for `includes` checks). */
export const text = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** The environment variables a Lambda function gets, by handler. */
export function functionEnv(synthesized: Synthesized, handler: Parameters<typeof functionOf>[1]): Json {
  const fn = resources(synthesized.stateless, 'AWS::Lambda::Function')[functionOf(synthesized, handler)];
  return (props(fn as Json).Environment as { Variables: Json }).Variables;
}

/** Logical id of a queue of the data model (`QUEUES.<x>.id`) in the stateful template. */
export function queueId(synthesized: Synthesized, id: string): string {
  const name = physicalName(`mms-gateway-${synthesized.config.stage}`, id);
  const found = Object.entries(resources(synthesized.stateful, 'AWS::SQS::Queue')).find(
    ([, q]) => props(q).QueueName === name,
  );
  if (!found) throw new Error(`no queue ${id}`);
  return found[0];
}

/** The methods of a REST API of the stateless template by `METHOD /path` (e.g. `DELETE /v2/messages/{id}`). */
export function apiRoutes(synthesized: Synthesized, apiName: string): Record<string, Json> {
  const { stateless } = synthesized;
  const apis = resources(stateless, 'AWS::ApiGateway::RestApi');
  const apiId = Object.keys(apis).find((id) => props(apis[id] as Json).Name === apiName);
  if (!apiId) throw new Error(`no REST API ${apiName}`);
  const apiResources = resources(stateless, 'AWS::ApiGateway::Resource');
  const routeOf = (method: Json): string => {
    const parts: string[] = [];
    let ref = props(method).ResourceId as { Ref?: string } | undefined;
    while (ref?.Ref && apiResources[ref.Ref]) {
      const resource = props(apiResources[ref.Ref] as Json);
      parts.unshift(resource.PathPart as string);
      ref = resource.ParentId as { Ref?: string };
    }
    return `${props(method).HttpMethod as string} /${parts.join('/')}`;
  };
  return Object.fromEntries(
    Object.values(resources(stateless, 'AWS::ApiGateway::Method'))
      .filter((m) => (props(m).RestApiId as { Ref: string }).Ref === apiId)
      .map((m) => [routeOf(m), props(m)]),
  );
}
