/** The team API's part of the OpenAPI document (lambdas/domain/openapi.ts merges it in). */
import { DELIVERY_LOG_SIZE } from '../webhooks/delivery-log';
import { MAX_USAGE_DAYS, USAGE_KINDS } from './usage';

type Json = Record<string, unknown>;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json) => ({ 'application/json': { schema } });
const str = (description: string) => ({ type: 'string', description });
const dateTime = (description: string) => ({ type: 'string', format: 'date-time', description });
const int = (description: string) => ({ type: 'integer', minimum: 0, description });
const nullable = (schema: Json) => ({ anyOf: [schema, { type: 'null' }] });

const usageCounts = Object.fromEntries(USAGE_KINDS.map((k) => [k, int(`Messages ${k} that day.`)]));

export function teamSchemas(): Record<string, Json> {
  return {
    QuietHours: {
      type: 'object',
      description: 'No message goes out between start and end, local time of time-zone.',
      properties: {
        'time-zone': str('IANA time zone, e.g. America/New_York.'),
        start: { type: 'string', pattern: '^[0-2][0-9]:[0-5][0-9]$' },
        end: { type: 'string', pattern: '^[0-2][0-9]:[0-5][0-9]$' },
      },
      required: ['time-zone', 'start', 'end'],
      additionalProperties: false,
    },
    WebhookView: {
      type: 'object',
      description:
        'The team webhook. `secret` only in the answer that creates the webhook or rotates its secret.',
      properties: {
        url: { type: 'string', format: 'uri' },
        rotating: { type: 'boolean', description: 'Two secrets sign while a rotation lasts.' },
        'previous-secret-expires-at': dateTime('When the previous secret stops signing.'),
        'signing-secrets': int('How many secrets sign each delivery (1, or 2 during a rotation).'),
        'updated-at': dateTime('Last change.'),
        secret: { type: 'string', pattern: '^whsec_', description: 'The signing secret, shown once.' },
      },
      required: ['url', 'rotating', 'signing-secrets', 'updated-at'],
      additionalProperties: false,
    },
    UsageDay: {
      type: 'object',
      properties: {
        day: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'The UTC day.' },
        ...usageCounts,
        'estimated-cost': { type: 'number', minimum: 0 },
      },
      required: ['day', ...USAGE_KINDS, 'estimated-cost'],
      additionalProperties: false,
    },
    TeamView: {
      type: 'object',
      properties: {
        team: str('Your team id.'),
        'allowed-senders': { type: 'array', items: { type: 'string' } },
        limits: {
          type: 'object',
          properties: { 'per-second': int('Messages per second.'), 'per-day': int('Messages per UTC day.') },
          required: ['per-second', 'per-day'],
          additionalProperties: false,
        },
        'quiet-hours': nullable(ref('QuietHours')),
        'retention-days': int('How long messages and their history are kept.'),
        webhook: nullable(ref('WebhookView')),
        'usage-today': ref('UsageDay'),
      },
      required: [
        'team',
        'allowed-senders',
        'limits',
        'quiet-hours',
        'retention-days',
        'webhook',
        'usage-today',
      ],
      additionalProperties: false,
    },
    WebhookTestResult: {
      type: 'object',
      properties: {
        'event-id': str('The ping event id (`ping_…`), also in `webhook-id`.'),
        url: { type: 'string', format: 'uri' },
        delivered: { type: 'boolean', description: 'The receiver answered 2xx.' },
        status: int('The HTTP status of the answer.'),
        answer: { type: 'string', maxLength: 1024, description: 'The first kilobyte of the answer body.' },
        'latency-ms': int('From sending to the end of the answer.'),
        error: str('Why the delivery failed (`timeout`, `ECONNREFUSED`, `HTTP 500`, ...).'),
      },
      required: ['event-id', 'url', 'delivered', 'latency-ms'],
      additionalProperties: false,
    },
    DeliveryAttempt: {
      type: 'object',
      properties: {
        at: dateTime('When the attempt ended.'),
        event: str('The event type: mms.status-changed, mms.webhook-test, ...'),
        'event-id': { type: 'string' },
        'tracking-id': { type: 'string' },
        attempt: int('1 for the first attempt of this event.'),
        outcome: { type: 'string', enum: ['delivered', 'failed'] },
        status: int('The HTTP status, when the receiver answered.'),
        'latency-ms': int('Duration of the attempt.'),
        error: { type: 'string' },
      },
      required: ['at', 'event', 'event-id', 'attempt', 'outcome', 'latency-ms'],
      additionalProperties: false,
    },
    UsageReport: {
      type: 'object',
      properties: {
        team: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        currency: { type: 'string', pattern: '^[A-Z]{3}$' },
        prices: {
          type: 'object',
          description: 'Per message billed as MMS (submitted, not delivered as SMS) and as SMS.',
          properties: { mms: { type: 'number', minimum: 0 }, sms: { type: 'number', minimum: 0 } },
          required: ['mms', 'sms'],
          additionalProperties: false,
        },
        days: { type: 'array', items: ref('UsageDay') },
        total: {
          type: 'object',
          properties: { ...usageCounts, 'estimated-cost': { type: 'number', minimum: 0 } },
          required: [...USAGE_KINDS, 'estimated-cost'],
          additionalProperties: false,
        },
      },
      required: ['team', 'since', 'until', 'currency', 'prices', 'days', 'total'],
      additionalProperties: false,
    },
  };
}

