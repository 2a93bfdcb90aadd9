/**
 * The route table (definitions/routes.ts) is the one definition of the public API: the OpenAPI `paths` and the
 * local front end are built from it (the CDK ingest API too: test/infra/security.test.ts checks its methods).
 */
import { describe, expect, it } from 'vitest';
import { GATEWAY_RESPONSES, gatewayResponse, INGEST_ROUTES, resourcePath } from '../../definitions/routes';
import { ERRORS } from '../../lambdas/domain/sinch/error-codes';
import { buildOpenApiDocument } from '../../tools/openapi/openapi-document';
import { localGatewayResponses, localRoutes, type ApiHandler } from '../../local/infra/ingest-routes';

const handler =
  (name: string): ApiHandler =>
  () =>
    Promise.resolve({ statusCode: 200, body: name });

describe('the route table', () => {
  it('has one entry per method and path, and unique operation ids', () => {
    const keys = INGEST_ROUTES.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    const ids = INGEST_ROUTES.map((r) => r.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('answers every gateway response with a known code', () => {
    for (const response of GATEWAY_RESPONSES) {
      expect(Object.keys(ERRORS), response.name).toContain(response.code);
      expect(response.statusCode).toBeGreaterThanOrEqual(400);
    }
    expect(() => gatewayResponse('THROTTLED')).not.toThrow();
  });

  it('gives API Gateway resource paths without the trailing slash', () => {
    expect(resourcePath('/v2/')).toBe('/v2');
    expect(resourcePath('/v2/messages/{id}')).toBe('/v2/messages/{id}');
    expect(resourcePath('/')).toBe('/');
  });

  it('is exactly the operations of the OpenAPI document, public ones without security', () => {
    const paths = buildOpenApiDocument().paths as Record<string, Record<string, Record<string, unknown>>>;
    const documented = Object.entries(paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(
        ([method, op]) => `${method.toUpperCase()} ${path} ${String(op.operationId)}`,
      ),
    );
    expect(documented.sort()).toEqual(
      INGEST_ROUTES.map((r) => `${r.method} ${r.path} ${r.operationId}`).sort(),
    );
    for (const route of INGEST_ROUTES) {
      const op = paths[route.path]?.[route.method.toLowerCase()];
      if (route.authorization === 'none') expect(op?.security).toEqual([]);
      else expect(op).not.toHaveProperty('security');
    }
  });

  it('builds the local routes: each handler by name, /v2 and /v2/ both, the public route without authorizer', async () => {
    const routes = localRoutes({
      ingest: handler('ingest'),
      query: handler('query'),
      manage: handler('manage'),
      schedules: handler('schedules'),
      suppressions: handler('suppressions'),
      team: handler('team'),
    });
    const ingest = routes.filter(
      (r) => r.method === 'POST' && r.resource.startsWith('/v2') && r.resource.length <= 4,
    );
    expect(ingest.map((r) => r.resource).sort()).toEqual(['/v2', '/v2/']);
    for (const route of INGEST_ROUTES) {
      const local = routes.find((r) => r.method === route.method && r.resource === resourcePath(route.path));
      expect(local, `${route.method} ${route.path}`).toBeDefined();
      const answer = await local!.handler({} as never, {} as never);
      expect(answer.body).toBe(route.handler);
      expect(local!.authorize).toBe(route.authorization === 'none' ? false : undefined);
    }
  });

  it('gives the local front end the deployed gateway responses', () => {
    const responses = localGatewayResponses();
    const bodyOf = (r: (typeof responses)['unauthorized']) =>
      JSON.parse(r!({} as never, { type: 'UNAUTHORIZED', statusCode: 0, message: null }).body) as unknown;
    expect(bodyOf(responses.unauthorized)).toEqual({
      status: 'failure',
      'error-code': 'E104',
      'error-info': gatewayResponse('UNAUTHORIZED').info,
    });
    expect(
      responses.notFound!({} as never, { type: 'RESOURCE_NOT_FOUND', statusCode: 0, message: null })
        .statusCode,
    ).toBe(404);
    expect(bodyOf(responses.requestTooLarge)).toMatchObject({ 'error-code': 'GW-BODY-TOO-LARGE' });
  });
});
