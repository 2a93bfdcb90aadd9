/**
 * The OpenAPI 3.1 document (tools/openapi/openapi-document.ts): structurally valid, in step with docs/openapi.json,
 * with every error code of ERRORS, every route of the local runtime, and JSON Schema limits that agree with the
 * validation rules. The contract against the running gateway is test/integration/openapi-contract.test.ts.
 */
import { localRoutes } from '../../local/infra/ingest-routes';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERRORS, type ErrorCode } from '../../lambdas/domain/sinch/error-codes';
import { ACTIONS, MAX_GROUP_SIZE, MIN_GROUP_SIZE } from '../../lambdas/domain/sinch/mms';
import {
  FROM_MASK_PATTERN,
  INTERNATIONAL_NUMBER_PATTERN,
  SENDER_PATTERN,
  buildOpenApiDocument,
  errorCodesFor,
} from '../../tools/openapi/openapi-document';
import { isInternationalNumber, isShortCode } from '../../lambdas/domain/sinch/phone';
import {
  MAX_RECIPIENTS,
  SCHEDULE_NAME_MAX,
  parseScheduleDefinition,
} from '../../lambdas/domain/recurring/recurring';
import { MAX_EXPRESSION_LENGTH, isTimeZone } from '../../lambdas/domain/recurring/schedule-expression';
import { validateRequest } from '../../lambdas/domain/sinch/validation';
import fc from 'fast-check';

type Json = Record<string, unknown>;

const ROOT = join(import.meta.dirname, '..', '..');
const doc = buildOpenApiDocument();
const codes = Object.keys(ERRORS) as ErrorCode[];
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function obj(value: unknown, what: string): Json {
  if (!isObject(value)) throw new Error(`${what} is not an object`);
  return value;
}

/** Resolves a local JSON pointer (`#/components/schemas/X`) in the document. */
function resolvePointer(ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`non-local $ref ${ref}`);
  let current: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    if (!isObject(current) && !Array.isArray(current)) return undefined;
    current = Object.hasOwn(current, key) ? (current as Json)[key] : undefined;
  }
  return current;
}

const deref = (value: unknown): Json => {
  const o = obj(value, 'value');
  return typeof o.$ref === 'string' ? obj(resolvePointer(o.$ref), o.$ref) : o;
};

/** Every value in the document with its JSON path. */
function* walk(value: unknown, path = '#'): Generator<[string, unknown]> {
  yield [path, value];
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) yield* walk(item, `${path}/${i}`);
  } else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) yield* walk(item, `${path}/${key}`);
  }
}

interface Operation {
  path: string;
  method: string;
  op: Json;
}

const operations: Operation[] = Object.entries(obj(doc.paths, 'paths')).flatMap(([path, item]) =>
  HTTP_METHODS.filter((m) => Object.hasOwn(obj(item, path), m)).map((method) => ({
    path,
    method,
    op: obj(obj(item, path)[method], `${method} ${path}`),
  })),
);

