/**
 * The local front end's routes and gateway responses, built from the one route table (definitions/routes.ts),
 * as the CDK ingest API is: the same paths, handlers, authorization and Sinch-shaped bodies.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import {
  gatewayResponse,
  INGEST_ROUTES,
  resourcePath,
  type GatewayResponseType,
  type IngestHandler,
} from '../../definitions/routes';
import { errorBody, type ErrorCode } from '../../lambdas/domain/sinch/error-codes';
import type { GatewayResponses, Route } from './api-gateway';

export type ApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** One local route per entry; a path with a trailing slash answers without it too, as API Gateway does. */
export function localRoutes(handlers: Record<IngestHandler, ApiHandler>): Route[] {
  return INGEST_ROUTES.flatMap((route) => {
    const resources = [...new Set([resourcePath(route.path), route.path])];
    return resources.map((resource) => ({
      method: route.method,
      resource,
      handler: handlers[route.handler],
      ...(route.authorization === 'none' ? { authorize: false } : {}),
    }));
  });
}

const sinchShaped = (statusCode: number, code: ErrorCode, info?: string): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify(errorBody(code, info)),
});

const fromTable = (type: GatewayResponseType) => {
  const response = gatewayResponse(type);
  return () => sinchShaped(response.statusCode, response.code as ErrorCode, response.info);
};

/** The deployed API's gateway responses, by the local front end's names for them. */
export function localGatewayResponses(): GatewayResponses {
  return {
    unauthorized: fromTable('UNAUTHORIZED'),
    accessDenied: fromTable('ACCESS_DENIED'),
    notFound: fromTable('MISSING_AUTHENTICATION_TOKEN'),
    // Local only: the front end tells a known path with another method apart (a deployed REST API answers it
    // like an unknown path, 404 above).
    methodNotAllowed: () => sinchShaped(405, 'GW-METHOD-NOT-ALLOWED'),
    requestTooLarge: fromTable('REQUEST_TOO_LARGE'),
  };
}
