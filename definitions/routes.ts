/**
 * The one definition of the public (ingest) API: every route with its method, path, handler, authorization and
 * OpenAPI operation id, and the responses API Gateway gives by itself. The CDK ingest API
 * (lib/constructs/ingest-api.ts), the local front end (local/runtime.ts) and the OpenAPI `paths`
 * (tools/openapi/openapi-document.ts) are all built from these tables, so adding a route is one entry here plus its handler, its
 * use case and its OpenAPI operation. Pure data: imports neither aws-cdk-lib nor the AWS SDK.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The Lambda functions behind the ingest API (lambdas/handlers/<handler>.ts). */
export type IngestHandler = 'ingest' | 'query' | 'manage' | 'schedules' | 'suppressions' | 'team';

export interface RouteDefinition {
  readonly method: HttpMethod;
  /**
   * The path as clients and the OpenAPI document write it. API Gateway matches a path with and without its
   * trailing slash to the same resource (`POST /v2/` is Sinch's URL, `/v2` answers too).
   */
  readonly path: string;
  readonly handler: IngestHandler;
  /** `api-key`: the x-api-key REQUEST authorizer resolves the team first; `none`: public. */
  readonly authorization: 'api-key' | 'none';
  /** The operation's id in the OpenAPI document (its description lives with the OpenAPI builder). */
  readonly operationId: string;
}

export const INGEST_ROUTES: readonly RouteDefinition[] = [
  { method: 'POST', path: '/v2/', handler: 'ingest', authorization: 'api-key', operationId: 'submitMms' },
  {
    method: 'GET',
    path: '/v2/messages',
    handler: 'query',
    authorization: 'api-key',
    operationId: 'searchMessages',
  },
  {
    method: 'GET',
    path: '/v2/messages/stats',
    handler: 'query',
    authorization: 'api-key',
    operationId: 'messageStats',
  },
  {
    method: 'GET',
    path: '/v2/messages/{id}',
    handler: 'query',
    authorization: 'api-key',
    operationId: 'getMessage',
  },
  {
    method: 'DELETE',
    path: '/v2/messages/{id}',
    handler: 'manage',
    authorization: 'api-key',
    operationId: 'cancelScheduledMessage',
  },
  {
    method: 'PATCH',
    path: '/v2/messages/{id}',
    handler: 'manage',
    authorization: 'api-key',
    operationId: 'rescheduleMessage',
  },
  {
    method: 'DELETE',
    path: '/v2/messages/{id}/content',
    handler: 'manage',
    authorization: 'api-key',
    operationId: 'eraseMessageContent',
  },
  {
    method: 'POST',
    path: '/v2/media/check',
    handler: 'ingest',
    authorization: 'api-key',
    operationId: 'checkMedia',
  },
  {
    method: 'GET',
    path: '/v2/suppressions',
    handler: 'suppressions',
    authorization: 'api-key',
    operationId: 'listSuppressions',
  },
  {
    method: 'PUT',
    path: '/v2/suppressions/{number}',
    handler: 'suppressions',
    authorization: 'api-key',
    operationId: 'putSuppression',
  },
  {
    method: 'DELETE',
    path: '/v2/suppressions/{number}',
    handler: 'suppressions',
    authorization: 'api-key',
    operationId: 'deleteSuppression',
  },
  {
    method: 'GET',
    path: '/v2/schedules',
    handler: 'schedules',
    authorization: 'api-key',
    operationId: 'listSchedules',
  },
  {
    method: 'POST',
    path: '/v2/schedules',
    handler: 'schedules',
    authorization: 'api-key',
    operationId: 'createSchedule',
  },
  {
    method: 'GET',
    path: '/v2/schedules/{id}',
    handler: 'schedules',
    authorization: 'api-key',
    operationId: 'getSchedule',
  },
  {
    method: 'DELETE',
    path: '/v2/schedules/{id}',
    handler: 'schedules',
    authorization: 'api-key',
    operationId: 'deleteSchedule',
  },
  {
    method: 'POST',
    path: '/v2/schedules/{id}/pause',
    handler: 'schedules',
    authorization: 'api-key',
    operationId: 'pauseSchedule',
  },
  {
    method: 'POST',
    path: '/v2/schedules/{id}/resume',
    handler: 'schedules',
    authorization: 'api-key',
    operationId: 'resumeSchedule',
  },
  {
    method: 'GET',
    path: '/v2/templates',
    handler: 'query',
    authorization: 'api-key',
    operationId: 'listTemplates',
  },
  {
    method: 'GET',
    path: '/v2/templates/{id}',
    handler: 'query',
    authorization: 'api-key',
    operationId: 'getTemplate',
  },
  // The team's own settings, webhook, key and usage (lambdas/domain/teams/self-service.ts).
  { method: 'GET', path: '/v2/team', handler: 'team', authorization: 'api-key', operationId: 'getTeam' },
  {
    method: 'PUT',
    path: '/v2/team/webhook',
    handler: 'team',
    authorization: 'api-key',
    operationId: 'setWebhook',
  },
  {
    method: 'DELETE',
    path: '/v2/team/webhook',
    handler: 'team',
    authorization: 'api-key',
    operationId: 'deleteWebhook',
  },
  {
    method: 'POST',
    path: '/v2/team/webhook/rotate-secret',
    handler: 'team',
    authorization: 'api-key',
    operationId: 'rotateWebhookSecret',
  },
  {
    method: 'POST',
    path: '/v2/team/webhook/test',
    handler: 'team',
    authorization: 'api-key',
    operationId: 'testWebhook',
  },
  {
    method: 'GET',
    path: '/v2/team/webhook/deliveries',
    handler: 'team',
    authorization: 'api-key',
    operationId: 'listWebhookDeliveries',
  },
  {
    method: 'PUT',
    path: '/v2/team/quiet-hours',
    handler: 'team',
    authorization: 'api-key',
    operationId: 'setQuietHours',
  },
  {
    method: 'POST',
    path: '/v2/team/keys/rotate',
    handler: 'team',
    authorization: 'api-key',
    operationId: 'rotateApiKey',
  },
  { method: 'GET', path: '/v2/usage', handler: 'team', authorization: 'api-key', operationId: 'getUsage' },
  // The OpenAPI document is public: it describes the API and needs no team (the query handler serves it before
  // looking for one), so tools and people can read it without a key.
  {
    method: 'GET',
    path: '/v2/openapi.json',
    handler: 'query',
    authorization: 'none',
    operationId: 'getOpenApiDocument',
  },
];

