/**
 * The OpenAPI document against the running gateway: GET /v2/openapi.json serves the built document, and every
 * documented route answers each status it can produce locally with a body (and headers) that validate against
 * the document's schema for that route and status. A last test checks that every documented status was
 * exercised, except the ones listed in NOT_PRODUCIBLE_LOCALLY with their reason.
 *
 * The JSON Schema check is a small validator for the keywords the document uses; an unknown keyword fails the
 * test rather than being ignored.
 */
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../tools/openapi/openapi-document';
import { MAX_SCHEDULES_PER_TEAM, recurringScheduleName } from '../../lambdas/domain/recurring/recurring';
import { startLocalGateway, type LocalGateway } from '../../local/runtime';
import { call, send, sendmms, SENDER, waitFor, waitForState, type HttpAnswer } from './helpers';

type Json = Record<string, unknown>;

const doc = JSON.parse(JSON.stringify(buildOpenApiDocument())) as Json;

/**
 * Documented answers that the local gateway cannot produce, with the reason. Everything else documented must be
 * exercised by this file.
 */
/** The team API's operations: each is checked for 401 and 403 below. */
const TEAM_OPERATIONS = [
  ['get', '/v2/team'],
  ['put', '/v2/team/webhook'],
  ['delete', '/v2/team/webhook'],
  ['post', '/v2/team/webhook/rotate-secret'],
  ['post', '/v2/team/webhook/test'],
  ['get', '/v2/team/webhook/deliveries'],
  ['put', '/v2/team/quiet-hours'],
  ['post', '/v2/team/keys/rotate'],
  ['get', '/v2/usage'],
] as const;

const NOT_PRODUCIBLE_LOCALLY: Record<string, string> = {
  'post /v2/ 500':
    'GW-INTERNAL: a gateway fault (an unexpected error, an authorizer failure); none can be provoked',
  'get /v2/messages 500': 'GW-INTERNAL: a gateway fault; none can be provoked',
  'get /v2/messages/stats 500': 'GW-INTERNAL: a gateway fault; none can be provoked',
  'get /v2/messages/stats 429': 'API Gateway stage throttling; the local front end does not throttle',
  'get /v2/messages/{id} 500': 'GW-INTERNAL: a gateway fault; none can be provoked',
  'post /v2/ 503':
    'GW-QUEUE-UNAVAILABLE needs the SQS queue to refuse messages; the emulator cannot be made to',
  'get /v2/messages 429':
    'API Gateway stage throttling (THROTTLED response); the local front end does not throttle',
  'get /v2/messages/{id} 429': 'API Gateway stage throttling; the local front end does not throttle',
  'get /v2/templates 500': 'GW-INTERNAL: a gateway fault; none can be provoked',
  'delete /v2/messages/{id} 500': 'GW-INTERNAL: a gateway fault; none can be provoked',
  'patch /v2/messages/{id} 500': 'GW-INTERNAL: a gateway fault; none can be provoked',
  'delete /v2/messages/{id} 429': 'API Gateway stage throttling; the local front end does not throttle',
  'patch /v2/messages/{id} 429': 'API Gateway stage throttling; the local front end does not throttle',
  'get /v2/templates/{id} 500': 'GW-INTERNAL: a gateway fault; none can be provoked',
  'get /v2/templates 429': 'API Gateway stage throttling; the local front end does not throttle',
  'get /v2/templates/{id} 429': 'API Gateway stage throttling; the local front end does not throttle',
  ...Object.fromEntries(
    [
      'get /v2/schedules',
      'post /v2/schedules',
      'get /v2/schedules/{id}',
      'delete /v2/schedules/{id}',
      'post /v2/schedules/{id}/pause',
      'post /v2/schedules/{id}/resume',
      'delete /v2/messages/{id}/content',
      'post /v2/media/check',
      'get /v2/suppressions',
      'put /v2/suppressions/{number}',
      'delete /v2/suppressions/{number}',
    ].flatMap((operation) => [
      [`${operation} 429`, 'API Gateway stage throttling; the local front end does not throttle'],
      [`${operation} 500`, 'GW-INTERNAL: a gateway fault; none is provoked here'],
    ]),
  ),
  ...Object.fromEntries(
    TEAM_OPERATIONS.map(([method, path]) => [
      `${method} ${path} 500`,
      'GW-INTERNAL: a gateway fault; none is provoked here',
    ]),
  ),
};

// ---------------------------------------------------------------------------------------------------------------
// A JSON Schema (2020-12) validator for the subset the document uses

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function resolvePointer(ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`non-local $ref ${ref}`);
  let current: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    current = isObject(current) && Object.hasOwn(current, key) ? current[key] : undefined;
  }
  if (current === undefined) throw new Error(`unresolved $ref ${ref}`);
  return current;
}

const deref = (value: unknown): Json => {
  if (!isObject(value)) throw new Error('expected an object');
  return typeof value.$ref === 'string' ? deref(resolvePointer(value.$ref)) : value;
};

