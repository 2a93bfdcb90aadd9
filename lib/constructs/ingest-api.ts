import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  AuthorizationType,
  EndpointType,
  IdentitySource,
  LambdaIntegration,
  RequestAuthorizer,
  type Method,
  ResponseType,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, LogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { METRICS_NAMESPACE, type GatewayConfig } from '../config';
import type { PolicyDocument } from 'aws-cdk-lib/aws-iam';
import { CfnIPSet, CfnLoggingConfiguration, CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { errorBody, type ErrorCode } from '../../lambdas/domain/sinch/error-codes';
import { GATEWAY_RESPONSES, INGEST_ROUTES, resourcePath, type IngestHandler } from '../../definitions/routes';
import {
  associateWebAcl,
  bodySizeRule,
  bodyTooLargeResponse,
  invokeOnlyIf,
  requireModernTls,
  stageOptions,
  wafVisibility,
  type StageSettings,
} from './rest-api-support';

export interface IngestApiProps {
  /** Name of the REST API (and prefix of its WAF names). */
  readonly apiName: string;
  readonly stage: StageSettings;
  /** REQUEST authorizer resolving x-api-key to a team. */
  readonly authorizer: IFunction;
  /** POST /v2/ */
  readonly ingest: IFunction;
  /** GET /v2/messages[/{id}], GET /v2/templates[/{id}] and GET /v2/openapi.json */
  readonly query: IFunction;
  /** DELETE /v2/messages/{id} (cancel a scheduled send) and PATCH /v2/messages/{id} (move it) */
  readonly manage: IFunction;
  /** /v2/schedules: recurring sends. */
  readonly schedules: IFunction;
  /** GET /v2/suppressions, PUT and DELETE /v2/suppressions/{number}: a team's suppression list. */
  readonly suppressions: IFunction;
  /** /v2/team…, /v2/usage: a team's own settings, webhook, key and usage. */
  readonly team: IFunction;
  /** GET /console and /console/{proxy+}: the web console's static files (decision 0017). */
  readonly console: IFunction;
  /** How long API Gateway caches an authorizer decision per key (0–60 s; revocations wait at most this long). */
  readonly authCacheSeconds: number;
  /** Largest request body let through (bytes, at most 64 KiB); larger ones get 413 GW-BODY-TOO-LARGE from WAF. */
  readonly maxBodyBytes: number;
  /** Who can reach the API (config ingestAccess). */
  readonly access: GatewayConfig['ingestAccess'];
  /** WAF rate limits: requests per 5 minutes per source IP and per x-api-key value. */
  readonly rateLimitPer5MinPerIp: number;
  readonly rateLimitPer5MinPerKey: number;
  /** WAF log retention (days). */
  readonly logRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
}

/** The AWS managed rule groups on the ingest web ACL. */
export const INGEST_MANAGED_RULE_GROUPS = [
  'AWSManagedRulesAmazonIpReputationList',
  'AWSManagedRulesKnownBadInputsRuleSet',
] as const;

/** WAF visibility without sampled requests: samples would show the x-api-key header in the console. */
const unsampled = (metricName: string): CfnWebACL.VisibilityConfigProperty => ({
  ...wafVisibility(metricName),
  sampledRequestsEnabled: false,
});

/** The resource policy of a `private` or `allowlist` ingest API (none for `public`). */
const accessPolicy = (access: GatewayConfig['ingestAccess']): PolicyDocument | undefined =>
  access.mode === 'public'
    ? undefined
    : invokeOnlyIf(
        access.mode === 'private'
          ? { StringEquals: { 'aws:SourceVpce': [...access.vpcEndpointIds] } }
          : { IpAddress: { 'aws:SourceIp': [...access.sourceCidrs] } },
      );

/**
 * Sinch-shaped JSON body for a gateway response mapping template: static text (no VTL `$` or `#`) plus the
 * request id (`$context.requestId`), as the Lambda answers carry it.
 */
const sinchBody = (code: ErrorCode, info?: string): Record<string, string> => {
  const body = JSON.stringify(errorBody(code, info));
  if (/[$#]/.test(body)) throw new Error(`gateway response body for ${code} must not contain $ or #`);
  return { 'application/json': `${body.slice(0, -1)},"request-id":"$context.requestId"}` };
};

/** The headers of every gateway response (the Lambda answers set the same ones: lambdas/handlers/http.ts). */
export const GATEWAY_RESPONSE_HEADERS = {
  'Cache-Control': "'no-store'",
  'X-Content-Type-Options': "'nosniff'",
  'x-request-id': 'context.requestId',
} as const;

/** WAF's request body inspection size for API Gateway: the smallest that covers the body limit. */
const inspectionLimit = (bytes: number): string => `KB_${Math.max(16, Math.ceil(bytes / 16_384) * 16)}`;

/**
 * The API internal teams call, shaped like Sinch's: a regional REST API with POST /v2/ (the Sinch JSON body),
 * GET /v2/messages?client-reference=…, GET, DELETE and PATCH /v2/messages/{id}, GET /v2/templates[/{id}] and
 * GET /v2/openapi.json. Every method but the OpenAPI document is behind the Lambda REQUEST
 * authorizer on `x-api-key`; authorizer refusals and API Gateway's own errors answer with Sinch-shaped bodies
 * (401/403 E104, 404, 413, 429, 5xx). A WAF web ACL refuses bodies above the configured size, since API Gateway
 * has no body-size validator. JSON access logs, ERROR execution logs, X-Ray and stage throttling are on.
 */
export class IngestApi extends Construct {
  readonly api: RestApi;
  readonly webAcl: CfnWebACL;
  /** Answers 401 or 403 (refused keys), counted from the access logs: the AuthRefused alarm's metric. */
  readonly authRefused: IMetric;
  /** GET /v2/openapi.json, the only method without the authorizer. */
  readonly openApiMethod: Method;
  /** GET /console[/{proxy+}]: the console's static files, without the authorizer. */
  readonly consoleMethods: Method[];

  constructor(scope: Construct, id: string, props: IngestApiProps) {
    super(scope, id);

    const authorizer = new RequestAuthorizer(this, 'ApiKeyAuthorizer', {
      handler: props.authorizer,
      identitySources: [IdentitySource.header('x-api-key')],
      resultsCacheTtl: Duration.seconds(props.authCacheSeconds),
    });

    this.api = new RestApi(this, 'Api', {
      restApiName: props.apiName,
      description: 'MMS gateway: Sinch-compatible API for internal teams (x-api-key per team)',
      endpointTypes: [props.access.mode === 'private' ? EndpointType.PRIVATE : EndpointType.REGIONAL],
      ...(accessPolicy(props.access) ? { policy: accessPolicy(props.access) } : {}),
      deployOptions: stageOptions(this, props.stage),
      // The account-wide role API Gateway needs to write execution logs (one per account and region).
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      defaultMethodOptions: { authorizer, authorizationType: AuthorizationType.CUSTOM },
    });
    requireModernTls(this.api);
    // A new deployment when the access rules change, so the resource policy takes effect.
    this.api.latestDeployment?.addToLogicalId({ access: props.access });

    // The routes and gateway responses come from the one route table (definitions/routes.ts).
    const functions: Record<IngestHandler, IFunction> = {
      ingest: props.ingest,
      query: props.query,
      manage: props.manage,
      schedules: props.schedules,
      suppressions: props.suppressions,
      team: props.team,
    };
    const integrations = new Map<IngestHandler, LambdaIntegration>();
    const integration = (handler: IngestHandler): LambdaIntegration => {
      let found = integrations.get(handler);
      if (!found)
        integrations.set(
          handler,
          (found = new LambdaIntegration(functions[handler], { allowTestInvoke: false })),
        );
      return found;
    };
    const publicMethods: Method[] = [];
    for (const route of INGEST_ROUTES) {
      const method = this.api.root
        .resourceForPath(resourcePath(route.path))
        .addMethod(
          route.method,
          integration(route.handler),
          route.authorization === 'none' ? { authorizationType: AuthorizationType.NONE } : {},
        );
      if (route.authorization === 'none') publicMethods.push(method);
    }
    const [openApiMethod, ...otherPublic] = publicMethods;
    if (!openApiMethod || otherPublic.length > 0)
      throw new Error('the route table must have exactly one public route (GET /v2/openapi.json)');
    this.openApiMethod = openApiMethod;
    // The console's static files: public like the OpenAPI document (they hold no data; every call the console
    // makes goes to the API above with the team's key), on the same stage, WAF and throttling (decision 0017).
    // Not API routes: no OpenAPI operation, so outside the route table.
    const consoleIntegration = new LambdaIntegration(props.console, { allowTestInvoke: false });
    const consoleRoot = this.api.root.addResource('console');
    this.consoleMethods = [
      consoleRoot.addMethod('GET', consoleIntegration, { authorizationType: AuthorizationType.NONE }),
      consoleRoot
        .addResource('{proxy+}')
        .addMethod('GET', consoleIntegration, { authorizationType: AuthorizationType.NONE }),
    ];
    for (const method of this.consoleMethods) {
      Validations.of(method).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'GET /console serves the web console’s static files (HTML, JS, CSS; no team data, no side effect), public like GET /v2/openapi.json so a browser can load it before the team signs in; every data call it makes goes to the authorized API with the team’s x-api-key. Stage throttling and the WAF apply.',
      });
    }
    Validations.of(this.openApiMethod).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'GET /v2/openapi.json serves the static OpenAPI description of the API (no team data, no side effect), public on purpose so clients and tools can read it without a key; every other method has the x-api-key authorizer. Stage throttling and the WAF still apply.',
    });

    for (const response of GATEWAY_RESPONSES) {
      this.api.addGatewayResponse(response.name, {
        type: ResponseType.of(response.type),
        statusCode: String(response.statusCode),
        templates: sinchBody(response.code as ErrorCode, response.info),
        responseHeaders: { ...GATEWAY_RESPONSE_HEADERS },
      });
    }

    const name = props.apiName;
    const cidrs = props.access.mode === 'allowlist' ? props.access.sourceCidrs : [];
    const allowlist = [false, true]
      .filter((ipv6) => cidrs.some((c) => c.includes(':') === ipv6))
      .map((ipv6) => this.allowlistSet(name, ipv6, cidrs));
    const rules: CfnWebACL.RuleProperty[] = [
      {
        ...bodySizeRule(0, `${name}-body-size`, props.maxBodyBytes),
        visibilityConfig: unsampled(`${name}-body-size`),
      },
      ...INGEST_MANAGED_RULE_GROUPS.map((group, i): CfnWebACL.RuleProperty => ({
        name: group,
        priority: 10 + i,
        statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: group } },
        overrideAction: { none: {} },
        visibilityConfig: unsampled(`${name}-${group}`),
      })),
      {
        name: 'rate-limit-per-ip',
        priority: 20,
        statement: { rateBasedStatement: { limit: props.rateLimitPer5MinPerIp, aggregateKeyType: 'IP' } },
        action: { block: {} },
        visibilityConfig: unsampled(`${name}-rate-ip`),
      },
      {
        name: 'rate-limit-per-api-key',
        priority: 21,
        statement: {
          rateBasedStatement: {
            limit: props.rateLimitPer5MinPerKey,
            aggregateKeyType: 'CUSTOM_KEYS',
            customKeys: [
              { header: { name: 'x-api-key', textTransformations: [{ priority: 0, type: 'NONE' }] } },
            ],
          },
        },
        action: { block: {} },
        visibilityConfig: unsampled(`${name}-rate-key`),
      },
      ...(allowlist.length > 0
        ? [
            {
              name: 'block-outside-allowlist',
              priority: 5,
              statement: {
                notStatement: {
                  statement:
                    allowlist.length === 1
                      ? { ipSetReferenceStatement: { arn: allowlist[0]!.attrArn } }
                      : {
                          orStatement: {
                            statements: allowlist.map((set) => ({
                              ipSetReferenceStatement: { arn: set.attrArn },
                            })),
                          },
                        },
                },
              },
              action: { block: {} },
              visibilityConfig: unsampled(`${name}-allowlist`),
            },
          ]
        : []),
    ];
    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      name: `${name}-waf`,
      description: 'Ingest API: body size, IP reputation, known bad inputs, rate per IP and per key, sources',
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: unsampled(`${name}-waf`),
      associationConfig: {
        requestBody: { API_GATEWAY: { defaultSizeInspectionLimit: inspectionLimit(props.maxBodyBytes) } },
      },
      customResponseBodies: bodyTooLargeResponse('Request', props.maxBodyBytes),
      rules,
    });
    // WAF logs, with the key header redacted (WAF requires the aws-waf-logs- name prefix).
    const wafLogs = new LogGroup(this, 'WafLogs', {
      logGroupName: `aws-waf-logs-${name}`,
      retention: props.logRetentionDays,
      removalPolicy: props.removalPolicy,
    });
    new CfnLoggingConfiguration(this, 'WafLogging', {
      resourceArn: this.webAcl.attrArn,
      logDestinationConfigs: [wafLogs.logGroupArn],
      redactedFields: [{ singleHeader: { Name: 'x-api-key' } }],
    });
    associateWebAcl(this, this.api, this.webAcl);

    // API Gateway answers most refusals itself (missing key, cached denies): count them in the access logs.
    this.authRefused = new MetricFilter(this, 'AuthRefusedFilter', {
      logGroup: this.node.findChild('AccessLogs') as LogGroup,
      metricNamespace: METRICS_NAMESPACE,
      metricName: `${props.apiName}-AuthRefused`,
      filterPattern: FilterPattern.any(
        FilterPattern.stringValue('$.status', '=', '401'),
        FilterPattern.stringValue('$.status', '=', '403'),
      ),
      metricValue: '1',
    }).metric({ statistic: 'Sum', period: Duration.minutes(5) });

    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG2',
      reason:
        'The JSON body is validated by the accept use case, which answers with Sinch error codes (E1xx/E2xx/E3xx) an API Gateway model cannot produce; the body size is limited by the WAF web ACL.',
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-COG4',
      reason:
        'Callers are internal systems with per-team API keys (x-api-key, the Sinch convention), checked by a Lambda REQUEST authorizer on every method but the public GET /v2/openapi.json; there is no Cognito user pool by design.',
    });
    Validations.of(this.api.node.findChild('CloudWatchRole')).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        "API Gateway's account-level logging role; the AWS-managed policy is the documented one for it and execution log groups do not exist before API Gateway creates them.",
    });
  }

  /** The allowlist's IP set of one address family (WAF IP sets hold one family each). */
  private allowlistSet(name: string, ipv6: boolean, cidrs: readonly string[]): CfnIPSet {
    return new CfnIPSet(this, ipv6 ? 'AllowIpv6' : 'AllowIpv4', {
      name: `${name}-${ipv6 ? 'ipv6' : 'ipv4'}`,
      description: 'Ingest API source ranges, from config ingestAccess.sourceCidrs',
      scope: 'REGIONAL',
      ipAddressVersion: ipv6 ? 'IPV6' : 'IPV4',
      addresses: cidrs.filter((c) => c.includes(':') === ipv6),
    });
  }
}