/** API Gateway's resource path of a route: without the trailing slash (`/v2/` → `/v2`). */
export const resourcePath = (path: string): string => (path.length > 1 ? path.replace(/\/+$/, '') : path);

/** The API Gateway response types the gateway answers with a Sinch-shaped body. */
export type GatewayResponseType =
  | 'UNAUTHORIZED'
  | 'ACCESS_DENIED'
  | 'MISSING_AUTHENTICATION_TOKEN'
  | 'REQUEST_TOO_LARGE'
  | 'THROTTLED'
  | 'AUTHORIZER_FAILURE'
  | 'AUTHORIZER_CONFIGURATION_ERROR'
  | 'DEFAULT_5XX';

export interface GatewayResponseDefinition {
  /** The construct id of the deployed gateway response. */
  readonly name: string;
  readonly type: GatewayResponseType;
  readonly statusCode: number;
  /** A code of lambdas/domain/sinch/error-codes.ts (a unit test checks each one). */
  readonly code: string;
  /** The `error-info`; the code's generic message when absent. */
  readonly info?: string;
}

/** What API Gateway answers by itself, before or instead of a handler: a Sinch-shaped body each. */
export const GATEWAY_RESPONSES: readonly GatewayResponseDefinition[] = [
  {
    name: 'Unauthorized',
    type: 'UNAUTHORIZED',
    statusCode: 401,
    code: 'E104',
    info: 'Missing or invalid x-api-key.',
  },
  {
    name: 'AccessDenied',
    type: 'ACCESS_DENIED',
    statusCode: 403,
    code: 'E104',
    info: 'This API key is not allowed (its team is revoked).',
  },
  // A deployed REST API answers an unknown path, and a known path with another method, with this type.
  {
    name: 'UnknownRoute',
    type: 'MISSING_AUTHENTICATION_TOKEN',
    statusCode: 404,
    code: 'GW-NOT-FOUND',
    info: 'No such resource or method.',
  },
  { name: 'TooLarge', type: 'REQUEST_TOO_LARGE', statusCode: 413, code: 'GW-BODY-TOO-LARGE' },
  {
    name: 'Throttled',
    type: 'THROTTLED',
    statusCode: 429,
    code: 'GW-RATE-LIMITED',
    info: 'The gateway is receiving too many requests; retry shortly.',
  },
  { name: 'AuthorizerFailure', type: 'AUTHORIZER_FAILURE', statusCode: 500, code: 'GW-INTERNAL' },
  { name: 'AuthorizerConfig', type: 'AUTHORIZER_CONFIGURATION_ERROR', statusCode: 500, code: 'GW-INTERNAL' },
  { name: 'Default5xx', type: 'DEFAULT_5XX', statusCode: 500, code: 'GW-INTERNAL' },
];

/** The gateway response of a type (throws for a type the table does not define). */
export function gatewayResponse(type: GatewayResponseType): GatewayResponseDefinition {
  const found = GATEWAY_RESPONSES.find((r) => r.type === type);
  if (!found) throw new Error(`no gateway response of type ${type}`);
  return found;
}
