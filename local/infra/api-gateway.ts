import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLambdaContext, LOCAL_ACCOUNT } from './lambda-context';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayEventRequestContextWithAuthorizer,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayRequestAuthorizerEvent,
  Context,
} from 'aws-lambda';

/**
 * The local stand-in for an API Gateway REST API with Lambda proxy integrations (payload v1) and an optional
 * Lambda REQUEST authorizer. Each HTTP request becomes an `APIGatewayProxyEvent` for the route's handler,
 * which is the deployed Lambda's handler module, called in-process.
 *
 * What it answers by itself, as the deployed API does, each overridable with `gatewayResponses`:
 * - 413 `{"message":"Request Too Long"}` over `maxBodyBytes` (REQUEST_TOO_LARGE).
 * - 404 `{"message":"Not Found"}` when no resource matches the path. (A deployed REST API answers
 *   403 "Missing Authentication Token" here; ours says what happened. Override `notFound` to mimic it.)
 * - 403 `{"message":"Missing Authentication Token"}` when the resource exists but not with this method:
 *   exactly what a deployed REST API answers (MISSING_AUTHENTICATION_TOKEN), not a 405, because API Gateway
 *   routes on resource + method and has no "method not allowed" response.
 * - 401 `{"message":"Unauthorized"}` when the authorizer throws `Error('Unauthorized')` (UNAUTHORIZED).
 * - 403 `{"message":"User is not authorized to access this resource"}` when the policy does not allow the
 *   method ARN, "... with an explicit deny" when a statement denies it (ACCESS_DENIED).
 * - 500 `{"message":null}` when the authorizer throws anything else or returns an invalid result
 *   (AUTHORIZER_FAILURE / AUTHORIZER_CONFIGURATION_ERROR).
 * - 502 `{"message":"Internal server error"}` when the handler throws, exceeds its Lambda timeout or returns
 *   something that is not a proxy result.
 * - 504 `{"message":"Endpoint request timed out"}` after the integration timeout (29 s by default).
 *
 * Authorizer results are not cached (a deployed authorizer may cache them for its TTL).
 */
export type LambdaHandler<TEvent, TResult> = (event: TEvent, context: Context) => Promise<TResult>;

export interface Route {
  /** HTTP method, or `ANY`. */
  method: string;
  /** Resource path as in API Gateway: `/v2`, `/v2/messages/{id}`, `/files/{proxy+}`. */
  resource: string;
  handler: LambdaHandler<APIGatewayProxyEvent, APIGatewayProxyResult>;
  /** Call the authorizer first; default true when the API has an authorizer. */
  authorize?: boolean;
  /** The Lambda's name in `context.functionName`; default derived from method and resource. */
  functionName?: string;
  /** The Lambda's timeout, for `context.getRemainingTimeInMillis()` and the 502 it causes. Default 29 s. */
  timeoutMs?: number;
}

export type GatewayResponseType =
  | 'REQUEST_TOO_LARGE'
  | 'RESOURCE_NOT_FOUND'
  | 'MISSING_AUTHENTICATION_TOKEN'
  | 'UNAUTHORIZED'
  | 'ACCESS_DENIED'
  | 'AUTHORIZER_FAILURE'
  | 'INTEGRATION_FAILURE'
  | 'INTEGRATION_TIMEOUT';

/**
 * Builds the response API Gateway sends by itself. `event` is the request as the handler would have seen
 * it (without authorizer context); `error.message` is what the default body would say.
 */
export type GatewayResponse = (
  event: APIGatewayProxyEvent,
  error: { type: GatewayResponseType; statusCode: number; message: string | null },
) => APIGatewayProxyResult;

export interface GatewayResponses {
  /** 401 from the authorizer. */
  unauthorized?: GatewayResponse;
  /** 403 from the authorizer's policy. */
  accessDenied?: GatewayResponse;
  /** 404: no resource matches the path. */
  notFound?: GatewayResponse;
  /** 403 "Missing Authentication Token" (as AWS): the resource exists, not with this method. */
  methodNotAllowed?: GatewayResponse;
  /** 413: body over maxBodyBytes. */
  requestTooLarge?: GatewayResponse;
  /** 500: the authorizer failed or returned an invalid result. */
  authorizerFailure?: GatewayResponse;
  /** 502: the handler failed. */
  integrationFailure?: GatewayResponse;
  /** 504: the handler did not answer within the integration timeout. */
  integrationTimeout?: GatewayResponse;
}