describe('the OpenAPI document is valid OpenAPI 3.1 (structure)', () => {
  it('has openapi 3.1.x, info, paths and components', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    const info = obj(doc.info, 'info');
    expect(typeof info.title).toBe('string');
    expect(typeof info.version).toBe('string');
    expect(Object.keys(obj(doc.paths, 'paths')).length).toBeGreaterThan(0);
    expect(isObject(doc.components)).toBe(true);
    for (const path of Object.keys(obj(doc.paths, 'paths'))) expect(path).toMatch(/^\//);
  });

  it('resolves every $ref, all local', () => {
    const refs = [...walk(doc)].filter(([path]) => path.endsWith('/$ref'));
    expect(refs.length).toBeGreaterThan(20);
    for (const [path, ref] of refs) {
      expect(typeof ref, path).toBe('string');
      expect(resolvePointer(String(ref)), `${path} → ${String(ref)}`).toBeDefined();
    }
  });

  it('gives every operation a unique operationId, responses with descriptions, and declared path parameters', () => {
    const ids = operations.map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, method, op } of operations) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(typeof op.operationId, where).toBe('string');
      const responses = obj(op.responses, `${where} responses`);
      expect(Object.keys(responses).length, where).toBeGreaterThan(0);
      for (const [status, response] of Object.entries(responses)) {
        expect(status, where).toMatch(/^[1-5][0-9]{2}$/);
        const resolved = deref(response);
        expect(typeof resolved.description, `${where} ${status}`).toBe('string');
        for (const media of Object.values(obj(resolved.content ?? {}, 'content'))) {
          expect(isObject(obj(media, 'media').schema), `${where} ${status} schema`).toBe(true);
        }
        for (const header of Object.values(obj(resolved.headers ?? {}, 'headers'))) {
          expect(isObject(deref(header).schema), `${where} ${status} header`).toBe(true);
        }
      }
      const params = ((op.parameters ?? []) as unknown[]).map(deref);
      for (const p of params) {
        expect(['query', 'header', 'path', 'cookie']).toContain(p.in);
        expect(typeof p.name).toBe('string');
        expect(isObject(p.schema)).toBe(true);
        if (p.in === 'path') expect(p.required).toBe(true);
      }
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const declared = params.filter((p) => p.in === 'path').map((p) => p.name);
      expect(declared.sort(), where).toEqual(templated.sort());
    }
  });

  it('uses only declared security schemes; x-api-key everywhere but the document itself', () => {
    const schemes = obj(obj(doc.components, 'components').securitySchemes, 'securitySchemes');
    expect(schemes.apiKey).toEqual(
      expect.objectContaining({ type: 'apiKey', in: 'header', name: 'x-api-key' }),
    );
    const requirements = [doc.security, ...operations.map((o) => o.op.security)].filter(Array.isArray);
    for (const requirement of requirements.flat()) {
      for (const name of Object.keys(obj(requirement, 'security requirement')))
        expect(schemes).toHaveProperty(name);
    }
    expect(doc.security).toEqual([{ apiKey: [] }]);
    for (const { path, op } of operations) {
      if (path === '/v2/openapi.json') expect(op.security).toEqual([]);
      else expect(op.security).toBeUndefined();
    }
  });

  it('has no stray JSON Schema document keywords, and required fields are declared properties', () => {
    for (const [path, value] of walk(obj(doc.components, 'components'))) {
      if (!isObject(value)) continue;
      expect(value, path).not.toHaveProperty('$schema');
      expect(value, path).not.toHaveProperty('$id');
      if (Array.isArray(value.required) && isObject(value.properties)) {
        for (const field of value.required as string[])
          expect(value.properties, path).toHaveProperty([field]);
      }
    }
  });

  it('is plain JSON, memoised and frozen', () => {
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
    expect(buildOpenApiDocument()).toBe(doc);
    expect(Object.isFrozen(doc)).toBe(true);
    expect(Object.isFrozen(obj(doc.paths, 'paths'))).toBe(true);
  });
});

describe('docs/openapi.json', () => {
  it('is the document the code builds (run `npm run openapi` after changing the API)', () => {
    const file: unknown = JSON.parse(readFileSync(join(ROOT, 'docs', 'openapi.json'), 'utf8'));
    expect(file).toEqual(JSON.parse(JSON.stringify(doc)));
  });
});

describe('error codes', () => {
  const errorCode = obj(obj(obj(doc.components, 'components').schemas, 'schemas').ErrorCode, 'ErrorCode');

  it('lists every code of ERRORS in x-error-codes with its HTTP status and source', () => {
    const listed = obj(doc['x-error-codes'], 'x-error-codes');
    expect(Object.keys(listed).sort()).toEqual([...codes].sort());
    for (const code of codes) {
      expect(listed[code]).toEqual({
        httpStatus: ERRORS[code].httpStatus,
        source: ERRORS[code].source,
        message: ERRORS[code].message,
      });
    }
  });

  it('is the enum of the failure `error-code`, each described with its HTTP status', () => {
    expect(errorCode.enum).toEqual(codes);
    for (const code of codes) {
      expect(String(errorCode.description)).toContain(`\`${code}\` (HTTP ${ERRORS[code].httpStatus}`);
    }
  });

  it('each failure response carries only codes of its status (and E104 on 403: a revoked team)', () => {
    const responses = obj(obj(doc.components, 'components').responses, 'responses');
    for (const { path, method, op } of operations) {
      for (const [status, response] of Object.entries(obj(op.responses, 'responses'))) {
        if (Number(status) < 400) continue;
        const resolved = deref(response);
        expect(Object.values(responses), `${method} ${path} ${status}`).toContain(resolved);
        const listed = resolved['x-error-codes'] as ErrorCode[];
        expect(listed.length).toBeGreaterThan(0);
        expect(listed).toEqual(errorCodesFor(Number(status)));
        for (const code of listed) {
          if (!(status === '403' && code === 'E104')) expect(ERRORS[code].httpStatus).toBe(Number(status));
        }
      }
    }
  });

  it('puts Retry-After on 409, 429 and 503', () => {
    for (const name of ['Conflict', 'TooManyRequests', 'ServiceUnavailable']) {
      const response = obj(obj(obj(doc.components, 'components').responses, 'responses')[name], name);
      expect(obj(response.headers, `${name} headers`)).toHaveProperty(['Retry-After']);
    }
  });
});

