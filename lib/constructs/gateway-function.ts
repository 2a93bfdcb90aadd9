import { join } from 'node:path';
import { Duration, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { ISubnet, IVpc } from 'aws-cdk-lib/aws-ec2';
import { Grant, ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ConfigKey } from '../../lambdas/adapters/config';
import { ENV } from '../../definitions/environment';
import { METRICS_NAMESPACE, PROJECT_ROOT, type GatewayConfig } from '../config';

/** The Lambda handlers, one file each in `lambdas/handlers/`. */
export type HandlerName =
  | 'authorizer'
  | 'ingest'
  | 'query'
  | 'manage'
  | 'schedules'
  | 'events'
  | 'send'
  | 'postback'
  | 'status-processor'
  | 'status-publisher'
  | 'sweep'
  | 'webhook'
  | 'suppressions'
  | 'team'
  | 'console';

/** Item-level DynamoDB actions a handler may be given on a table. */
export type ItemAction =
  | 'GetItem'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  /** Suppression checks read a recipient's entries in one call. */
  | 'BatchGetItem'
  /** On the table's own key (a partition: a team's suppression list). */
  | 'Query'
  /** Small tables only: the owners of a sender in the teams table. */
  | 'Scan';

/** What every gateway function of a deployment shares. */
/** The IAM path of every gateway Lambda role, e.g. `/mms-gateway-prod/`. */
export const gatewayRolePath = (serviceName: string): string => `/${serviceName}/`;

export interface FunctionDefaults {
  /** POWERTOOLS_SERVICE_NAME: the `service` dimension of the gateway's metrics and the logs' service key. */
  readonly serviceName: string;
  readonly logLevel: GatewayConfig['logLevel'];
  /** Retention of the function's log group, in days (one of CloudWatch's allowed values). */
  readonly logRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
}

export interface GatewayFunctionProps {
  /** The handler file `lambdas/handlers/<handler>.ts`; its `handler` export is the entry point. */
  readonly handler: HandlerName;
  readonly description: string;
  readonly defaults: FunctionDefaults;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  /** Handler settings by their `ENV` key (lambdas/adapters/config.ts), merged over the Powertools variables. */
  readonly environment?: Partial<Record<ConfigKey, string>>;
  /** Runs the function in these subnets (fixed egress IP). @default - not in a VPC */
  readonly network?: { readonly vpc: IVpc; readonly subnets: readonly ISubnet[] };
  /** Shell commands run after bundling, given the bundle's directory (e.g. to add static files). */
  readonly afterBundling?: (outputDir: string) => string[];
}

/** ES module bundles need `require` for the CommonJS dependencies esbuild bundles (e.g. the X-Ray SDK). */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __gatewayCreateRequire } from 'node:module'; const require = __gatewayCreateRequire(import.meta.url);";

/**
 * One gateway Lambda with the project's defaults: nodejs24.x on arm64, a minified ES module bundle with source
 * maps (`NODE_OPTIONS=--enable-source-maps`) that includes the AWS SDK v3 clients it uses (docs/decisions/
 * 0003-lambda-bundling.md), active X-Ray tracing, Powertools settings, its own log group with a retention, and
 * its own role that can write only to that log group. Permissions are added per function with `grantTable` and
 * the L2 `grant*` methods; every environment variable is named by its `ENV` key, so the handler and the stack
 * cannot disagree on a name.
 */
export class GatewayFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: GatewayFunctionProps) {
    super(scope, id);
    const { defaults } = props;

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: defaults.logRetentionDays,
      removalPolicy: defaults.removalPolicy,
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      // The bus policy lets only roles under this path put events with the gateway's own source.
      path: gatewayRolePath(defaults.serviceName),
      description: `${props.handler} function of ${defaults.serviceName}`,
    });
    this.logGroup.grantWrite(this.role);

    const environment: Record<string, string> = {
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: defaults.serviceName,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      POWERTOOLS_LOG_LEVEL: defaults.logLevel,
    };
    for (const [key, value] of Object.entries(props.environment ?? {})) {
      if (value !== undefined) environment[ENV[key as ConfigKey]] = value;
    }

    this.function = new NodejsFunction(this, 'Function', {
      description: props.description,
      entry: join(PROJECT_ROOT, 'lambdas', 'handlers', `${props.handler}.ts`),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      environment,
      ...(props.network
        ? { vpc: props.network.vpc, vpcSubnets: { subnets: [...props.network.subnets] } }
        : {}),
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: false,
        bundleAwsSDK: true,
        banner: ESM_REQUIRE_BANNER,
        metafile: true,
        ...(props.afterBundling
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (_inputDir: string, outputDir: string) =>
                  props.afterBundling?.(outputDir) ?? [],
              },
            }
          : {}),
      },
    });

    if (props.network) {
      // Lambda manages the function's network interfaces with these EC2 actions, which take no resource ARN.
      this.role.addManagedPolicy(
        ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'),
      );
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        reason:
          'Only with fixedEgressIp: the AWS-managed policy grants the EC2 network-interface actions a Lambda in a VPC needs; they support no resource-level scoping.',
      });
    }
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        "Resource '*' is used only by actions that have no resource-level permissions: X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) and, on the stream consumer, dynamodb:ListStreams. test/infra/security.test.ts fails on any other '*' statement.",
    });
  }

  /** Sets a handler setting by its `ENV` key. */
  setEnv(key: ConfigKey, value: string): this {
    this.function.addEnvironment(ENV[key], value);
    return this;
  }

  /**
   * Names the table in the handler's environment and grants exactly the listed item actions on it, plus Query on
   * the listed indexes only (no `index/*` wildcard).
   */
  grantTable(
    env: ConfigKey,
    table: ITable,
    access: { readonly items?: readonly ItemAction[]; readonly queryIndexes?: readonly string[] },
  ): this {
    this.setEnv(env, table.tableName);
    const items = access.items ?? [];
    if (items.length > 0) {
      Grant.addToPrincipal({
        grantee: this.role,
        actions: items.map((a) => `dynamodb:${a}`),
        resourceArns: [table.tableArn],
      });
    }
    const indexes = access.queryIndexes ?? [];
    if (indexes.length > 0) {
      Grant.addToPrincipal({
        grantee: this.role,
        actions: ['dynamodb:Query'],
        resourceArns: indexes.map((index) => `${table.tableArn}/index/${index}`),
      });
    }
    return this;
  }
}