export interface ApiGatewayOptions {
  /** Port on 127.0.0.1; a free one when omitted. */
  port?: number;
  routes: Route[];
  authorizer?: LambdaHandler<APIGatewayRequestAuthorizerEvent, APIGatewayAuthorizerResult>;
  gatewayResponses?: GatewayResponses;
  /** Largest accepted request body; default 1 MiB. */
  maxBodyBytes?: number;
  /** API Gateway's integration timeout; default 29 s. */
  integrationTimeoutMs?: number;
  /** Where handler and authorizer errors are reported (API Gateway logs them); default console.error. */
  onError?: (error: unknown, event: APIGatewayProxyEvent) => void;
}

export interface ApiGateway {
  /** e.g. `http://127.0.0.1:41234` (no stage in the path). */
  url: string;
  port: number;
  stop(): Promise<void>;
}

const API_ID = 'local';
const STAGE = 'local';
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 29_000;
const STOP_GRACE_MS = 5_000;
/** Beyond this much of an oversized body, stop reading and drop the connection. */
const DISCARD_LIMIT_BYTES = 64 * 1024 * 1024;

class HttpError extends Error {
  constructor(readonly kind: 'tooLarge') {
    super(kind);
  }
}

interface CompiledRoute {
  route: Route;
  segments: string[];
  /** Literal segments before parameters: more specific routes are tried first. */
  specificity: number[];
}

export async function startApiGateway(opts: ApiGatewayOptions): Promise<ApiGateway> {
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const integrationTimeoutMs = opts.integrationTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const onError = opts.onError ?? ((error: unknown) => console.error('[local api-gateway]', error));
  const routes = compileRoutes(opts.routes);
  const responses = opts.gatewayResponses ?? {};

  const gatewayResponse = (
    type: GatewayResponseType,
    override: GatewayResponse | undefined,
    statusCode: number,
    message: string | null,
    errorType: string,
    event: APIGatewayProxyEvent,
  ): APIGatewayProxyResult => {
    const error = { type, statusCode, message };
    if (override !== undefined) return override(event, error);
    return {
      statusCode,
      headers: { 'Content-Type': 'application/json', 'x-amzn-ErrorType': errorType },
      body: JSON.stringify({ message }),
    };
  };

  const respond = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    const url = new URL(req.url ?? '/', 'http://localhost');
    let body: Buffer | undefined;
    let tooLarge = false;
    try {
      body = await readBody(req, maxBodyBytes);
    } catch (error) {
      if (!(error instanceof HttpError)) return; // the client went away mid-body: nobody to answer
      tooLarge = true;
    }
    const match = matchRoute(routes, req.method ?? 'GET', url.pathname);
    const event = proxyEvent(req, url, body, requestId, match);

    if (tooLarge) {
      res.setHeader('Connection', 'close');
      const result = gatewayResponse(
        'REQUEST_TOO_LARGE',
        responses.requestTooLarge,
        413,
        'Request Too Long',
        'RequestTooLongException',
        event,
      );
      return write(res, result, requestId);
    }
    if (match.kind === 'none') {
      const result = gatewayResponse(
        'RESOURCE_NOT_FOUND',
        responses.notFound,
        404,
        'Not Found',
        'NotFoundException',
        event,
      );
      return write(res, result, requestId);
    }
    if (match.kind === 'wrongMethod') {
      const result = gatewayResponse(
        'MISSING_AUTHENTICATION_TOKEN',
        responses.methodNotAllowed,
        403,
        'Missing Authentication Token',
        'MissingAuthenticationTokenException',
        event,
      );
      return write(res, result, requestId);
    }

    const { route } = match;
    if (opts.authorizer !== undefined && route.authorize !== false) {
      const outcome = await authorize(opts.authorizer, event, onError);
      if (outcome.kind !== 'allow') {
        const result =
          outcome.kind === 'unauthorized'
            ? gatewayResponse(
                'UNAUTHORIZED',
                responses.unauthorized,
                401,
                'Unauthorized',
                'UnauthorizedException',
                event,
              )
            : outcome.kind === 'denied'
              ? gatewayResponse(
                  'ACCESS_DENIED',
                  responses.accessDenied,
                  403,
                  outcome.explicit
                    ? 'User is not authorized to access this resource with an explicit deny'
                    : 'User is not authorized to access this resource',
                  'AccessDeniedException',
                  event,
                )
              : gatewayResponse(
                  'AUTHORIZER_FAILURE',
                  responses.authorizerFailure,
                  500,
                  null,
                  'AuthorizerConfigurationException',
                  event,
                );
        return write(res, result, requestId);
      }
      event.requestContext.authorizer = outcome.authorizer;
    }

    const functionTimeoutMs = route.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const context = createLambdaContext({
      functionName: route.functionName ?? defaultFunctionName(route),
      timeoutMs: functionTimeoutMs,
    });
    const outcome = await invoke(route.handler, event, context, functionTimeoutMs, integrationTimeoutMs);
    if (outcome.kind === 'ok') return write(res, outcome.result, requestId);
    if (outcome.kind === 'timeout') {
      const result = gatewayResponse(
        'INTEGRATION_TIMEOUT',
        responses.integrationTimeout,
        504,
        'Endpoint request timed out',
        'InternalServerErrorException',
        event,
      );
      return write(res, result, requestId);
    }
    onError(outcome.error, event);
    const result = gatewayResponse(
      'INTEGRATION_FAILURE',
      responses.integrationFailure,
      502,
      'Internal server error',
      'InternalServerErrorException',
      event,
    );
    return write(res, result, requestId);
  };

  const inFlight = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    const done = respond(req, res)
      .catch((error: unknown) => {
        // A bug in this front end, not in a handler: answer like API Gateway's own 500.
        console.error('[local api-gateway] internal error', error);
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ message: 'Internal server error' }));
        } else {
          res.destroy();
        }
      })
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: opts.port ?? 0, host: '127.0.0.1' }, () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Let requests being handled finish (briefly), then cut whatever is left.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...inFlight]),
        new Promise((resolve) => (timer = setTimeout(resolve, STOP_GRACE_MS))),
      ]);
      clearTimeout(timer);
      server.closeAllConnections();
      await closed;
    },
  };
}

