/**
 * The consent part of the OpenAPI document: the suppression list routes, the dry-run parameter of POST /v2/ and
 * its answer. Merged into the document by lambdas/domain/openapi.ts.
 */
type Json = Record<string, unknown>;

const json = (schema: Json) => ({ 'application/json': { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
/** The document's failure responses for these statuses (lambdas/domain/openapi.ts). */
type Failures = (...statuses: number[]) => Record<string, Json>;

const NUMBER_PARAMETER = {
  name: 'number',
  in: 'path',
  required: true,
  description: 'The recipient, in international format (digits only, e.g. 17745559144).',
  schema: { type: 'string', pattern: '^[1-9][0-9]{7,14}$' },
};
const SENDER_QUERY = {
  name: 'sender',
  in: 'query',
  required: false,
  description: 'One of your team’s senders (E111 otherwise).',
  schema: { type: 'string' },
};

/** `?dry-run=true` on POST /v2/. */
export const DRY_RUN_PARAMETER = {
  name: 'dry-run',
  in: 'query',
  required: false,
  description:
    'true: decide everything (validation, senders, suppression list, quota without using it, template, ' +
    'send time, quiet hours) and answer 200 with what would be queued (DryRunAnswer) or the failure the ' +
    'real request would get, with its status in `http-status`. Nothing is recorded, counted, queued or sent; ' +
    'the Idempotency-Key is not used.',
  schema: { type: 'string', enum: ['true', 'false', '1', '0'] },
};

export function consentSchemas(): Record<string, Json> {
  return {
    Suppression: {
      type: 'object',
      required: ['number', 'scope', 'reason', 'source', 'created-at'],
      properties: {
        number: { type: 'string' },
        scope: {
          type: 'string',
          enum: ['sender', 'team'],
          description:
            '`sender`: only `sender` may not send to the number; `team`: no sender of the team may.',
        },
        sender: { type: 'string', description: 'With scope `sender`.' },
        reason: {
          type: 'string',
          enum: ['keyword', 'E114', 'manual'],
          description:
            '`keyword`: the recipient wrote STOP (or STOPALL); `E114`: Sinch refused the number as blacklisted; `manual`: added by your team or an operator.',
        },
        source: {
          type: 'string',
          description: '`mo:<Sinch tracking-id>`, `message:<tracking-id>`, `api` or `csv`.',
        },
        'created-at': { type: 'string', format: 'date-time' },
      },
      additionalProperties: false,
    },
    SuppressionList: {
      type: 'object',
      required: ['status', 'suppressions'],
      properties: {
        status: { const: 'success' },
        suppressions: { type: 'array', items: ref('Suppression') },
        cursor: { type: 'string', description: 'Present when there are more: pass it as `cursor`.' },
      },
      additionalProperties: false,
    },
    SuppressionPut: {
      type: 'object',
      properties: {
        sender: { type: 'string', description: 'One of your senders; leave out for a team-wide entry.' },
        reason: { type: 'string', enum: ['keyword', 'E114', 'manual'], default: 'manual' },
      },
      additionalProperties: false,
    },
    SuppressionAnswer: {
      type: 'object',
      required: ['status', 'suppression'],
      properties: { status: { const: 'success' }, suppression: ref('Suppression') },
      additionalProperties: false,
    },
    SuppressionRemoved: {
      type: 'object',
      required: ['status', 'removed'],
      properties: { status: { const: 'success' }, removed: { type: 'array', items: ref('Suppression') } },
      additionalProperties: false,
    },
    DryRunAnswer: {
      type: 'object',
      required: ['status', 'dry-run', 'http-status'],
      description:
        'A dry run’s answer: `status` success with what would be queued, or failure with the body the real ' +
        'request would get (`error-code`, `error-info`, `errors`).',
      properties: {
        status: { enum: ['success', 'failure'] },
        'dry-run': { const: true },
        'http-status': { type: 'integer', description: 'The status the real request would get.' },
        'status-details': { type: 'string' },
        state: { enum: ['queued', 'scheduled', 'submitting'] },
        'send-at': { type: 'string', format: 'date-time' },
        messages: {
          type: 'array',
          items: {
            type: 'object',
            required: ['to', 'from', 'action', 'send-at'],
            properties: {
              to: { type: 'string' },
              from: { type: 'string' },
              action: { enum: ['sendmms', 'sendsavedmms'] },
              'mms-id': { type: 'string', description: 'Sinch’s mms-id the template resolves to.' },
              'service-id': { type: 'string' },
              'send-at': { type: 'string', format: 'date-time' },
            },
            additionalProperties: false,
          },
        },
        template: {
          type: 'object',
          properties: { name: { type: 'string' }, slides: { type: 'integer' } },
        },
        'error-code': { type: 'string' },
        'error-info': { type: 'string' },
        errors: { type: 'array', items: { type: 'object' } },
        'retry-after': { type: 'integer' },
      },
      additionalProperties: false,
    },
  };
}

export function consentPaths(failures: Failures): Record<string, Json> {
  return {
    '/v2/suppressions': {
      get: {
        operationId: 'listSuppressions',
        tags: ['consent'],
        summary: 'Your team’s suppression list (recipients who may not be sent to), paged',
        parameters: [
          { ...SENDER_QUERY, description: 'Only the entries of this sender (and team-wide ones).' },
          {
            name: 'limit',
            in: 'query',
            required: false,
            schema: { type: 'integer', minimum: 1, maximum: 100, default: 50 },
          },
          { name: 'cursor', in: 'query', required: false, schema: { type: 'string' } },
        ],
        responses: {
          '200': { description: 'One page of entries.', content: json(ref('SuppressionList')) },
          ...failures(400, 401, 403, 429, 500),
        },
      },
    },
    '/v2/suppressions/{number}': {
      put: {
        operationId: 'putSuppression',
        tags: ['consent'],
        summary: 'Suppress a recipient for one of your senders, or team-wide',
        parameters: [NUMBER_PARAMETER],
        requestBody: { required: false, content: json(ref('SuppressionPut')) },
        responses: {
          '200': { description: 'The entry, added or replaced.', content: json(ref('SuppressionAnswer')) },
          ...failures(400, 401, 403, 429, 500),
        },
      },
      delete: {
        operationId: 'deleteSuppression',
        tags: ['consent'],
        summary: 'Allow sends to a recipient again (every entry of the number, or only `sender`’s)',
        parameters: [NUMBER_PARAMETER, SENDER_QUERY],
        responses: {
          '200': { description: 'The entries removed.', content: json(ref('SuppressionRemoved')) },
          ...failures(400, 401, 403, 404, 429, 500),
        },
      },
    },
  };
}
