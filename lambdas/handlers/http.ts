/**
 * The one place where errors become HTTP answers, and the middy wiring shared by the HTTP route handlers.
 * Every answer is Sinch-shaped JSON; only the gateway's own faults are 5xx.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { errorBody, GatewayError } from '../domain/sinch/error-codes';
import type { Team } from '../domain/teams/ports';
import { teamFromContext } from '../domain/teams/teams';
import { logger, metrics, tracer } from './observability';

export const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' } as const;

export function json(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/** Maps any error to its answer: a GatewayError to its code's status and body, anything else to 500 GW-INTERNAL. */
export function errorResponse(error: unknown): APIGatewayProxyResult {
  if (error instanceof GatewayError) {
    const headers: Record<string, string> =
      error.retryAfterSeconds !== undefined ? { 'retry-after': String(error.retryAfterSeconds) } : {};
    const body = error.toBody();
    if (error.httpStatus >= 500)
      logger.error('request failed', { code: error.code, error: error.cause ?? error });
    return json(error.httpStatus, body, headers);
  }
  logger.error('unexpected error', { error: error as Error });
  return json(500, errorBody('GW-INTERNAL'));
}

/** Headers on every answer: nothing cached by intermediaries, no MIME sniffing, the request id to quote. */
export const SECURITY_HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' } as const;

/**
 * The answer with SECURITY_HEADERS and `x-request-id`; a Sinch-shaped failure body also gets `request-id`, so a
 * team can quote it and operators find the request's log lines.
 */
export function withSecurityHeaders(
  response: APIGatewayProxyResult,
  requestId: string,
): APIGatewayProxyResult {
  let body = response.body;
  if (response.statusCode >= 400) {
    try {
      const parsed = JSON.parse(body) as unknown;
      if (
        typeof parsed === 'object' &&
        parsed !== null &&
        (parsed as { status?: unknown }).status === 'failure'
      ) {
        body = JSON.stringify({ ...parsed, 'request-id': requestId });
      }
    } catch {
      // Not JSON: left as it is.
    }
  }
  return {
    ...response,
    headers: { ...response.headers, ...SECURITY_HEADERS, 'x-request-id': requestId },
    body,
  };
}

/** The calling team, as the authorizer put it into the request context. */
export function callingTeam(event: APIGatewayProxyEvent): Team {
  const team = teamFromContext(event.requestContext.authorizer);
  if (!team) throw new GatewayError('E104');
  return team;
}

/** A header, case-insensitively (API Gateway keeps the client's casing). */
export function header(event: APIGatewayProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

type Route = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** Wraps a route with Powertools (logger context, metrics, tracing) and the one error mapping. */
export function httpRoute(route: Route) {
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .handler(async (event, context) => {
      const requestId = event.requestContext.requestId;
      // Every log line of this request carries API Gateway's request id (reset per invocation by resetKeys).
      logger.appendKeys({ requestId });
      let response: APIGatewayProxyResult;
      try {
        response = await route(event, context);
      } catch (error) {
        response = errorResponse(error);
      }
      // Answers by class (Http2xx, Http4xx, Http5xx): the 5xx alarms and the dashboard read them.
      metrics.addMetric(`Http${Math.floor(response.statusCode / 100)}xx`, MetricUnit.Count, 1);
      return withSecurityHeaders(response, requestId);
    });
}