const defaultFunctionName = (route: Route): string =>
  `local-${route.method.toLowerCase()}${route.resource.replace(/[^A-Za-z0-9]+/g, '-')}`.replace(/-+$/, '');

// ---------------------------------------------------------------------------------------------------------
// Routing

const splitPath = (path: string): string[] => path.split('/').filter((s) => s !== '');

function compileRoutes(routes: readonly Route[]): CompiledRoute[] {
  return routes
    .map((route) => {
      const segments = splitPath(route.resource);
      segments.forEach((segment, i) => {
        if (segment.endsWith('+}') && i !== segments.length - 1) {
          throw new Error(`Route ${route.resource}: a greedy {proxy+} parameter must be the last segment`);
        }
      });
      return {
        route,
        segments,
        specificity: segments.map((s) => (s.startsWith('{') ? (s.endsWith('+}') ? 0 : 1) : 2)),
      };
    })
    .sort((a, b) => {
      // Literal segments beat {param}, which beats {proxy+}, segment by segment, as API Gateway resolves them.
      for (let i = 0; i < Math.max(a.specificity.length, b.specificity.length); i++) {
        const diff = (b.specificity[i] ?? -1) - (a.specificity[i] ?? -1);
        if (diff !== 0) return diff;
      }
      return 0;
    });
}

type RouteMatch =
  | { kind: 'none' }
  | { kind: 'wrongMethod'; resource: string }
  | { kind: 'route'; route: Route; pathParameters: Record<string, string> };

function matchRoute(routes: readonly CompiledRoute[], method: string, pathname: string): RouteMatch {
  const parts = splitPath(pathname);
  let wrongMethod: string | undefined;
  let matchedResource: string | undefined;
  for (const compiled of routes) {
    const pathParameters = matchSegments(compiled.segments, parts);
    if (pathParameters === undefined) continue;
    // Once the most specific resource matched, only its methods count (API Gateway picks the resource first).
    if (matchedResource !== undefined && compiled.route.resource !== matchedResource) break;
    matchedResource = compiled.route.resource;
    const routeMethod = compiled.route.method.toUpperCase();
    if (routeMethod === method.toUpperCase() || routeMethod === 'ANY') {
      return { kind: 'route', route: compiled.route, pathParameters };
    }
    wrongMethod = compiled.route.resource;
  }
  return wrongMethod === undefined ? { kind: 'none' } : { kind: 'wrongMethod', resource: wrongMethod };
}