const ANNOTATIONS = new Set(['description', 'examples', 'title', 'discriminator', 'default', 'deprecated']);
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Problems of `value` against `schema` (empty when valid). */
function validate(schema: unknown, value: unknown, path = '$'): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${path}: no value allowed`];
  if (!isObject(schema)) throw new Error(`${path}: schema is not an object`);
  const problems: string[] = [];
  const fail = (message: string) => problems.push(`${path}: ${message}`);
  for (const [keyword, arg] of Object.entries(schema)) {
    if (ANNOTATIONS.has(keyword)) continue;
    switch (keyword) {
      case '$ref':
        problems.push(...validate(resolvePointer(String(arg)), value, path));
        break;
      case 'allOf':
        for (const sub of arg as unknown[]) problems.push(...validate(sub, value, path));
        break;
      case 'anyOf':
        if (!(arg as unknown[]).some((sub) => validate(sub, value, path).length === 0))
          fail('matches no anyOf');
        break;
      case 'oneOf': {
        const results = (arg as unknown[]).map((sub) => validate(sub, value, path));
        const matching = results.filter((r) => r.length === 0).length;
        if (matching !== 1) fail(`matches ${matching} oneOf branches: ${JSON.stringify(results)}`);
        break;
      }
      case 'type': {
        const types = Array.isArray(arg) ? (arg as string[]) : [String(arg)];
        const actual = jsonType(value);
        if (!types.includes(actual) && !(actual === 'integer' && types.includes('number'))) {
          fail(`is ${actual}, not ${types.join('|')}`);
        }
        break;
      }
      case 'const':
        if (!isDeepStrictEqual(value, arg)) fail(`is not ${JSON.stringify(arg)}`);
        break;
      case 'enum':
        if (!(arg as unknown[]).some((v) => isDeepStrictEqual(v, value)))
          fail(`${JSON.stringify(value)} not in enum`);
        break;
      case 'properties':
        if (isObject(value)) {
          for (const [name, sub] of Object.entries(arg as Json)) {
            if (Object.hasOwn(value, name)) problems.push(...validate(sub, value[name], `${path}.${name}`));
          }
        }
        break;
      case 'required':
        if (isObject(value)) {
          for (const name of arg as string[]) if (!Object.hasOwn(value, name)) fail(`missing ${name}`);
        }
        break;
      case 'additionalProperties':
        if (isObject(value)) {
          const declared = isObject(schema.properties) ? schema.properties : {};
          for (const name of Object.keys(value).filter((n) => !Object.hasOwn(declared, n))) {
            if (arg === false) fail(`undocumented property ${name}`);
            else problems.push(...validate(arg, value[name], `${path}.${name}`));
          }
        }
        break;
      case 'items':
        if (Array.isArray(value))
          value.forEach((item, i) => problems.push(...validate(arg, item, `${path}[${i}]`)));
        break;
      case 'minItems':
        if (Array.isArray(value) && value.length < Number(arg)) fail(`fewer than ${String(arg)} items`);
        break;
      case 'maxItems':
        if (Array.isArray(value) && value.length > Number(arg)) fail(`more than ${String(arg)} items`);
        break;
      case 'uniqueItems':
        if (Array.isArray(value) && arg === true) {
          if (value.some((v, i) => value.findIndex((w) => isDeepStrictEqual(v, w)) !== i))
            fail('repeats an item');
        }
        break;
      case 'minLength':
        if (typeof value === 'string' && [...value].length < Number(arg)) fail(`shorter than ${String(arg)}`);
        break;
      case 'maxLength':
        if (typeof value === 'string' && [...value].length > Number(arg)) fail(`longer than ${String(arg)}`);
        break;
      case 'pattern':
        if (typeof value === 'string' && !new RegExp(String(arg), 'u').test(value))
          fail(`does not match ${String(arg)}`);
        break;
      case 'minimum':
        if (typeof value === 'number' && value < Number(arg)) fail(`below ${String(arg)}`);
        break;
      case 'format':
        if (typeof value === 'string') {
          if (arg === 'date-time' && !RFC3339.test(value)) fail('is not an RFC 3339 date-time');
          if (arg === 'uri' && !URL.canParse(value)) fail('is not a URI');
        }
        break;
      default:
        throw new Error(`${path}: the test validator does not support the keyword '${keyword}'`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// Checking answers against the document

const exercised = new Set<string>();

function operation(method: string, path: string): Json {
  const item = deref(deref(doc.paths)[path]);
  return deref(item[method]);
}

/** Checks an answer against the document's response for `method path` and its status, and records it. */
function conforms(
  method: 'get' | 'post' | 'patch' | 'delete' | 'put',
  path: string,
  answer: HttpAnswer,
): void {
  const where = `${method} ${path} ${answer.status}`;
  const responses = deref(operation(method, path).responses);
  expect(Object.keys(responses), `${where} is not documented`).toContain(String(answer.status));
  const response = deref(responses[String(answer.status)]);
  const content = deref(response.content);
  expect(answer.headers.get('content-type') ?? '', where).toMatch(/^application\/json/);
  const schema = deref(content['application/json']).schema;
  expect(validate(schema, answer.body), where).toEqual([]);
  for (const [name, header] of Object.entries(isObject(response.headers) ? response.headers : {})) {
    const spec = deref(header);
    const raw = answer.headers.get(name);
    if (spec.required === true) expect(raw, `${where} header ${name}`).not.toBeNull();
    if (raw === null) continue;
    const headerSchema = deref(spec.schema);
    const value = headerSchema.type === 'integer' && /^-?\d+$/.test(raw) ? Number(raw) : raw;
    expect(validate(headerSchema, value, name), `${where} header ${name}`).toEqual([]);
  }
  exercised.add(where);
}

/** The request body schema of `post path` (default POST /v2/). */
const requestSchema = (path = '/v2/'): unknown =>
  deref(deref(deref(operation('post', path).requestBody).content)['application/json']).schema;

/** The request body schema of POST /v2/ accepts `body`: the document is never stricter than the gateway. */
function requestConforms(body: unknown, path = '/v2/'): void {
  expect(validate(requestSchema(path), body, 'request')).toEqual([]);
}

// ---------------------------------------------------------------------------------------------------------------

let gw: LocalGateway;
let revokedKey: string;

const url = (path: string) => `${gw.apiUrl}${path}`;

beforeAll(async () => {
  gw = await startLocalGateway({ accountTps: 50, sweepIntervalMs: 0, env: { AUTH_CACHE_SECONDS: '0' } });
  revokedKey = await gw.teams.addTeam({
    id: 'contract-revoked',
    allowedSenders: [SENDER],
    perSecond: 10,
    perDay: 100,
  });
  await gw.teams.setRevoked('contract-revoked', true);
});
afterAll(async () => {
  await gw?.stop();
});

describe('GET /v2/openapi.json', () => {
  it('answers 200 without a key, with the document the code builds', async () => {
    const answer = await call(url('/v2/openapi.json'));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(doc);
    conforms('get', '/v2/openapi.json', answer);
  });
});

describe('POST /v2/', () => {
  it('202: a single send (at /v2/ and at /v2), valid as a request too', async () => {
    const body = sendmms('15551240001', { 'client-reference': 'contract-single' });
    requestConforms(body);
    const answer = await send(gw, body);
    expect(answer.status).toBe(202);
    conforms('post', '/v2/', answer);
    expect(answer.body).toHaveProperty('tracking-id');

    const bare = await call(url('/v2'), { apiKey: gw.apiKey, body: sendmms('15551240002') });
    expect(bare.status).toBe(202);
    conforms('post', '/v2/', bare);
  });

  it('202: a group send lists one tracking-id per recipient under a group-id', async () => {
    const body = sendmms(['15551240003', '15551240004', '15551240005'] as unknown as string, {
      'client-reference': 'contract-group',
    });
    requestConforms(body);
    const answer = await send(gw, body);
    expect(answer.status).toBe(202);
    conforms('post', '/v2/', answer);
    expect(answer.body.messages).toHaveLength(3);
  });

  it('202: a savemms answers with a template-id; 409 E626 while that template is transcoding', async () => {
    const body = {
      action: 'savemms',
      name: 'contract-template',
      'fallback-sms-text': 'See it here:',
      slide: [{ image: { url: 'https://example.com/a.jpg' }, 'message-text': 'Hello' }],
    };
    requestConforms(body);
    const saved = await send(gw, body);
    expect(saved.status).toBe(202);
    conforms('post', '/v2/', saved);

    const early = {
      action: 'sendsavedmms',
      'mms-id': String(saved.body['template-id']),
      to: '15551240015',
      from: SENDER,
    };
    requestConforms(early);
    const answer = await send(gw, early);
    expect(answer.status).toBe(409);
    expect(answer.body['error-code']).toBe('E626');
    expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
    conforms('post', '/v2/', answer);
  });

  it('400: invalid requests, with every violation listed', async () => {
    const invalid = await send(gw, sendmms('+15551240006', { from: 'nope', slide: [] }));
    expect(invalid.status).toBe(400);
    conforms('post', '/v2/', invalid);
    expect((invalid.body.errors as unknown[]).length).toBeGreaterThanOrEqual(3);

    const notJson = await send(gw, '{"action":');
    expect(notJson.status).toBe(400);
    expect(notJson.body['error-code']).toBe('E108');
    conforms('post', '/v2/', notJson);

    const badKey = await send(gw, sendmms('15551240007'), { 'Idempotency-Key': 'k'.repeat(256) });
    expect(badKey.body['error-code']).toBe('GW-INVALID-IDEMPOTENCY-KEY');
    conforms('post', '/v2/', badKey);
  });

  it('401: no key', async () => {
    const answer = await call(url('/v2/'), { body: sendmms('15551240008') });
    expect(answer.status).toBe(401);
    conforms('post', '/v2/', answer);
  });

  it("403: a revoked team's key", async () => {
    const answer = await send(gw, sendmms('15551240009'), {}, revokedKey);
    expect(answer.status).toBe(403);
    conforms('post', '/v2/', answer);
  });

  it('409: an Idempotency-Key reused with another body; the same body replays the first answer', async () => {
    const headers = { 'Idempotency-Key': 'contract-key-1' };
    const first = await send(gw, sendmms('15551240010'), headers);
    expect(first.status).toBe(202);
    const replay = await send(gw, sendmms('15551240010'), headers);
    expect(replay.status).toBe(202);
    expect(replay.body).toEqual(first.body);
    conforms('post', '/v2/', replay);

    const conflict = await send(gw, sendmms('15551240011'), headers);
    expect(conflict.status).toBe(409);
    expect(conflict.body['error-code']).toBe('GW-IDEMPOTENCY-CONFLICT');
    conforms('post', '/v2/', conflict);
  });

  it('413: a body over the limit', async () => {
    const answer = await send(gw, sendmms('15551240012', { 'fallback-sms-text': 'x'.repeat(1_100_000) }));
    expect(answer.status).toBe(413);
    expect(answer.body['error-code']).toBe('GW-BODY-TOO-LARGE');
    conforms('post', '/v2/', answer);
  });

  it('429: over the daily quota, with Retry-After', async () => {
    const key = await gw.teams.addTeam({
      id: 'contract-quota',
      allowedSenders: [SENDER],
      perSecond: 100,
      perDay: 1,
    });
    expect((await send(gw, sendmms('15551240013'), {}, key)).status).toBe(202);
    const answer = await send(gw, sendmms('15551240013'), {}, key);
    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
    conforms('post', '/v2/', answer);
  });
});

describe('GET /v2/messages and /v2/messages/{id}', () => {
  it('200: a message with its status history, and the client-reference list', async () => {
    const accepted = await send(gw, sendmms('15551240014', { 'client-reference': 'contract-lookup' }));
    const id = String(accepted.body['tracking-id']);
    await waitForState(gw, id, ['delivered', 'delivered-as-sms', 'failed', 'rejected', 'expired']);

    const one = await call(url(`/v2/messages/${id}`), { apiKey: gw.apiKey });
    expect(one.status).toBe(200);
    conforms('get', '/v2/messages/{id}', one);
    expect((one.body.history as unknown[]).length).toBeGreaterThanOrEqual(3);

    const list = await call(url('/v2/messages?client-reference=contract-lookup'), { apiKey: gw.apiKey });
    expect(list.status).toBe(200);
    conforms('get', '/v2/messages', list);
    expect(list.body.messages).toHaveLength(1);

    const group = await call(url('/v2/messages?client-reference=contract-group'), { apiKey: gw.apiKey });
    expect(group.body.messages).toHaveLength(3);
    conforms('get', '/v2/messages', group);

    const none = await call(url('/v2/messages?client-reference=contract-nothing'), { apiKey: gw.apiKey });
    expect(none.body).toEqual({ messages: [] });
    conforms('get', '/v2/messages', none);
  });

  it('200: a search page; 400: bad search parameters', async () => {
    const page = await call(url('/v2/messages?limit=2'), { apiKey: gw.apiKey });
    expect(page.status).toBe(200);
    conforms('get', '/v2/messages', page);
    const answer = await call(url('/v2/messages?state=lost&limit=0'), { apiKey: gw.apiKey });
    expect(answer.status).toBe(400);
    conforms('get', '/v2/messages', answer);
  });

  it('GET /v2/messages/stats: 200, 400, 401 and 403', async () => {
    const stats = await call(url('/v2/messages/stats'), { apiKey: gw.apiKey });
    expect(stats.status).toBe(200);
    conforms('get', '/v2/messages/stats', stats);
    const bad = await call(url('/v2/messages/stats?since=never'), { apiKey: gw.apiKey });
    expect(bad.status).toBe(400);
    conforms('get', '/v2/messages/stats', bad);
    const unauthorized = await call(url('/v2/messages/stats'));
    expect(unauthorized.status).toBe(401);
    conforms('get', '/v2/messages/stats', unauthorized);
    const forbidden = await call(url('/v2/messages/stats'), { apiKey: revokedKey });
    expect(forbidden.status).toBe(403);
    conforms('get', '/v2/messages/stats', forbidden);
  });

  it('401 and 403 on both', async () => {
    for (const [path, concrete] of [
      ['/v2/messages', '/v2/messages?client-reference=x'],
      ['/v2/messages/{id}', '/v2/messages/mms_00000000000000000000000000000000'],
    ] as const) {
      const unauthorized = await call(url(concrete));
      expect(unauthorized.status).toBe(401);
      conforms('get', path, unauthorized);
      const forbidden = await call(url(concrete), { apiKey: revokedKey });
      expect(forbidden.status).toBe(403);
      conforms('get', path, forbidden);
    }
  });

  it('404: an unknown message', async () => {
    const answer = await call(url('/v2/messages/mms_00000000000000000000000000000000'), {
      apiKey: gw.apiKey,
    });
    expect(answer.status).toBe(404);
    conforms('get', '/v2/messages/{id}', answer);
  });
});

describe('DELETE and PATCH /v2/messages/{id} (scheduled sends)', () => {
  it('200 cancel and reschedule, 400 bad send-at, 404 unknown, 409 not scheduled, 401 and 403', async () => {
    const later = (s: number) => new Date(Date.now() + s * 1000).toISOString();
    const scheduled = await send(gw, sendmms('15551240040', { 'send-at': later(3600) }));
    expect(scheduled.status).toBe(202);
    conforms('post', '/v2/', scheduled);
    const id = String(scheduled.body['tracking-id']);
    const moved = await call(url(`/v2/messages/${id}`), {
      method: 'PATCH',
      apiKey: gw.apiKey,
      body: { 'send-at': later(7200) },
    });
    expect(moved.status).toBe(200);
    conforms('patch', '/v2/messages/{id}', moved);
    const bad = await call(url(`/v2/messages/${id}`), {
      method: 'PATCH',
      apiKey: gw.apiKey,
      body: { 'send-at': 'soon' },
    });
    expect(bad.status).toBe(400);
    conforms('patch', '/v2/messages/{id}', bad);
    const canceled = await call(url(`/v2/messages/${id}`), { method: 'DELETE', apiKey: gw.apiKey });
    expect(canceled.status).toBe(200);
    conforms('delete', '/v2/messages/{id}', canceled);
    for (const method of ['delete', 'patch'] as const) {
      const init = {
        method: method.toUpperCase(),
        ...(method === 'patch' ? { body: { 'send-at': later(600) } } : {}),
      };
      const notScheduled = await call(url(`/v2/messages/${id}`), { ...init, apiKey: gw.apiKey });
      expect(notScheduled.status).toBe(409);
      conforms(method, '/v2/messages/{id}', notScheduled);
      const missing = await call(url('/v2/messages/mms_00000000000000000000000000000000'), {
        ...init,
        apiKey: gw.apiKey,
      });
      expect(missing.status).toBe(404);
      conforms(method, '/v2/messages/{id}', missing);
      const unauthorized = await call(url(`/v2/messages/${id}`), init);
      expect(unauthorized.status).toBe(401);
      conforms(method, '/v2/messages/{id}', unauthorized);
      const forbidden = await call(url(`/v2/messages/${id}`), { ...init, apiKey: revokedKey });
      expect(forbidden.status).toBe(403);
      conforms(method, '/v2/messages/{id}', forbidden);
    }
  });
});

describe('DELETE /v2/messages/{id}/content and POST /v2/media/check', () => {
  it('erase: 200 canceled, 409 not final, 404 unknown, 401 and 403', async () => {
    const scheduled = await send(
      gw,
      sendmms('15551240041', { 'send-at': new Date(Date.now() + 3_600_000).toISOString() }),
    );
    const id = String(scheduled.body['tracking-id']);
    const erase = (apiKey?: string, target = id) =>
      call(url(`/v2/messages/${target}/content`), { method: 'DELETE', apiKey });
    const early = await erase(gw.apiKey);
    expect(early.status).toBe(409);
    conforms('delete', '/v2/messages/{id}/content', early);
    expect((await call(url(`/v2/messages/${id}`), { method: 'DELETE', apiKey: gw.apiKey })).status).toBe(200);
    for (const [answer, status] of [
      [await erase(gw.apiKey), 200],
      [await erase(gw.apiKey, 'mms_00000000000000000000000000000000'), 404],
      [await erase(undefined), 401],
      [await erase(revokedKey), 403],
    ] as const) {
      expect(answer.status).toBe(status);
      conforms('delete', '/v2/messages/{id}/content', answer);
    }
  });

  it('media check: 200 findings, 400 malformed, 401 and 403', async () => {
    const body = { media: [{ kind: 'image', url: 'http://10.0.0.1/a.png' }] };
    requestConforms(body, '/v2/media/check');
    const check = (b: unknown, apiKey?: string) => call(url('/v2/media/check'), { apiKey, body: b });
    for (const [answer, status] of [
      [await check(body, gw.apiKey), 200],
      [await check({ media: [] }, gw.apiKey), 400],
      [await check(body), 401],
      [await check(body, revokedKey), 403],
    ] as const) {
      expect(answer.status).toBe(status);
      conforms('post', '/v2/media/check', answer);
    }
  });
});

describe('GET /v2/templates and /v2/templates/{id}', () => {
  it('200: the list and one template; 404 for an unknown one; 401 and 403', async () => {
    const saved = await send(gw, {
      action: 'savemms',
      name: 'contract-template',
      'fallback-sms-text': 'See it here:',
      slide: [{ 'message-text': 'Hello' }],
    });
    expect(saved.status).toBe(202);
    const id = String(saved.body['template-id']);
    const list = await call(url('/v2/templates'), { apiKey: gw.apiKey });
    expect(list.status).toBe(200);
    conforms('get', '/v2/templates', list);
    const one = await call(url(`/v2/templates/${id}`), { apiKey: gw.apiKey });
    expect(one.status).toBe(200);
    conforms('get', '/v2/templates/{id}', one);
    const missing = await call(url('/v2/templates/tpl_none'), { apiKey: gw.apiKey });
    expect(missing.status).toBe(404);
    conforms('get', '/v2/templates/{id}', missing);
    for (const [path, concrete] of [
      ['/v2/templates', '/v2/templates'],
      ['/v2/templates/{id}', `/v2/templates/${id}`],
    ] as const) {
      const unauthorized = await call(url(concrete));
      expect(unauthorized.status).toBe(401);
      conforms('get', path, unauthorized);
      const forbidden = await call(url(concrete), { apiKey: revokedKey });
      expect(forbidden.status).toBe(403);
      conforms('get', path, forbidden);
    }
  });
});

describe('/v2/schedules (recurring sends)', () => {
  const GROUP = 'mms-gateway-local';
  const { to: _to, ...message } = sendmms('0');
  const schedules = (path = '', init: Parameters<typeof call>[1] = {}) =>
    call(url(`/v2/schedules${path}`), { apiKey: gw.apiKey, ...init });
  const create = (body: unknown, headers: Record<string, string> = {}, apiKey = gw.apiKey) =>
    schedules('', { apiKey, body, headers });
  const MISSING = 'sch_00000000000000000000000000000000';
  /** The four routes of one schedule: documented path, concrete path (under /v2/schedules), method. */
  const oneSchedule = (id: string) =>
    [
      ['get', '/v2/schedules/{id}', `/${id}`],
      ['delete', '/v2/schedules/{id}', `/${id}`],
      ['post', '/v2/schedules/{id}/pause', `/${id}/pause`],
      ['post', '/v2/schedules/{id}/resume', `/${id}/resume`],
    ] as const;
  let cronId: string;

  it('201: a cron send in a time zone, a rate send with the defaults, a saved template; all valid as requests', async () => {
    const cron = {
      name: 'contract weekly',
      schedule: 'cron(0 9 ? * MON *)',
      timezone: 'Europe/Stockholm',
      recipients: ['15551240101', '15551240102'],
      message,
    };
    requestConforms(cron, '/v2/schedules');
    const created = await create(cron);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    conforms('post', '/v2/schedules', created);
    expect(created.body).toMatchObject({ status: 'success', state: 'enabled', firings: 0 });
    expect(created.body['next-firing-at']).toEqual(expect.any(String));
    cronId = String(created.body['schedule-id']);

    const rate = {
      schedule: 'rate(1 day)',
      recipients: ['15551240103'],
      message: { ...message, 'ignore-quiet-hours': true },
    };
    requestConforms(rate, '/v2/schedules');
    const daily = await create(rate);
    expect(daily.status).toBe(201);
    conforms('post', '/v2/schedules', daily);
    expect(daily.body.timezone).toBe('UTC');
    expect(daily.body).not.toHaveProperty('next-firing-at');
    expect(daily.body).not.toHaveProperty('name');

    const saved = await send(gw, {
      action: 'savemms',
      name: 'contract-schedule-template',
      'fallback-sms-text': 'See it here:',
      slide: [{ 'message-text': 'Hello' }],
    });
    expect(saved.status).toBe(202);
    const template = {
      schedule: 'cron(30 8 1 * ? *)',
      recipients: ['15551240104'],
      message: { action: 'sendsavedmms', 'mms-id': String(saved.body['template-id']), from: SENDER },
    };
    requestConforms(template, '/v2/schedules');
    const fromTemplate = await create(template);
    expect(fromTemplate.status, JSON.stringify(fromTemplate.body)).toBe(201);
    conforms('post', '/v2/schedules', fromTemplate);
  });

  it('200: the list (newest first), one schedule, pause, resume, and delete', async () => {
    const list = await schedules();
    expect(list.status).toBe(200);
    conforms('get', '/v2/schedules', list);
    const ids = (list.body.schedules as { 'schedule-id': string }[]).map((v) => v['schedule-id']);
    expect(ids).toHaveLength(3);
    expect(ids.at(-1)).toBe(cronId);

    const one = await schedules(`/${cronId}`);
    expect(one.status).toBe(200);
    conforms('get', '/v2/schedules/{id}', one);

    const paused = await schedules(`/${cronId}/pause`, { method: 'POST' });
    expect(paused.status).toBe(200);
    expect(paused.body.state).toBe('paused');
    conforms('post', '/v2/schedules/{id}/pause', paused);
    const resumed = await schedules(`/${cronId}/resume`, { method: 'POST' });
    expect(resumed.status).toBe(200);
    expect(resumed.body.state).toBe('enabled');
    conforms('post', '/v2/schedules/{id}/resume', resumed);

    const deleted = await schedules(`/${cronId}`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect(deleted.body.state).toBe('deleted');
    conforms('delete', '/v2/schedules/{id}', deleted);
    expect((await schedules('')).body.schedules).toHaveLength(2);
  });

  it('200: a schedule after a firing, with accepted and rejected recipients in last-firing', async () => {
    const key = await gw.teams.addTeam({
      id: 'contract-recurring',
      allowedSenders: [SENDER],
      perSecond: 10,
      perDay: 1,
    });
    const created = await create(
      { schedule: 'rate(1 day)', recipients: ['15551240111', '15551240112'], message },
      {},
      key,
    );
    expect(created.status).toBe(201);
    const id = String(created.body['schedule-id']);
    await gw.scheduler.fireNow(GROUP, recurringScheduleName(id));
    const fired = await waitFor('the firing to be recorded', async () => {
      const answer = await schedules(`/${id}`, { apiKey: key });
      return answer.body.firings === 1 ? answer : undefined;
    });
    // The daily quota of 1 lets one recipient through and refuses the other for this firing.
    expect(fired.body['last-firing']).toMatchObject({
      accepted: 1,
      rejected: 1,
      errors: [expect.objectContaining({ code: 'GW-QUOTA-EXCEEDED' })],
    });
    conforms('get', '/v2/schedules/{id}', fired);
    const list = await schedules('', { apiKey: key });
    conforms('get', '/v2/schedules', list);
  });

  it('400: an invalid definition with every violation, not JSON, a bad Idempotency-Key', async () => {
    const invalid = {
      schedule: 'cron(0 9 * * MON *)',
      timezone: 'Mars/Olympus',
      recipients: ['+15551240121', '15551240122', '15551240122'],
      message: { ...message, to: '15551240123', slide: [] },
      colour: 'blue',
    };
    expect(validate(requestSchema('/v2/schedules'), invalid)).not.toEqual([]);
    const answer = await create(invalid);
    expect(answer.status).toBe(400);
    conforms('post', '/v2/schedules', answer);
    expect((answer.body.errors as unknown[]).length).toBeGreaterThanOrEqual(5);

    const oneShot = await create({
      schedule: 'at(2030-01-01T09:00:00)',
      recipients: ['15551240124'],
      message,
    });
    expect(oneShot.body['error-code']).toBe('GW-INVALID-SCHEDULE');
    conforms('post', '/v2/schedules', oneShot);

    const notJson = await create('{"schedule":');
    expect(notJson.body['error-code']).toBe('E108');
    conforms('post', '/v2/schedules', notJson);

    const badKey = await create(
      { schedule: 'rate(1 day)', recipients: ['15551240125'], message },
      {
        'Idempotency-Key': 'k'.repeat(256),
      },
    );
    expect(badKey.body['error-code']).toBe('GW-INVALID-IDEMPOTENCY-KEY');
    conforms('post', '/v2/schedules', badKey);
  });

  it('401 and 403 on every route', async () => {
    // The authorizer answers before the Lambda: whether the schedule exists does not matter.
    const routes = [
      ['get', '/v2/schedules', '', undefined],
      ['post', '/v2/schedules', '', { schedule: 'rate(1 day)', recipients: ['15551240131'], message }],
      ...oneSchedule(MISSING).map(([method, path, concrete]) => [method, path, concrete, undefined] as const),
    ] as const;
    for (const [method, path, concrete, body] of routes) {
      const init = { method: method.toUpperCase(), ...(body ? { body } : {}) };
      const unauthorized = await schedules(concrete, { ...init, apiKey: undefined });
      expect(unauthorized.status, `${method} ${path}`).toBe(401);
      conforms(method, path, unauthorized);
      const forbidden = await schedules(concrete, { ...init, apiKey: revokedKey });
      expect(forbidden.status, `${method} ${path}`).toBe(403);
      conforms(method, path, forbidden);
    }
  });

  it("404: an unknown schedule, and another team's", async () => {
    const mine = await create({ schedule: 'rate(1 day)', recipients: ['15551240141'], message });
    const otherKey = await gw.teams.addTeam({
      id: 'contract-schedules-other',
      allowedSenders: [SENDER],
      perSecond: 10,
      perDay: 100,
    });
    for (const id of [MISSING, String(mine.body['schedule-id'])]) {
      for (const [method, path, concrete] of oneSchedule(id)) {
        const answer = await schedules(concrete, { method: method.toUpperCase(), apiKey: otherKey });
        expect(answer.status, `${method} ${concrete}`).toBe(404);
        expect(answer.body['error-code']).toBe('GW-NOT-FOUND');
        conforms(method, path, answer);
      }
    }
  });

  it('409: an Idempotency-Key reused with another definition (the same one replays 201); too many schedules', async () => {
    const body = { schedule: 'rate(7 days)', recipients: ['15551240151'], message };
    const headers = { 'Idempotency-Key': 'contract-schedule-1' };
    const first = await create(body, headers);
    expect(first.status).toBe(201);
    const replay = await create(body, headers);
    expect(replay.status).toBe(201);
    expect(replay.body['schedule-id']).toBe(first.body['schedule-id']);
    conforms('post', '/v2/schedules', replay);
    const conflict = await create({ ...body, schedule: 'rate(8 days)' }, headers);
    expect(conflict.status).toBe(409);
    expect(conflict.body['error-code']).toBe('GW-IDEMPOTENCY-CONFLICT');
    conforms('post', '/v2/schedules', conflict);

    const key = await gw.teams.addTeam({
      id: 'contract-schedules-full',
      allowedSenders: [SENDER],
      perSecond: 10,
      perDay: 100,
    });
    for (let i = 0; i < MAX_SCHEDULES_PER_TEAM; i++) {
      const created = await create(
        { schedule: 'rate(1 day)', recipients: ['15551240152'], message },
        {},
        key,
      );
      expect(created.status, `schedule ${i}`).toBe(201);
    }
    const full = await create({ schedule: 'rate(1 day)', recipients: ['15551240152'], message }, {}, key);
    expect(full.status).toBe(409);
    expect(full.body['error-code']).toBe('GW-TOO-MANY-SCHEDULES');
    conforms('post', '/v2/schedules', full);
  }, 60_000);

  it('413: a body over the limit', async () => {
    const answer = await create({
      schedule: 'rate(1 day)',
      recipients: ['15551240161'],
      message: { ...message, 'fallback-sms-text': 'x'.repeat(1_100_000) },
    });
    expect(answer.status).toBe(413);
    conforms('post', '/v2/schedules', answer);
  });

  // The last use of the local scheduler in this file: it is stopped here.
  it('503: the scheduler unavailable, on create, pause and resume; nothing created or changed', async () => {
    const rate = (to: string) => ({ schedule: 'rate(1 day)', recipients: [to], message });
    const enabled = String((await create(rate('15551240171'))).body['schedule-id']);
    const paused = String((await create(rate('15551240172'))).body['schedule-id']);
    expect((await schedules(`/${paused}/pause`, { method: 'POST' })).status).toBe(200);
    const before = ((await schedules()).body.schedules as unknown[]).length;
    await gw.scheduler.stop();

    const created = await create(rate('15551240173'));
    expect(created.status).toBe(503);
    expect(created.body['error-code']).toBe('GW-QUEUE-UNAVAILABLE');
    conforms('post', '/v2/schedules', created);
    for (const [id, action] of [
      [enabled, 'pause'],
      [paused, 'resume'],
    ] as const) {
      const answer = await schedules(`/${id}/${action}`, { method: 'POST' });
      expect(answer.status, action).toBe(503);
      expect(answer.body['error-code']).toBe('GW-QUEUE-UNAVAILABLE');
      conforms('post', `/v2/schedules/{id}/${action}`, answer);
    }
    expect((await schedules(`/${enabled}`)).body.state).toBe('enabled');
    expect((await schedules(`/${paused}`)).body.state).toBe('paused');
    expect((await schedules()).body.schedules).toHaveLength(before);
  });
});

describe('the test validator', () => {
  const schemas = deref(deref(doc.components).schemas);
  const forbidden = deref(deref(deref(deref(doc.components).responses).Forbidden).content);
  const single = { status: 'success', 'tracking-id': 'mms_1', to: '15551240001', 'status-details': 'queued' };

  it('rejects what the document forbids', () => {
    expect(validate(schemas.Accepted, single)).toEqual([]);
    expect(validate(schemas.Accepted, { ...single, extra: 1 })).not.toEqual([]);
    expect(validate(schemas.Accepted, { ...single, status: 'failure' })).not.toEqual([]);
    const failure = { status: 'failure', 'error-code': 'E110', 'error-info': 'Invalid to' };
    expect(validate(schemas.Failure, failure)).toEqual([]);
    expect(validate(deref(forbidden['application/json']).schema, failure)).not.toEqual([]);
    expect(validate(schemas.Failure, { ...failure, 'error-code': 'E999' })).not.toEqual([]);
    const numbers = (n: number) => Array.from({ length: n }, (_, i) => String(15551250000 + i));
    expect(validate(schemas.MmsRequest, sendmms(numbers(20) as unknown as string))).toEqual([]);
    expect(validate(schemas.MmsRequest, sendmms(numbers(21) as unknown as string))).not.toEqual([]);
    expect(validate(schemas.MmsRequest, sendmms(numbers(1) as unknown as string))).not.toEqual([]);
    expect(validate(schemas.MmsRequest, { ...sendmms('15551250000'), action: 'savemms' })).not.toEqual([]);
    const schedule = {
      schedule: 'rate(1 day)',
      recipients: ['15551250000'],
      message: sendmms('15551250000'),
    };
    expect(validate(schemas.ScheduleRequest, schedule)).not.toEqual([]);
    const { to: _to, ...message } = schedule.message;
    expect(validate(schemas.ScheduleRequest, { ...schedule, message })).toEqual([]);
    expect(validate(schemas.ScheduleRequest, { ...schedule, message, recipients: [] })).not.toEqual([]);
    expect(
      validate(schemas.ScheduleRequest, { ...schedule, message, schedule: 'at(2030-01-01T00:00:00)' }),
    ).not.toEqual([]);
  });

  it('finds every example of the document valid against its schema', () => {
    let checked = 0;
    for (const [path, item] of Object.entries(deref(doc.paths))) {
      for (const [method, op] of Object.entries(deref(item))) {
        const bodies = [deref(op).requestBody, ...Object.values(deref(deref(op).responses))].filter(
          (b) => b !== undefined,
        );
        for (const body of bodies) {
          for (const media of Object.values(deref(deref(body).content ?? {}))) {
            const { schema, examples } = deref(media);
            for (const [name, example] of Object.entries(isObject(examples) ? examples : {})) {
              expect(validate(schema, deref(example).value), `${method} ${path} ${name}`).toEqual([]);
              checked += 1;
            }
          }
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(5);
  });
});

describe('consent: the dry run and /v2/suppressions', () => {
  it('200: a dry run answers what would be queued, or the failure, with http-status', async () => {
    const ok = await call(url('/v2/?dry-run=true'), { apiKey: gw.apiKey, body: sendmms('15551249001') });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ 'dry-run': true, 'http-status': 202 });
    conforms('post', '/v2/', ok);
    const bad = await call(url('/v2/?dry-run=true'), { apiKey: gw.apiKey, body: sendmms('+1') });
    expect(bad.body).toMatchObject({ status: 'failure', 'http-status': 400 });
    conforms('post', '/v2/', bad);
  });

  it('answers every documented status of GET, PUT and DELETE', async () => {
    // `null`: no key at all.
    const list = (query = '', apiKey: string | null = gw.apiKey) =>
      call(url(`/v2/suppressions${query}`), { apiKey: apiKey ?? undefined });
    const entry = (method: 'PUT' | 'DELETE', n: string, apiKey: string | null = gw.apiKey, body?: unknown) =>
      call(url(`/v2/suppressions/${n}`), {
        method,
        apiKey: apiKey ?? undefined,
        ...(body !== undefined ? { body } : {}),
      });
    const expectStatus = (answer: HttpAnswer, status: number, method: 'get' | 'put' | 'delete') => {
      expect(answer.status).toBe(status);
      conforms(method, method === 'get' ? '/v2/suppressions' : '/v2/suppressions/{number}', answer);
    };
    expectStatus(await entry('PUT', '15551249002', gw.apiKey, { sender: SENDER }), 200, 'put');
    expectStatus(await entry('PUT', '15551249002', gw.apiKey, { reason: 'nope' }), 400, 'put');
    expectStatus(await entry('PUT', '15551249002', null, {}), 401, 'put');
    expectStatus(await entry('PUT', '15551249002', revokedKey, {}), 403, 'put');
    expectStatus(await list(`?sender=${SENDER}`), 200, 'get');
    expectStatus(await list('?limit=0'), 400, 'get');
    expectStatus(await list('', null), 401, 'get');
    expectStatus(await list('', revokedKey), 403, 'get');
    expectStatus(await entry('DELETE', '15551249002'), 200, 'delete');
    expectStatus(await entry('DELETE', '15551249002'), 404, 'delete');
    expectStatus(await entry('DELETE', 'nope'), 400, 'delete');
    expectStatus(await entry('DELETE', '15551249002', null), 401, 'delete');
    expectStatus(await entry('DELETE', '15551249002', revokedKey), 403, 'delete');
  });
});

describe('the team API', () => {
  /** Calls `method concrete` (default: the documented path) and checks the answer against `method path`. */
  const check = async (
    method: 'get' | 'post' | 'put' | 'delete',
    path: string,
    init: { concrete?: string; body?: unknown; apiKey?: string } = {},
  ) => {
    const answer = await call(url(init.concrete ?? path), {
      method: method.toUpperCase(),
      apiKey: init.apiKey ?? gw.apiKey,
      ...(init.body === undefined ? {} : { body: init.body }),
    });
    conforms(method, path, answer);
    return answer;
  };

  it('every answer of every operation, for a team with and without a webhook', async () => {
    // Without a webhook: 404 on the webhook operations; a refused URL: 400.
    await check('get', '/v2/team');
    await check('post', '/v2/team/webhook/test');
    await check('post', '/v2/team/webhook/rotate-secret');
    await check('delete', '/v2/team/webhook');
    await check('put', '/v2/team/webhook', { body: { url: 'http://10.0.0.1/' } });
    // With one: 201 when created, 200 after.
    const created = await check('put', '/v2/team/webhook', { body: { url: 'http://127.0.0.1:9/hook' } });
    expect(created.status).toBe(201);
    await check('put', '/v2/team/webhook', { body: { url: 'http://127.0.0.1:9/h2' } });
    await check('get', '/v2/team');
    await check('post', '/v2/team/webhook/test');
    await check('post', '/v2/team/webhook/rotate-secret');
    await check('get', '/v2/team/webhook/deliveries');
    await check('get', '/v2/team/webhook/deliveries', { concrete: '/v2/team/webhook/deliveries?limit=999' });
    await check('delete', '/v2/team/webhook');
    const quiet = { 'time-zone': 'Europe/Paris', start: '22:00', end: '07:00' };
    await check('put', '/v2/team/quiet-hours', { body: quiet });
    await check('put', '/v2/team/quiet-hours', { body: { start: 'x' } });
    await check('put', '/v2/team/quiet-hours', { body: 'null' });
    await check('get', '/v2/usage');
    await check('get', '/v2/usage', { concrete: '/v2/usage?since=2026-13-01' });
    const apiKey = await gw.teams.addTeam({
      id: 'contract-keys',
      allowedSenders: [SENDER],
      perSecond: 1,
      perDay: 9,
    });
    await check('post', '/v2/team/keys/rotate', { apiKey });
  });

  it('401 and 403 on every operation', async () => {
    for (const [method, path] of TEAM_OPERATIONS) {
      for (const [apiKey, status] of [
        [undefined, 401],
        [revokedKey, 403],
      ] as const) {
        const answer = await call(url(path), {
          method: method.toUpperCase(),
          apiKey,
          body: method === 'put' ? {} : undefined,
        });
        expect(answer.status, `${method} ${path}`).toBe(status);
        conforms(method, path, answer);
      }
    }
  });
});

describe('coverage of the document', () => {
  it('exercised every documented route and status, except those not producible locally', () => {
    const documented = Object.entries(deref(doc.paths)).flatMap(([path, item]) =>
      Object.entries(deref(item)).flatMap(([method, op]) =>
        Object.keys(deref(deref(op).responses)).map((status) => `${method} ${path} ${status}`),
      ),
    );
    for (const skipped of Object.keys(NOT_PRODUCIBLE_LOCALLY)) expect(documented).toContain(skipped);
    const expected = documented.filter((k) => !Object.hasOwn(NOT_PRODUCIBLE_LOCALLY, k)).sort();
    expect([...exercised].sort()).toEqual(expected);
  });
});