describe('routes', () => {
  /** The routes the local runtime serves (the gateway API, not the postback API), built from the route table. */
  const runtimeRoutes = (() => {
    const stub = () => Promise.resolve({ statusCode: 200, body: '' });
    return localRoutes({
      ingest: stub,
      query: stub,
      manage: stub,
      schedules: stub,
      suppressions: stub,
      team: stub,
    }).map((r) => ({
      method: r.method.toLowerCase(),
      resource: r.resource,
      open: r.authorize === false,
    }));
  })();
  // API Gateway serves /v2 and /v2/ as one resource: the document names it /v2/ (Sinch's URL).
  const normalise = (resource: string) => (resource.length > 1 ? resource.replace(/\/$/, '') : resource);
  const key = (method: string, resource: string) => `${method} ${normalise(resource)}`;

  it('reads the routes of the local runtime', () => {
    expect(runtimeRoutes.length).toBeGreaterThanOrEqual(4);
  });

  it('documents every route of the local runtime, and no other', () => {
    const documented = new Set(operations.map((o) => key(o.method, o.path)));
    const served = new Set(runtimeRoutes.map((r) => key(r.method, r.resource)));
    expect([...served].sort()).toEqual([...documented].sort());
  });

  it('documents the routes the runtime serves without authorization, and only those, as needing none', () => {
    const open = runtimeRoutes.filter((r) => r.open).map((r) => key(r.method, r.resource));
    expect(open).toEqual(['get /v2/openapi.json']);
    for (const { method, path, op } of operations) {
      expect(open.includes(key(method, path)), `${method} ${path}`).toBe(Array.isArray(op.security));
    }
  });
});