function matchSegments(
  segments: readonly string[],
  parts: readonly string[],
): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    if (segment.startsWith('{') && segment.endsWith('+}')) {
      if (parts.length <= i) return undefined;
      params[segment.slice(1, -2)] = parts.slice(i).map(safeDecode).join('/');
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (segment.startsWith('{') && segment.endsWith('}')) params[segment.slice(1, -1)] = safeDecode(part);
    else if (segment !== part) return undefined;
  }
  return parts.length === segments.length ? params : undefined;
}

const safeDecode = (value: string): string => {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
};

// ---------------------------------------------------------------------------------------------------------
// Events

function proxyEvent(
  req: IncomingMessage,
  url: URL,
  body: Buffer | undefined,
  requestId: string,
  match: RouteMatch,
): APIGatewayProxyEvent {
  const { headers, multiValueHeaders } = receivedHeaders(req);
  const { single: queryStringParameters, multi: multiValueQueryStringParameters } = queryParameters(url);
  const method = (req.method ?? 'GET').toUpperCase();
  const resource =
    match.kind === 'route'
      ? match.route.resource
      : match.kind === 'wrongMethod'
        ? match.resource
        : url.pathname;
  const pathParameters =
    match.kind === 'route' && Object.keys(match.pathParameters).length > 0 ? match.pathParameters : null;
  const now = new Date();
  const requestContext: APIGatewayEventRequestContextWithAuthorizer<undefined> = {
    accountId: LOCAL_ACCOUNT,
    apiId: API_ID,
    authorizer: undefined,
    domainName: req.headers.host ?? '127.0.0.1',
    domainPrefix: API_ID,
    extendedRequestId: requestId,
    httpMethod: method,
    identity: {
      accessKey: null,
      accountId: null,
      apiKey: null,
      apiKeyId: null,
      caller: null,
      clientCert: null,
      cognitoAuthenticationProvider: null,
      cognitoAuthenticationType: null,
      cognitoIdentityId: null,
      cognitoIdentityPoolId: null,
      principalOrgId: null,
      sourceIp: clientAddress(req),
      user: null,
      userAgent: req.headers['user-agent'] ?? null,
      userArn: null,
    },
    path: `/${STAGE}${url.pathname}`,
    protocol: `HTTP/${req.httpVersion}`,
    requestId,
    requestTime: formatRequestTime(now),
    requestTimeEpoch: now.getTime(),
    resourceId: resource,
    resourcePath: resource,
    stage: STAGE,
  };
  return {
    resource,
    path: url.pathname,
    httpMethod: method,
    headers,
    multiValueHeaders,
    queryStringParameters,
    multiValueQueryStringParameters,
    pathParameters,
    stageVariables: null,
    requestContext,
    body: body === undefined || body.length === 0 ? null : body.toString('utf8'),
    isBase64Encoded: false,
  };
}

/** Header names keep the case the client sent, as API Gateway REST APIs do; the last value wins in `headers`. */
function receivedHeaders(req: IncomingMessage): {
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
} {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  const nameByLowerCase = new Map<string, string>();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const rawName = req.rawHeaders[i] as string;
    const value = req.rawHeaders[i + 1] as string;
    const name = nameByLowerCase.get(rawName.toLowerCase()) ?? rawName;
    nameByLowerCase.set(rawName.toLowerCase(), name);
    headers[name] = value;
    (multiValueHeaders[name] ??= []).push(value);
  }
  return { headers, multiValueHeaders };
}

function queryParameters(url: URL): {
  single: Record<string, string> | null;
  multi: Record<string, string[]> | null;
} {
  if ([...url.searchParams.keys()].length === 0) return { single: null, multi: null };
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of url.searchParams) {
    single[name] = value;
    (multi[name] ??= []).push(value);
  }
  return { single, multi };
}

