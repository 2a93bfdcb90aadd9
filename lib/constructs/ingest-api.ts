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
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { errorBody, type ErrorCode } from '../../lambdas/domain/sinch/error-codes';
import { GATEWAY_RESPONSES, INGEST_ROUTES, resourcePath, type IngestHandler } from '../../definitions/routes';
import {
  associateWebAcl,
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
}

/** Sinch-shaped JSON body for a gateway response mapping template (static text: no VTL `$` or `#`). */
const sinchBody = (code: ErrorCode, info?: string): Record<string, string> => {
  const body = JSON.stringify(errorBody(code, info));
  if (/[$#]/.test(body)) throw new Error(`gateway response body for ${code} must not contain $ or #`);
  return { 'application/json': body };
};

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
  /** GET /v2/openapi.json, the only API method without the authorizer. */
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
      endpointTypes: [EndpointType.REGIONAL],
      deployOptions: stageOptions(this, props.stage),
      // The account-wide role API Gateway needs to write execution logs (one per account and region).
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      defaultMethodOptions: { authorizer, authorizationType: AuthorizationType.CUSTOM },
    });
    requireModernTls(this.api);

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
      });
    }

    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      name: `${props.apiName}-waf`,
      description: 'Ingest API: refuses request bodies above the configured size',
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: wafVisibility(`${props.apiName}-waf`),
      associationConfig: {
        requestBody: { API_GATEWAY: { defaultSizeInspectionLimit: inspectionLimit(props.maxBodyBytes) } },
      },
      customResponseBodies: {
        'body-too-large': {
          contentType: 'APPLICATION_JSON',
          content: JSON.stringify(
            errorBody('GW-BODY-TOO-LARGE', `Request body larger than ${props.maxBodyBytes} bytes.`),
          ),
        },
      },
      rules: [
        {
          name: 'body-size-limit',
          priority: 0,
          statement: {
            sizeConstraintStatement: {
              fieldToMatch: { body: { oversizeHandling: 'MATCH' } },
              comparisonOperator: 'GT',
              size: props.maxBodyBytes,
              textTransformations: [{ priority: 0, type: 'NONE' }],
            },
          },
          action: {
            block: { customResponse: { responseCode: 413, customResponseBodyKey: 'body-too-large' } },
          },
          visibilityConfig: wafVisibility(`${props.apiName}-body-size`),
        },
      ],
    });
    associateWebAcl(this, this.api, this.webAcl);

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
}
