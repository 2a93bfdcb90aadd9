/**
 * Settings both REST APIs share: JSON access logs without secrets, the TLS policy, and the WAF association.
 */
import type { RemovalPolicy } from 'aws-cdk-lib';
import {
  AccessLogField,
  AccessLogFormat,
  LogGroupLogDestination,
  MethodLoggingLevel,
  type CfnRestApi,
  type RestApi,
  type StageOptions,
} from 'aws-cdk-lib/aws-apigateway';
import { AnyPrincipal, Effect, PolicyDocument, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { CfnWebACLAssociation, type CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import { errorBody } from '../../lambdas/domain/sinch/error-codes';

/**
 * TLS 1.3 and 1.2 only (no TLS 1.0/1.1), for a regional REST API's default endpoint. Enhanced policies need an
 * endpoint access mode; STRICT also refuses requests whose SNI does not match the API's host.
 */
export const API_SECURITY_POLICY = 'SecurityPolicy_TLS13_1_2_PQ_2025_09';
export const API_ENDPOINT_ACCESS_MODE = 'STRICT';

/**
 * One JSON object per request. Deliberately without headers, query strings and bodies: the x-api-key header,
 * the postback token and phone numbers never reach the access logs.
 */
export const ACCESS_LOG_FIELDS = {
  requestId: AccessLogField.contextRequestId(),
  extendedRequestId: AccessLogField.contextExtendedRequestId(),
  requestTime: AccessLogField.contextRequestTime(),
  sourceIp: AccessLogField.contextIdentitySourceIp(),
  httpMethod: AccessLogField.contextHttpMethod(),
  resourcePath: AccessLogField.contextResourcePath(),
  protocol: AccessLogField.contextProtocol(),
  status: AccessLogField.contextStatus(),
  responseLength: AccessLogField.contextResponseLength(),
  responseLatency: AccessLogField.contextResponseLatency(),
  integrationLatency: AccessLogField.contextIntegrationLatency(),
  team: AccessLogField.contextAuthorizerPrincipalId(),
  authorizerError: AccessLogField.contextAuthorizerError(),
  wafStatus: AccessLogField.contextWafResponseCode(),
  errorType: AccessLogField.contextErrorResponseType(),
  error: AccessLogField.contextErrorMessage(),
  xrayTraceId: AccessLogField.contextXrayTraceId(),
} as const;

export interface StageSettings {
  readonly stageName: string;
  readonly rateLimit: number;
  readonly burstLimit: number;
  readonly logRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
}

/** Stage options: JSON access logs to their own log group, ERROR execution logs, X-Ray, stage throttling. */
export function stageOptions(scope: Construct, settings: StageSettings): StageOptions {
  const accessLogs = new LogGroup(scope, 'AccessLogs', {
    retention: settings.logRetentionDays,
    removalPolicy: settings.removalPolicy,
  });
  return {
    stageName: settings.stageName,
    accessLogDestination: new LogGroupLogDestination(accessLogs),
    accessLogFormat: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
    // Execution logs only for errors, and never the request/response data (phone numbers, keys).
    loggingLevel: MethodLoggingLevel.ERROR,
    dataTraceEnabled: false,
    tracingEnabled: true,
    throttlingRateLimit: settings.rateLimit,
    throttlingBurstLimit: settings.burstLimit,
  };
}

/** Restricts the API's default endpoint to TLS 1.2+ (the L2 RestApi has no prop for it yet). */
export function requireModernTls(api: RestApi): void {
  const cfn = api.node.defaultChild as CfnRestApi;
  cfn.securityPolicy = API_SECURITY_POLICY;
  cfn.endpointAccessMode = API_ENDPOINT_ACCESS_MODE;
}

/** Associates a regional web ACL with the API's stage (WAF runs before authorizers and integrations). */
export function associateWebAcl(scope: Construct, api: RestApi, webAcl: CfnWebACL): CfnWebACLAssociation {
  const association = new CfnWebACLAssociation(scope, 'WebAclAssociation', {
    resourceArn: api.deploymentStage.stageArn,
    webAclArn: webAcl.attrArn,
  });
  association.node.addDependency(api.deploymentStage);
  return association;
}

/** WAF's metrics and sampled requests for a rule or web ACL. */
export const wafVisibility = (metricName: string): CfnWebACL.VisibilityConfigProperty => ({
  cloudWatchMetricsEnabled: true,
  metricName,
  sampledRequestsEnabled: true,
});

/** The WAF custom response body key of the body-size rules. */
export const BODY_TOO_LARGE = 'body-too-large';

/** A web ACL's custom response bodies with the Sinch-shaped 413 body of `bodySizeRule`. */
export const bodyTooLargeResponse = (
  what: string,
  maxBytes: number,
): Record<string, CfnWebACL.CustomResponseBodyProperty> => ({
  [BODY_TOO_LARGE]: {
    contentType: 'APPLICATION_JSON',
    content: JSON.stringify(errorBody('GW-BODY-TOO-LARGE', `${what} body larger than ${maxBytes} bytes.`)),
  },
});

/** A WAF rule that blocks bodies above `maxBytes` (or above the inspection limit) with 413 GW-BODY-TOO-LARGE. */
export const bodySizeRule = (
  priority: number,
  metricName: string,
  maxBytes: number,
): CfnWebACL.RuleProperty => ({
  name: 'body-size-limit',
  priority,
  statement: {
    sizeConstraintStatement: {
      fieldToMatch: { body: { oversizeHandling: 'MATCH' } },
      comparisonOperator: 'GT',
      size: maxBytes,
      textTransformations: [{ priority: 0, type: 'NONE' }],
    },
  },
  action: { block: { customResponse: { responseCode: 413, customResponseBodyKey: BODY_TOO_LARGE } } },
  visibilityConfig: wafVisibility(metricName),
});

/** A REST API resource policy that lets anyone invoke the API, but only under `conditions` (source IP, VPCE). */
export const invokeOnlyIf = (conditions: Record<string, unknown>): PolicyDocument =>
  new PolicyDocument({
    statements: [
      new PolicyStatement({
        effect: Effect.ALLOW,
        principals: [new AnyPrincipal()],
        actions: ['execute-api:Invoke'],
        resources: ['execute-api:/*'],
        conditions,
      }),
    ],
  });