const clientAddress = (req: IncomingMessage): string => {
  const address = req.socket.remoteAddress ?? '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's `requestTime` format: `09/Apr/2015:12:34:56 +0000`. */
const formatRequestTime = (date: Date): string => {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return (
    `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
};

// ---------------------------------------------------------------------------------------------------------
// Authorizer

type AuthorizerOutcome =
  | { kind: 'allow'; authorizer: Record<string, string | number | null> }
  | { kind: 'unauthorized' }
  | { kind: 'denied'; explicit: boolean }
  | { kind: 'failure' };

async function authorize(
  authorizer: LambdaHandler<APIGatewayRequestAuthorizerEvent, APIGatewayAuthorizerResult>,
  event: APIGatewayProxyEvent,
  onError: (error: unknown, event: APIGatewayProxyEvent) => void,
): Promise<AuthorizerOutcome> {
  const methodArn = `arn:aws:execute-api:local:${LOCAL_ACCOUNT}:${API_ID}/${STAGE}/${event.httpMethod}${event.path}`;
  const authorizerEvent: APIGatewayRequestAuthorizerEvent = {
    type: 'REQUEST',
    methodArn,
    resource: event.resource,
    path: event.path,
    httpMethod: event.httpMethod,
    headers: event.headers,
    multiValueHeaders: event.multiValueHeaders,
    pathParameters: event.pathParameters,
    queryStringParameters: event.queryStringParameters,
    multiValueQueryStringParameters: event.multiValueQueryStringParameters,
    stageVariables: event.stageVariables,
    requestContext: { ...event.requestContext, authorizer: undefined },
  };
  const started = Date.now();
  let result: APIGatewayAuthorizerResult;
  try {
    result = await authorizer(
      authorizerEvent,
      createLambdaContext({ functionName: 'local-authorizer', timeoutMs: 10_000 }),
    );
  } catch (error) {
    if (error instanceof Error && error.message === 'Unauthorized') return { kind: 'unauthorized' };
    onError(error, event);
    return { kind: 'failure' };
  }
  const integrationLatency = Date.now() - started;

  const context = authorizerContext(result);
  if (context === undefined || typeof result.principalId !== 'string') {
    onError(new Error(`Invalid authorizer result: ${JSON.stringify(result)}`), event);
    return { kind: 'failure' };
  }
  const decision = evaluatePolicy(result.policyDocument, methodArn);
  if (decision === 'invalid') {
    onError(new Error(`Invalid authorizer policy: ${JSON.stringify(result.policyDocument)}`), event);
    return { kind: 'failure' };
  }
  if (decision !== 'allow') return { kind: 'denied', explicit: decision === 'explicitDeny' };
  return { kind: 'allow', authorizer: { ...context, principalId: result.principalId, integrationLatency } };
}

/**
 * The authorizer's context as a REST API hands it to a proxy integration: numbers and booleans become
 * strings; objects and arrays are a configuration error (undefined here).
 */
function authorizerContext(result: APIGatewayAuthorizerResult): Record<string, string | null> | undefined {
  const context: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(result.context ?? {})) {
    if (value === undefined) continue;
    if (value === null) context[key] = null;
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      context[key] = String(value);
    } else return undefined;
  }
  return context;
}

type PolicyDecision = 'allow' | 'implicitDeny' | 'explicitDeny' | 'invalid';

/** IAM evaluation, reduced to what a Lambda authorizer policy uses: explicit Deny wins, else any Allow. */
function evaluatePolicy(policy: unknown, methodArn: string): PolicyDecision {
  if (typeof policy !== 'object' || policy === null) return 'invalid';
  const raw = (policy as { Statement?: unknown }).Statement;
  const statements: unknown[] = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  let allowed = false;
  for (const statement of statements) {
    if (typeof statement !== 'object' || statement === null) return 'invalid';
    const s = statement as Record<string, unknown>;
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') return 'invalid';
    const action =
      s.Action !== undefined
        ? anyMatches(s.Action, 'execute-api:Invoke', true)
        : s.NotAction !== undefined && !anyMatches(s.NotAction, 'execute-api:Invoke', true);
    const resource =
      s.Resource !== undefined
        ? anyMatches(s.Resource, methodArn, false)
        : s.NotResource !== undefined && !anyMatches(s.NotResource, methodArn, false);
    if (!action || !resource) continue;
    if (s.Effect === 'Deny') return 'explicitDeny';
    allowed = true;
  }
  return allowed ? 'allow' : 'implicitDeny';
}

function anyMatches(patterns: unknown, value: string, ignoreCase: boolean): boolean {
  const list = Array.isArray(patterns) ? patterns : [patterns];
  return list.some((pattern) => {
    if (typeof pattern !== 'string') return false;
    const source = pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/]/g, '\\$&')))
      .join('');
    return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
  });
}

// ---------------------------------------------------------------------------------------------------------
// Integration

type InvokeOutcome =
  { kind: 'ok'; result: APIGatewayProxyResult } | { kind: 'error'; error: unknown } | { kind: 'timeout' };

async function invoke(
  handler: Route['handler'],
  event: APIGatewayProxyEvent,
  context: Context,
  functionTimeoutMs: number,
  integrationTimeoutMs: number,
): Promise<InvokeOutcome> {
  const timers: NodeJS.Timeout[] = [];
  const after = <T>(ms: number, value: T): Promise<T> =>
    new Promise((resolve) => timers.push(setTimeout(() => resolve(value), ms)));
  const call = (async (): Promise<InvokeOutcome> => {
    try {
      const result: unknown = await handler(event, context);
      if (!isProxyResult(result)) {
        return {
          kind: 'error',
          error: new Error(`Malformed Lambda proxy response: ${JSON.stringify(result)}`),
        };
      }
      return { kind: 'ok', result };
    } catch (error) {
      return { kind: 'error', error };
    }
  })();
  try {
    return await Promise.race([
      call,
      after<InvokeOutcome>(functionTimeoutMs, {
        kind: 'error',
        error: new Error(`Task timed out after ${(functionTimeoutMs / 1000).toFixed(2)} seconds`),
      }),
      after<InvokeOutcome>(integrationTimeoutMs, { kind: 'timeout' }),
    ]);
  } finally {
    timers.forEach(clearTimeout);
  }
}

function isProxyResult(value: unknown): value is APIGatewayProxyResult {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.statusCode === 'number' &&
    Number.isInteger(v.statusCode) &&
    v.statusCode >= 100 &&
    v.statusCode <= 599 &&
    (v.body === undefined || v.body === null || typeof v.body === 'string') &&
    (v.headers === undefined || v.headers === null || typeof v.headers === 'object') &&
    (v.multiValueHeaders === undefined ||
      v.multiValueHeaders === null ||
      typeof v.multiValueHeaders === 'object')
  );
}

function write(res: ServerResponse, result: APIGatewayProxyResult, requestId: string): void {
  const headers = new Map<string, { name: string; values: string[] }>();
  const add = (name: string, values: readonly (string | number | boolean)[]): void => {
    const entry = headers.get(name.toLowerCase()) ?? { name, values: [] };
    entry.values.push(...values.map(String));
    headers.set(name.toLowerCase(), entry);
  };
  // API Gateway merges both maps; a name in both keeps every value.
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) add(name, values);
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    const existing = headers.get(name.toLowerCase());
    if (existing === undefined || !existing.values.includes(String(value))) add(name, [value]);
  }
  if (!headers.has('content-type')) add('Content-Type', ['application/json']);
  add('x-amzn-RequestId', [requestId]);
  const body: string | Buffer =
    result.isBase64Encoded === true ? Buffer.from(result.body ?? '', 'base64') : (result.body ?? '');
  for (const { name, values } of headers.values())
    res.setHeader(name, values.length === 1 ? (values[0] as string) : values);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.writeHead(result.statusCode);
  res.end(body);
}

/**
 * The body, or HttpError('tooLarge') once it has been read to the end (and discarded): answering before the
 * client finished sending makes many clients report a reset connection instead of the 413.
 */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
      else if (size > DISCARD_LIMIT_BYTES) req.destroy();
    });
    req.once('end', () =>
      size > maxBytes ? reject(new HttpError('tooLarge')) : resolve(Buffer.concat(chunks)),
    );
    req.once('error', reject);
    // Settles nothing if 'end' came first; otherwise the client went away (or we dropped it).
    req.once('close', () => reject(new Error('Request aborted')));
  });
}