describe('request schemas agree with the domain', () => {
  const schemas = obj(obj(doc.components, 'components').schemas, 'schemas');

  it('is a oneOf of the three actions with a discriminator on action', () => {
    const request = obj(schemas.MmsRequest, 'MmsRequest');
    const discriminator = obj(request.discriminator, 'discriminator');
    expect(discriminator.propertyName).toBe('action');
    const mapping = obj(discriminator.mapping, 'mapping');
    expect(Object.keys(mapping).sort()).toEqual([...ACTIONS].sort());
    expect((request.oneOf as Json[]).map((r) => r.$ref).sort()).toEqual(Object.values(mapping).sort());
    for (const action of ACTIONS) {
      const branch = obj(resolvePointer(String(mapping[action])), action);
      expect(obj(branch.properties, 'properties').action).toMatchObject({ type: 'string', const: action });
      expect(branch.required).toContain('action');
      expect(branch.additionalProperties).toBe(false);
    }
  });

  it(`documents the group send: to as an array of ${MIN_GROUP_SIZE} to ${MAX_GROUP_SIZE} distinct numbers`, () => {
    for (const id of ['SendMmsRequest', 'SendSavedMmsRequest']) {
      const to = obj(obj(obj(schemas[id], id).properties, 'properties').to, 'to');
      const branches = to.anyOf as Json[];
      expect(branches.map((b) => b.type).sort()).toEqual(['array', 'string']);
      expect(branches.find((b) => b.type === 'array')).toMatchObject({
        minItems: MIN_GROUP_SIZE,
        maxItems: MAX_GROUP_SIZE,
        uniqueItems: true,
      });
    }
  });

  it('number patterns are phone.ts rules', () => {
    const international = new RegExp(INTERNATIONAL_NUMBER_PATTERN, 'u');
    const sender = new RegExp(SENDER_PATTERN, 'u');
    const samples = fc.oneof(fc.stringMatching(/^[0-9+]{0,17}$/), fc.string({ maxLength: 17 }));
    fc.assert(
      fc.property(samples, (s) => {
        expect(international.test(s)).toBe(isInternationalNumber(s));
        expect(sender.test(s)).toBe(isShortCode(s) || isInternationalNumber(s));
      }),
      { numRuns: 2000 },
    );
  });

  it('the from-mask pattern is the E115 rule', () => {
    const pattern = new RegExp(FROM_MASK_PATTERN, 'u');
    const request = (mask: string) => ({
      action: 'sendmms',
      to: '17745559144',
      from: '28444',
      'from-mask': mask,
      'fallback-sms-text': 'x',
      slide: [{ 'message-text': 'Hello' }],
    });
    const e115 = (mask: string) => {
      const result = validateRequest(request(mask), { now: new Date(), requireServiceId: false });
      return !result.ok && result.violations.some((v) => v.code === 'E115');
    };
    fc.assert(
      fc.property(
        fc.oneof(fc.stringMatching(/^[A-Za-z0-9_\- .]{0,14}$/), fc.string({ maxLength: 14 })),
        (mask) => {
          expect(pattern.test(mask)).toBe(!e115(mask));
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('recurring-send schemas agree with the domain', () => {
  const schemas = obj(obj(doc.components, 'components').schemas, 'schemas');
  const request = obj(schemas.ScheduleRequest, 'ScheduleRequest');
  const property = (name: string) => obj(obj(request.properties, 'properties')[name], name);

  it('has the limits of recurring.ts and schedule-expression.ts', () => {
    expect(request.required).toEqual(['schedule', 'recipients', 'message']);
    expect(request.additionalProperties).toBe(false);
    expect(property('name')).toMatchObject({ minLength: 1, maxLength: SCHEDULE_NAME_MAX });
    expect(property('schedule')).toMatchObject({ maxLength: MAX_EXPRESSION_LENGTH });
    expect(property('timezone')).toMatchObject({ default: 'UTC' });
    expect(property('recipients')).toMatchObject({
      minItems: 1,
      maxItems: MAX_RECIPIENTS,
      uniqueItems: true,
      items: { type: 'string', pattern: INTERNATIONAL_NUMBER_PATTERN },
    });
    expect(property('message')).toEqual({ $ref: '#/components/schemas/ScheduleMessage' });
  });

  it('takes as message a sendmms or sendsavedmms body without to, send-at and the fixed-time fields', () => {
    // validity-period: recurring messages are checked at creation without the send extensions.
    const dropped = [
      'to',
      'send-at',
      'mms-expiry-timestamp',
      'fallback-sms-link-expiration',
      'validity-period',
    ];
    for (const [id, send] of [
      ['ScheduleSendMms', 'SendMmsRequest'],
      ['ScheduleSendSavedMms', 'SendSavedMmsRequest'],
    ] as const) {
      const message = obj(schemas[id], id);
      const sendSchema = obj(schemas[send], send);
      expect(Object.keys(obj(message.properties, id)).sort()).toEqual(
        Object.keys(obj(sendSchema.properties, send))
          .filter((f) => !dropped.includes(f))
          .sort(),
      );
      expect(message.required).toEqual((sendSchema.required as string[]).filter((f) => f !== 'to'));
      expect(message.additionalProperties).toBe(false);
    }
    const oneOf = obj(schemas.ScheduleMessage, 'ScheduleMessage').oneOf as Json[];
    expect(oneOf.map((r) => r.$ref)).toEqual([
      '#/components/schemas/ScheduleSendMms',
      '#/components/schemas/ScheduleSendSavedMms',
    ]);
  });

  it('the schedule pattern takes the cron and rate expressions the gateway takes, not at()', () => {
    const pattern = new RegExp(String(property('schedule').pattern), 'u');
    const ctx = { now: new Date(), requireServiceId: false, allowedSenders: ['28444'] };
    const definition = (schedule: string) => ({
      schedule,
      recipients: ['17745559144'],
      message: {
        action: 'sendmms',
        from: '28444',
        'fallback-sms-text': 'x',
        slide: [{ 'message-text': 'Hello' }],
      },
    });
    for (const expression of [
      'cron(0 9 ? * MON *)',
      'cron(30 8 1 * ? *)',
      'cron(0 18 ? * 6L *)',
      'rate(1 minute)',
      'rate(12 hours)',
      'rate(1 day)',
      'at(2030-01-01T09:00:00)',
      'cron(0 9 * * MON *)',
      'rate(30 seconds)',
      'every day',
    ]) {
      const accepted = parseScheduleDefinition(definition(expression), ctx).ok;
      if (accepted) expect(pattern.test(expression), expression).toBe(true);
      if (!pattern.test(expression)) expect(accepted, expression).toBe(false);
    }
    expect(pattern.test('at(2030-01-01T09:00:00)')).toBe(false);
  });

  it('the timezone pattern takes every IANA time zone the gateway takes', () => {
    const pattern = new RegExp(String(property('timezone').pattern), 'u');
    const zones = [...Intl.supportedValuesOf('timeZone'), 'UTC', 'US/Eastern', 'Etc/GMT+5'];
    const accepted = zones.filter(isTimeZone);
    expect(accepted.length).toBeGreaterThan(300);
    for (const zone of accepted) expect(pattern.test(zone), zone).toBe(true);
    for (const offset of ['+01:00', 'utc', 'Europe/']) expect(isTimeZone(offset), offset).toBe(false);
  });
});