/** The team API's paths; `failures(…statuses)` gives the shared failure responses. */
export function teamPaths(failures: (...statuses: number[]) => Record<string, Json>): Record<string, Json> {
  const ok = (description: string, schema: Json) => ({ '200': { description, content: json(schema) } });
  const op = (operationId: string, summary: string, responses: Json, extra: Json = {}) => ({
    operationId,
    tags: ['team'],
    summary,
    ...extra,
    responses,
  });
  const body = (schema: Json) => ({ requestBody: { required: true, content: json(schema) } });
  return {
    '/v2/team': {
      get: op(
        'getTeam',
        'Your team: senders, limits, quiet hours, retention, webhook (never a secret) and usage today',
        { ...ok('Your team.', ref('TeamView')), ...failures(401, 403, 500) },
      ),
    },
    '/v2/team/webhook': {
      put: op(
        'setWebhook',
        'Set the webhook URL; a new webhook answers 201 with its signing secret, shown once',
        {
          ...ok('The URL changed; the secrets are kept.', ref('WebhookView')),
          '201': { description: 'A new webhook, with `secret`.', content: json(ref('WebhookView')) },
          ...failures(400, 401, 403, 500),
        },
        body({
          type: 'object',
          properties: { url: { type: 'string', format: 'uri', maxLength: 2048 } },
          required: ['url'],
          additionalProperties: false,
        }),
      ),
      delete: op('deleteWebhook', 'Remove the webhook: no more deliveries', {
        ...ok('Removed.', {
          type: 'object',
          properties: { webhook: { type: 'null' } },
          required: ['webhook'],
          additionalProperties: false,
        }),
        ...failures(401, 403, 404, 500),
      }),
    },
    '/v2/team/webhook/rotate-secret': {
      post: op(
        'rotateWebhookSecret',
        'A new signing secret, shown once; the previous one keeps signing for 24 hours',
        { ...ok('The webhook, with the new `secret`.', ref('WebhookView')), ...failures(401, 403, 404, 500) },
      ),
    },
    '/v2/team/webhook/test': {
      post: op(
        'testWebhook',
        'Send a signed `mms.webhook-test` ping now; the receiver’s status, latency and first kilobyte',
        { ...ok('What the receiver did.', ref('WebhookTestResult')), ...failures(401, 403, 404, 500) },
      ),
    },
    '/v2/team/webhook/deliveries': {
      get: op(
        'listWebhookDeliveries',
        'Recent delivery attempts (status events and pings), newest first',
        {
          ...ok('The attempts.', {
            type: 'object',
            properties: { deliveries: { type: 'array', items: ref('DeliveryAttempt') } },
            required: ['deliveries'],
            additionalProperties: false,
          }),
          ...failures(400, 401, 403, 500),
        },
        {
          parameters: [
            {
              name: 'limit',
              in: 'query',
              required: false,
              description: `1 to ${DELIVERY_LOG_SIZE} (default 25).`,
              schema: { type: 'integer', minimum: 1, maximum: DELIVERY_LOG_SIZE },
            },
          ],
        },
      ),
    },
    '/v2/team/quiet-hours': {
      put: op(
        'setQuietHours',
        'Set your quiet hours, or remove them with a `null` body',
        {
          ...ok('The quiet hours now.', {
            type: 'object',
            properties: { 'quiet-hours': nullable(ref('QuietHours')) },
            required: ['quiet-hours'],
            additionalProperties: false,
          }),
          ...failures(400, 401, 403, 500),
        },
        body(nullable(ref('QuietHours'))),
      ),
    },
    '/v2/team/keys/rotate': {
      post: op(
        'rotateApiKey',
        'A new API key, shown once; the key you call with keeps working for the grace period (default 24 h)',
        {
          ...ok('The new key.', {
            type: 'object',
            properties: {
              'api-key': { type: 'string', pattern: '^mgw_' },
              'previous-key-expires-at': dateTime('When the key you called with stops working.'),
            },
            required: ['api-key', 'previous-key-expires-at'],
            additionalProperties: false,
          }),
          ...failures(401, 403, 500),
        },
      ),
    },
    '/v2/usage': {
      get: op(
        'getUsage',
        'Usage per UTC day by state, with an estimated cost',
        { ...ok('Usage per day.', ref('UsageReport')), ...failures(400, 401, 403, 500) },
        {
          parameters: ['since', 'until'].map((name) => ({
            name,
            in: 'query',
            required: false,
            description: `First (since) or last (until) UTC day, YYYY-MM-DD; default the last 7 days; at most ${MAX_USAGE_DAYS} days.`,
            schema: { type: 'string' },
          })),
        },
      ),
    },
  };
}
