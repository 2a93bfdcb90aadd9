/**
 * The OpenAPI 3.1 document of the public API (docs/architecture.md), built from the code it describes: the request
 * bodies come from the zod schemas of mms.ts (with the limits of mms.ts and phone.ts added as JSON Schema
 * keywords), every error code and its HTTP status from ERRORS, the answers from accept.ts and lookup.ts.
 *
 * Pure: no I/O. `npm run openapi` writes it to docs/openapi.json; GET /v2/openapi.json serves it; the tests
 * check the file is current and every documented route and status against the running local gateway.
 */
import * as z from '../../lambdas/domain/zod';
import { INGEST_ROUTES } from '../../definitions/routes';
import {
  ACCEPTED_DETAILS,
  IDEMPOTENCY_KEY_MAX,
  TEMPLATE_ACCEPTED_DETAILS,
} from '../../lambdas/domain/messages/accept';
import { ERRORS, type ErrorCode } from '../../lambdas/domain/sinch/error-codes';
import {
  ACTIONS,
  MAX_CLIENT_REFERENCE_LENGTH,
  MAX_FROM_MASK_LENGTH,
  MAX_GROUP_SIZE,
  MAX_SLIDES,
  MAX_SUBJECT_LENGTH,
  MAX_TEXT_LENGTH,
  MIN_GROUP_SIZE,
  SCHEMAS,
  contentSchema,
  customSlideSchema,
  slideSchema,
  type Action,
} from '../../lambdas/domain/sinch/mms';
import {
  MAX_RECIPIENTS,
  MAX_SCHEDULES_PER_TEAM,
  SCHEDULE_ID_PREFIX,
  SCHEDULE_NAME_MAX,
} from '../../lambdas/domain/recurring/recurring';
import { MAX_EXPRESSION_LENGTH } from '../../lambdas/domain/recurring/schedule-expression';
import { MESSAGE_STATES } from '../../lambdas/domain/messages/state-machine';
import { teamPaths, teamSchemas } from '../../lambdas/domain/teams/openapi-team';
import { consentPaths, consentSchemas, DRY_RUN_PARAMETER } from '../../lambdas/domain/consent/openapi';

type Json = Record<string, unknown>;

export const OPENAPI_VERSION = '3.1.1';

/** Mirrors of phone.ts's rules, as JSON Schema patterns (a unit test checks them against phone.ts). */
export const INTERNATIONAL_NUMBER_PATTERN = '^[1-9][0-9]{7,14}$';
export const SENDER_PATTERN = '^(?:[0-9]{5,6}|[1-9][0-9]{7,14})$';
export const FROM_MASK_PATTERN = `^[A-Za-z0-9_-]{1,${MAX_FROM_MASK_LENGTH}}$`;

const schemaRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const responseRef = (name: string) => ({ $ref: `#/components/responses/${name}` });
const jsonContent = (schema: Json, examples?: Record<string, { summary: string; value: unknown }>) => ({
  'application/json': { schema, ...(examples ? { examples } : {}) },
});

const REQUEST_SCHEMA_IDS: Record<Action, string> = {
  sendmms: 'SendMmsRequest',
  savemms: 'SaveMmsRequest',
  sendsavedmms: 'SendSavedMmsRequest',
};

const FIELD_DESCRIPTIONS: Record<string, string> = {
  action:
    'The operation: `sendmms` sends an MMS, `savemms` saves a template, `sendsavedmms` sends a template.',
  'service-id': 'Sinch service id. Optional when the gateway is deployed with a default service id.',
  to:
    'Recipient: an international number (country code first, digits only, no `+` or dialling prefix). ' +
    `Gateway extension: an array of ${MIN_GROUP_SIZE} to ${MAX_GROUP_SIZE} distinct numbers is a group send, ` +
    'fanned out as one message per recipient with the other members in `to-displayonly` (the provider’s group ' +
    'pattern); the answer then lists one tracking-id per recipient under a `group-id`.',
  'to-displayonly':
    'Comma-separated international numbers shown to the recipient as the other participants of a group MMS. ' +
    'Must not repeat `to`; an empty string means none.',
  from:
    'Sender: a short code (5 or 6 digits) or an international number; must be one of the sender numbers ' +
    'allowed for your team (E111 otherwise).',
  'from-mask': `Alphanumeric sender shown where carriers allow it: 1 to ${MAX_FROM_MASK_LENGTH} characters among A-Z a-z 0-9 _ - (E115).`,
  'mms-expiry-timestamp':
    'When delivery attempts stop: an ISO 8601 date-time with a time zone (Z or ±hh:mm), in the future, ' +
    'at most 3 days ahead (GW-INVALID-MMS-EXPIRY).',
  'message-subject': `Subject of the MMS, at most ${MAX_SUBJECT_LENGTH} characters (E314).`,
  'fallback-sms-text':
    'Text of the fallback SMS sent to handsets that cannot receive MMS. Required on sendmms and savemms ' +
    'unless `disable-fallback-sms` is true (E622).',
  'disable-fallback-sms': 'true: never send a fallback SMS.',
  'disable-fallback-sms-link': 'true: the fallback SMS carries no link to the MMS content.',
  'fallback-sms-link-expiration':
    'When the fallback link expires: an ISO 8601 date-time with a time zone, in the future, at most 1 year ' +
    'ahead (GW-INVALID-LINK-EXPIRATION).',
  'client-reference':
    `Your own reference, at most ${MAX_CLIENT_REFERENCE_LENGTH} characters; ` +
    'find the messages again with GET /v2/messages?client-reference=.',
  'cache-content': 'Let Sinch cache the media of the slides.',
  slide: `1 to ${MAX_SLIDES} slides (E312, E225); each holds text and at most one media or object.`,
  name: 'Name of the template (E311).',
  'mms-id':
    'The saved template to send: the gateway’s `template-id` (`tpl_…`) of the savemms answer, or Sinch’s ' +
    'mms-id. E620 when missing; E241 when not a ready or transcoding template of your team; 409 E626 while ' +
    'it is still being transcoded.',
  'custom-slides': 'Replaces the text of slides of the template for this send.',
};

// ---------------------------------------------------------------------------------------------------------------
// Request bodies: generated from mms.ts

/** The object at `path` inside `root`; throws when the generated schema no longer has that shape. */
function at(root: Json, ...path: (string | number)[]): Json {
  let current: unknown = root;
  for (const key of path) {
    current = typeof current === 'object' && current !== null ? (current as Json)[key] : undefined;
  }
  if (typeof current !== 'object' || current === null) {
    throw new Error(`openapi: the generated schema has nothing at ${path.join('.')}`);
  }
  return current as Json;
}

function requestSchemas(): Record<string, Json> {
  const registry = z.registry<{ id: string }>();
  registry.add(contentSchema, { id: 'Content' });
  registry.add(slideSchema, { id: 'Slide' });
  registry.add(customSlideSchema, { id: 'CustomSlide' });
  for (const action of ACTIONS) registry.add(SCHEMAS[action], { id: REQUEST_SCHEMA_IDS[action] });
  const generated = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io: 'input',
    uri: (id) => `#/components/schemas/${id}`,
  }).schemas;

  const out: Record<string, Json> = {};
  for (const [id, schema] of Object.entries(generated)) {
    // Components of an OpenAPI document take neither their own $schema nor a fragment-only $id.
    const { $schema: _dialect, $id: _id, ...rest } = schema as Json;
    out[id] = rest;
  }

  at(out, 'Content', 'properties', 'url').format = 'uri';
  Object.assign(at(out, 'Content'), {
    description: 'Media or object of a slide: an absolute http:// or https:// URL (GW-INVALID-MEDIA-URL).',
  });
  Object.assign(at(out, 'Slide', 'properties', 'message-text'), {
    maxLength: MAX_TEXT_LENGTH,
    description: `Text of the slide, at most ${MAX_TEXT_LENGTH} characters (E228/E334).`,
  });
  at(out, 'Slide').description =
    'One slide: text and at most one of image, audio, video, contact, calendar, pdf, with Sinch’s mixing ' +
    'rules (E223, E224, E226, E227); never empty (E313).';
  Object.assign(at(out, 'CustomSlide', 'properties', 'custom-slide'), {
    pattern: `^[1-${MAX_SLIDES}]$`,
    description: `Slide number of the template, as a string: "1" to "${MAX_SLIDES}" (GW-INVALID-CUSTOM-SLIDE).`,
  });

  for (const action of ACTIONS) {
    const id = REQUEST_SCHEMA_IDS[action];
    const schema = at(out, id);
    const properties = at(schema, 'properties');
    for (const [field, description] of Object.entries(FIELD_DESCRIPTIONS)) {
      if (Object.hasOwn(properties, field)) at(properties, field).description = description;
    }
    Object.assign(at(properties, 'message-subject'), { maxLength: MAX_SUBJECT_LENGTH });
    Object.assign(at(properties, 'client-reference'), { maxLength: MAX_CLIENT_REFERENCE_LENGTH });
    if (action !== 'sendsavedmms') {
      Object.assign(at(properties, 'slide'), { minItems: 1, maxItems: MAX_SLIDES });
    } else {
      Object.assign(at(properties, 'custom-slides'), { maxItems: MAX_SLIDES, uniqueItems: true });
    }
    if (action !== 'savemms') {
      const [single, group] = [at(properties, 'to', 'anyOf', 0), at(properties, 'to', 'anyOf', 1)];
      Object.assign(single, { pattern: INTERNATIONAL_NUMBER_PATTERN });
      Object.assign(group, { minItems: MIN_GROUP_SIZE, maxItems: MAX_GROUP_SIZE, uniqueItems: true });
      Object.assign(at(group, 'items'), { pattern: INTERNATIONAL_NUMBER_PATTERN });
      Object.assign(at(properties, 'from'), { pattern: SENDER_PATTERN });
      Object.assign(at(properties, 'from-mask'), { pattern: FROM_MASK_PATTERN });
      // Gateway extensions of the send actions (taken out before the Sinch rules run).
      properties['send-at'] = {
        type: 'string',
        format: 'date-time',
        description:
          'Gateway extension: send at this time (ISO 8601 with an offset, 1 minute to 1 year ahead; ' +
          'GW-INVALID-SEND-AT). The message is `scheduled` until then and can be canceled or moved.',
      };
      properties['ignore-quiet-hours'] = {
        type: 'boolean',
        description: 'Gateway extension: send even inside your team’s quiet hours.',
      };
      properties['validity-period'] = {
        type: 'integer',
        minimum: 60,
        maximum: 259_200,
        description:
          'Gateway extension: seconds after the intended send time (send-at, or acceptance) after which a ' +
          'message not yet accepted by Sinch is never sent and ends `expired` with GW-EXPIRED-BEFORE-SEND ' +
          '(default: the team’s, else the deployment’s, 86,400; GW-INVALID-VALIDITY-PERIOD).',
      };
    }
  }
  at(out, 'SendMmsRequest').description = 'Send an MMS (Sinch `sendmms`).';
  at(out, 'SaveMmsRequest').description =
    'Save an MMS template (Sinch `savemms`): answered 202 with a `template-id`; Sinch transcodes it, then ' +
    'sendsavedmms sends it by that id.';
  at(out, 'SendSavedMmsRequest').description = 'Send a saved template (Sinch `sendsavedmms`).';

  out.ScheduleSendMms = scheduleMessageSchema(at(out, 'SendMmsRequest'), 'sendmms');
  out.ScheduleSendSavedMms = scheduleMessageSchema(at(out, 'SendSavedMmsRequest'), 'sendsavedmms');

  out.MmsRequest = {
    description:
      'The Sinch MMS JSON API body, unchanged: code written for Sinch works by changing the URL and key. ' +
      'Unknown fields are refused (GW-UNKNOWN-FIELD); `null` is not absent (GW-INVALID-TYPE).',
    oneOf: ACTIONS.map((action) => schemaRef(REQUEST_SCHEMA_IDS[action])),
    discriminator: {
      propertyName: 'action',
      mapping: Object.fromEntries(
        ACTIONS.map((action) => [action, `#/components/schemas/${REQUEST_SCHEMA_IDS[action]}`]),
      ),
    },
  };
  return out;
}

/**
 * A send body as the message of a recurring send: the same fields and rules, without `to` (the schedule's
 * `recipients` are the recipients), without `send-at` (it goes out at each firing) and without the fields that
 * hold a fixed time (`mms-expiry-timestamp`, `fallback-sms-link-expiration`: later firings would pass it).
 */
function scheduleMessageSchema(send: Json, action: 'sendmms' | 'sendsavedmms'): Json {
  const copy = structuredClone(send);
  const {
    to: _to,
    'send-at': _sendAt,
    'mms-expiry-timestamp': _expiry,
    'fallback-sms-link-expiration': _linkExpiry,
    'validity-period': _validity,
    ...properties
  } = at(copy, 'properties');
  properties['ignore-quiet-hours'] = {
    type: 'boolean',
    description:
      'Gateway extension: send each firing even inside your team’s quiet hours. Without it, the messages of a ' +
      'firing inside them are held (`scheduled`) until the quiet hours end.',
  };
  if (action === 'sendsavedmms') {
    properties['mms-id'] = {
      ...at(properties, 'mms-id'),
      description:
        'The saved template to send at each firing: the `template-id` (`tpl_…`) of the savemms answer, or ' +
        'Sinch’s mms-id. E241 when it is not a ready or transcoding template of your team; one still being ' +
        'transcoded is accepted: a firing that comes before it is ready is retried until it is, and one after ' +
        'it failed has its sends rejected (see `last-firing`).',
    };
  }
  return {
    ...copy,
    properties,
    required: (copy.required as string[]).filter((field) => field !== 'to'),
    description:
      action === 'sendmms'
        ? 'The MMS each firing sends to every recipient (Sinch `sendmms` without `to`).'
        : 'The saved template each firing sends to every recipient (Sinch `sendsavedmms` without `to`).',
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Recurring sends: hand-written from recurring.ts

const SCHEDULE_EXAMPLE_MESSAGE = {
  action: 'sendmms',
  from: '28444',
  'message-subject': 'This week',
  'fallback-sms-text': 'This week’s offers:',
  slide: [{ 'message-text': 'New offers every Monday', image: { url: 'https://example.com/offers.jpg' } }],
};

const SCHEDULE_REQUEST_EXAMPLES = {
  weekly: {
    summary: 'Every Monday at 09:00, Stockholm time',
    value: {
      name: 'Monday offers',
      schedule: 'cron(0 9 ? * MON *)',
      timezone: 'Europe/Stockholm',
      recipients: ['46701234567', '46701234568'],
      message: SCHEDULE_EXAMPLE_MESSAGE,
    },
  },
  daily: {
    summary: 'A saved template every day (from the creation), quiet hours ignored',
    value: {
      schedule: 'rate(1 day)',
      recipients: ['15551234567'],
      message: {
        action: 'sendsavedmms',
        'mms-id': 'tpl_3f1c2b7e9a0d4c6b8e5f1a2b3c4d5e6f',
        from: '28444',
        'ignore-quiet-hours': true,
      },
    },
  },
};

const SCHEDULE_VIEW_EXAMPLE = {
  'schedule-id': `${SCHEDULE_ID_PREFIX}8d1e4f2a6b3c4d5e9f0a1b2c3d4e5f60`,
  name: 'Monday offers',
  schedule: 'cron(0 9 ? * MON *)',
  timezone: 'Europe/Stockholm',
  state: 'enabled',
  recipients: ['46701234567', '46701234568'],
  message: SCHEDULE_EXAMPLE_MESSAGE,
  'next-firing-at': '2026-03-16T08:00:00.000Z',
  firings: 1,
  'last-firing': {
    'scheduled-time': '2026-03-09T08:00:00.000Z',
    'fired-at': '2026-03-09T08:00:01.412Z',
    accepted: 1,
    rejected: 1,
    errors: [{ to: '46701234568', code: 'GW-QUOTA-EXCEEDED', info: ERRORS['GW-QUOTA-EXCEEDED'].message }],
  },
  'created-at': '2026-03-02T10:15:00.000Z',
  'updated-at': '2026-03-02T10:15:00.000Z',
};

const { 'last-firing': _lastFiring, ...SCHEDULE_NEW_EXAMPLE } = {
  ...SCHEDULE_VIEW_EXAMPLE,
  'next-firing-at': '2026-03-09T08:00:00.000Z',
  firings: 0,
};

function scheduleSchemas(): Record<string, Json> {
  const dateTime = (description: string) => ({ type: 'string', format: 'date-time', description });
  const viewProperties: Json = {
    'schedule-id': {
      type: 'string',
      pattern: `^${SCHEDULE_ID_PREFIX}`,
      description: 'The schedule’s id (`sch_…`): the `{id}` of the other /v2/schedules routes.',
      examples: [SCHEDULE_VIEW_EXAMPLE['schedule-id']],
    },
    name: { type: 'string', description: 'Your name for it, when given.' },
    schedule: { type: 'string', description: 'The `cron(…)` or `rate(…)` expression, as given.' },
    timezone: { type: 'string', description: 'The IANA time zone the expression is read in.' },
    state: {
      type: 'string',
      enum: ['enabled', 'paused', 'deleted'],
      description:
        '`enabled`: fires; `paused`: does not fire until resumed; `deleted`: only in the answer of DELETE.',
    },
    recipients: {
      type: 'array',
      items: { type: 'string' },
      description: 'The numbers each firing sends to, in the order given.',
    },
    message: schemaRef('ScheduleMessage'),
    'next-firing-at': dateTime(
      'When an enabled cron schedule fires next. Absent for rate schedules (they count from their creation), ' +
        'paused ones, and cron expressions with no time left.',
    ),
    firings: {
      type: 'integer',
      minimum: 0,
      description: 'Firings recorded so far (a firing is counted once, however often it was delivered).',
    },
    'last-firing': {
      type: 'object',
      description:
        'What the latest firing did. Each accepted send is an ordinary message of your team (GET /v2/messages ' +
        'with its `client-reference`, status webhooks), with the Idempotency-Key ' +
        '`recurring:<schedule-id>:<scheduled-time>:<recipient>`, so a firing delivered twice sends nothing twice.',
      properties: {
        'scheduled-time': dateTime('The occurrence’s planned time.'),
        'fired-at': dateTime('When the gateway finished handing its sends to the queue.'),
        accepted: {
          type: 'integer',
          minimum: 0,
          description: 'Recipients whose send was accepted and queued.',
        },
        rejected: {
          type: 'integer',
          minimum: 0,
          description:
            'Recipients refused for good (a template not ready, an expired timestamp of the message, the ' +
            'daily quota used up): not retried for this firing.',
        },
        errors: {
          type: 'array',
          maxItems: 10,
          description: 'The first rejections (at most 10).',
          items: {
            type: 'object',
            properties: {
              to: { type: 'string' },
              code: schemaRef('ErrorCode'),
              info: { type: 'string' },
            },
            required: ['to', 'code', 'info'],
            additionalProperties: false,
          },
        },
      },
      required: ['scheduled-time', 'fired-at', 'accepted', 'rejected', 'errors'],
      additionalProperties: false,
    },
    'created-at': dateTime('When it was created.'),
    'updated-at': dateTime('When it was created, or last paused or resumed.'),
  };
  const viewRequired = [
    'schedule-id',
    'schedule',
    'timezone',
    'state',
    'recipients',
    'message',
    'firings',
    'created-at',
    'updated-at',
  ];
  return {
    ScheduleMessage: {
      description:
        'What each firing sends, to every recipient: a Sinch sendmms or sendsavedmms body without `to`, with ' +
        'the same rules as POST /v2/ (checked when the schedule is created, and again at each firing). ' +
        '`mms-expiry-timestamp` (at most 3 days ahead) and `fallback-sms-link-expiration` are fixed times, ' +
        'checked again at each firing: a firing they no longer fit has all its sends rejected, so leave them ' +
        'out of a schedule that runs for long.',
      oneOf: [schemaRef('ScheduleSendMms'), schemaRef('ScheduleSendSavedMms')],
      discriminator: {
        propertyName: 'action',
        mapping: {
          sendmms: '#/components/schemas/ScheduleSendMms',
          sendsavedmms: '#/components/schemas/ScheduleSendSavedMms',
        },
      },
    },
    ScheduleRequest: {
      type: 'object',
      description:
        'A recurring send: one message to a list of recipients on a schedule. Every problem is listed in ' +
        '`errors`, with the codes of POST /v2/ for the message (fields under `message.`) and for each ' +
        'recipient (fields under `recipients`). Unknown fields are refused (GW-UNKNOWN-FIELD).',
      properties: {
        name: {
          type: 'string',
          minLength: 1,
          maxLength: SCHEDULE_NAME_MAX,
          description: `Your name for it, 1 to ${SCHEDULE_NAME_MAX} characters (GW-INVALID-TYPE).`,
        },
        schedule: {
          type: 'string',
          maxLength: MAX_EXPRESSION_LENGTH,
          pattern: '^(cron|rate)\\(.*\\)$',
          description:
            'When it fires, as an EventBridge Scheduler expression (GW-INVALID-SCHEDULE, with what is wrong):\n' +
            '- `cron(minutes hours day-of-month month day-of-week year)`, read in `timezone`: e.g. ' +
            '`cron(0 9 ? * MON-FRI *)` at 09:00 on weekdays, `cron(30 8 1 * ? *)` at 08:30 on the 1st of each ' +
            'month, `cron(0 18 ? * 6L *)` at 18:00 on the last Friday of the month. Exactly one of day-of-month ' +
            'and day-of-week is `?`; day-of-week 1 is Sunday (or SUN-SAT). A time skipped by a daylight-saving ' +
            'change does not fire that day; a time that occurs twice fires once.\n' +
            '- `rate(value unit)`: `minute`/`hour`/`day` with 1, `minutes`/`hours`/`days` above, counted from ' +
            'the creation, e.g. `rate(1 day)`, `rate(12 hours)`; at least `rate(1 minute)`.\n' +
            'One-time sends use `send-at` on POST /v2/ instead (`at(…)` is refused here).',
          examples: ['cron(0 9 ? * MON *)', 'rate(1 day)'],
        },
        timezone: {
          type: 'string',
          default: 'UTC',
          pattern: '^[A-Z][A-Za-z0-9_+-]*(/[A-Z][A-Za-z0-9_+-]*)*$',
          description:
            'The IANA time zone a cron expression is read in, e.g. `Europe/Stockholm` (GW-INVALID-SCHEDULE); ' +
            'not a UTC offset. Default UTC.',
          examples: ['Europe/Stockholm'],
        },
        recipients: {
          type: 'array',
          minItems: 1,
          maxItems: MAX_RECIPIENTS,
          uniqueItems: true,
          items: { type: 'string', pattern: INTERNATIONAL_NUMBER_PATTERN },
          description:
            `1 to ${MAX_RECIPIENTS} distinct international numbers (GW-INVALID-RECIPIENTS; E110 for a number): ` +
            'each firing sends the message to each of them, as one message per recipient, within your team’s ' +
            'rate and daily quota.',
        },
        message: schemaRef('ScheduleMessage'),
      },
      required: ['schedule', 'recipients', 'message'],
      additionalProperties: false,
    },
    ScheduleView: {
      type: 'object',
      description: 'A recurring send of your team.',
      properties: viewProperties,
      required: viewRequired,
      additionalProperties: false,
    },
    ScheduleCreated: {
      type: 'object',
      description: 'The recurring send, created (or the one this Idempotency-Key created before).',
      properties: { status: { const: 'success' }, ...viewProperties },
      required: ['status', ...viewRequired],
      additionalProperties: false,
    },
    ScheduleList: {
      type: 'object',
      description: 'Your team’s recurring sends, newest first.',
      properties: { schedules: { type: 'array', items: schemaRef('ScheduleView') } },
      required: ['schedules'],
      additionalProperties: false,
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Answers: hand-written from accept.ts, errors.ts and lookup.ts

const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];

/** Codes a response of `status` carries: those of that status in ERRORS, and E104 on 403 (a revoked team). */
export function errorCodesFor(status: number): ErrorCode[] {
  const codes = ERROR_CODES.filter((code) => ERRORS[code].httpStatus === status);
  return status === 403 ? ['E104', ...codes] : codes;
}

function answerSchemas(): Record<string, Json> {
  const trackingId = {
    type: 'string',
    minLength: 1,
    description: 'The gateway’s message id (opaque); Sinch-style clients read it as `tracking-id`.',
    examples: ['mms_3f1c2b7e9a0d4c6b8e5f1a2b3c4d5e6f'],
  };
  const codeList = ERROR_CODES.map(
    (code) =>
      `- \`${code}\` (HTTP ${ERRORS[code].httpStatus}, ${ERRORS[code].source}): ${ERRORS[code].message}`,
  ).join('\n');
  return {
    TrackingId: trackingId,
    ErrorCode: {
      type: 'string',
      enum: ERROR_CODES,
      description:
        'Sinch codes keep Sinch’s meaning; `GW-` codes are the gateway’s. Each code with the HTTP status the ' +
        'gateway answers it with (E104 is also the code of 403 for a revoked team). Codes only Sinch can detect ' +
        'are not returned by POST /v2/ but relayed as `last-error-code` of the message.\n' +
        codeList,
    },
    AcceptedSingle: {
      type: 'object',
      description: 'One message accepted and queued.',
      properties: {
        status: { const: 'success' },
        'tracking-id': schemaRef('TrackingId'),
        to: { type: 'string', description: 'The recipient.' },
        'status-details': { type: 'string', examples: [ACCEPTED_DETAILS] },
        'send-at': {
          type: 'string',
          format: 'date-time',
          description: 'When a scheduled message goes out (send-at, or the end of your quiet hours).',
        },
      },
      required: ['status', 'tracking-id', 'to', 'status-details'],
      additionalProperties: false,
    },
    AcceptedGroup: {
      type: 'object',
      description: 'A group send accepted: one message per recipient, all queued (gateway extension).',
      properties: {
        status: { const: 'success' },
        'group-id': { ...trackingId, description: 'Id shared by the messages of the group.' },
        'status-details': { type: 'string', examples: [ACCEPTED_DETAILS] },
        'send-at': {
          type: 'string',
          format: 'date-time',
          description: 'When the scheduled messages go out.',
        },
        messages: {
          type: 'array',
          minItems: MIN_GROUP_SIZE,
          maxItems: MAX_GROUP_SIZE,
          items: {
            type: 'object',
            properties: { to: { type: 'string' }, 'tracking-id': schemaRef('TrackingId') },
            required: ['to', 'tracking-id'],
            additionalProperties: false,
          },
        },
      },
      required: ['status', 'group-id', 'status-details', 'messages'],
      additionalProperties: false,
    },
    AcceptedTemplate: {
      type: 'object',
      description: 'A savemms accepted: the template is recorded and queued for Sinch.',
      properties: {
        status: { const: 'success' },
        'tracking-id': {
          type: 'string',
          minLength: 1,
          description: 'The template’s id, as Sinch-style clients read it (same as `template-id`).',
        },
        'template-id': {
          type: 'string',
          minLength: 1,
          description: 'The gateway’s template id (`tpl_…`), usable as `mms-id` of sendsavedmms.',
        },
        'status-details': { type: 'string', examples: [TEMPLATE_ACCEPTED_DETAILS] },
      },
      required: ['status', 'tracking-id', 'template-id', 'status-details'],
      additionalProperties: false,
    },
    Accepted: {
      oneOf: [schemaRef('AcceptedSingle'), schemaRef('AcceptedGroup'), schemaRef('AcceptedTemplate')],
    },
    Failure: {
      type: 'object',
      description:
        'Sinch’s failure shape. `error-code`/`error-info` give the first (most basic) problem; `errors` ' +
        '(gateway addition, on validation failures) lists every violation.',
      properties: {
        status: { const: 'failure' },
        'error-code': schemaRef('ErrorCode'),
        'error-info': { type: 'string' },
        'request-id': {
          type: 'string',
          description:
            'Gateway addition: the request id (also the x-request-id header); quote it when asking.',
        },
        errors: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              code: schemaRef('ErrorCode'),
              field: {
                type: 'string',
                description: 'Path into the request (`to`, `to[3]`, `slide[2].image.url`); "" is the body.',
              },
              message: { type: 'string' },
            },
            required: ['code', 'field', 'message'],
            additionalProperties: false,
          },
        },
      },
      required: ['status', 'error-code', 'error-info'],
      additionalProperties: false,
    },
    MessageState: {
      type: 'string',
      enum: [...MESSAGE_STATES],
      description:
        'accepted → (scheduled) → queued → submitting → submitted → sent → one terminal state (delivered, ' +
        'delivered-as-sms, failed, rejected, expired, canceled); `unknown` when no final postback came in time.',
    },
    HistoryEntry: {
      type: 'object',
      properties: {
        at: { type: 'string', format: 'date-time' },
        event: { type: 'string', description: 'accepted, attempt, retry, submitted, postback, failed, …' },
        state: { type: 'string', description: 'The state this event moved the message or template to.' },
        code: { type: 'string', description: 'Sinch or gateway code of the event.' },
        detail: { type: 'string' },
        'sent-as': {
          type: 'string',
          description: 'How the message was delivered (MMS or SMS), from a postback.',
        },
        'event-time': {
          type: 'string',
          description: 'When the event happened upstream (postback timestamp).',
        },
        ref: { type: 'string', description: 'Reference of the raw record (postback) this entry came from.' },
      },
      required: ['at', 'event'],
      additionalProperties: false,
    },
    MessageView: {
      type: 'object',
      description: 'A message of your team with its status history.',
      properties: {
        'tracking-id': schemaRef('TrackingId'),
        state: schemaRef('MessageState'),
        action: { type: 'string', enum: ['sendmms', 'sendsavedmms'] },
        to: { type: 'string' },
        'client-reference': { type: 'string' },
        'group-id': { type: 'string' },
        'schedule-id': { type: 'string', description: 'The recurring send whose firing made this message.' },
        'send-at': { type: 'string', format: 'date-time', description: 'When a scheduled message goes out.' },
        'sinch-tracking-id': { type: 'string', description: 'Sinch’s tracking-id, once submitted.' },
        attempts: { type: 'integer', minimum: 0 },
        'last-error-code': { type: 'string', description: 'Why the last attempt failed (Sinch or GW code).' },
        'last-error-info': { type: 'string' },
        'created-at': { type: 'string', format: 'date-time' },
        'updated-at': { type: 'string', format: 'date-time' },
        history: { type: 'array', items: schemaRef('HistoryEntry') },
      },
      required: ['tracking-id', 'state', 'action', 'to', 'attempts', 'created-at', 'updated-at', 'history'],
      additionalProperties: false,
    },
    TemplateView: {
      type: 'object',
      description: 'A template of your team (savemms) with its transcoding state and history.',
      properties: {
        'template-id': { type: 'string', pattern: '^tpl_' },
        name: { type: 'string' },
        state: { type: 'string', enum: ['submitting', 'transcoding', 'ready', 'failed'] },
        'mms-id': { type: 'string', description: 'Sinch’s mms-id, once known (answer or N003 postback).' },
        'sinch-tracking-id': { type: 'string' },
        'failure-code': {
          type: 'string',
          description: 'E002/E003/E004, or the Sinch code of a failed submission.',
        },
        'failure-info': { type: 'string' },
        'created-at': { type: 'string', format: 'date-time' },
        'updated-at': { type: 'string', format: 'date-time' },
        history: { type: 'array', items: schemaRef('HistoryEntry') },
      },
      required: ['template-id', 'name', 'state', 'created-at', 'updated-at', 'history'],
      additionalProperties: false,
    },
    TemplateList: {
      type: 'object',
      description: 'Your team’s templates, newest first.',
      properties: { templates: { type: 'array', items: schemaRef('TemplateView') } },
      required: ['templates'],
      additionalProperties: false,
    },
    ...messageSearchSchemas(),
    MessageList: {
      type: 'object',
      description: 'Your team’s messages with this client-reference, oldest first (empty when none).',
      properties: { messages: { type: 'array', items: schemaRef('MessageView') } },
      required: ['messages'],
      additionalProperties: false,
    },
  };
}

// GET /v2/messages (search, and the earlier lookup by client-reference) and GET /v2/messages/stats
const queryParameter = (name: string, description: string, schema: Json): Json => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
});

function messageSearchPaths(): Record<string, Json> {
  const since = queryParameter('since', 'Accepted at or after (ISO 8601 with an offset).', {
    type: 'string',
    format: 'date-time',
  });
  const until = queryParameter('until', 'Accepted at or before (ISO 8601 with an offset).', {
    type: 'string',
    format: 'date-time',
  });
  return {
    '/v2/messages': {
      get: {
        operationId: 'searchMessages',
        tags: ['messages'],
        summary: 'Search your team’s messages, newest first, a page at a time',
        description:
          'All filters are optional and combine. With `client-reference` as the only parameter the answer is the ' +
          'earlier lookup by reference (`MessageList`: full views, oldest first); otherwise `MessageSearchResult`.',
        parameters: [
          queryParameter('state', 'One state or a comma-separated list.', { type: 'string' }),
          since,
          until,
          queryParameter('to', 'Exact recipient number.', { type: 'string' }),
          queryParameter('client-reference', 'Exact client-reference.', { type: 'string', minLength: 1 }),
          queryParameter('group-id', 'Messages of one group send.', { type: 'string' }),
          queryParameter('schedule-id', 'Messages of one recurring send.', { type: 'string' }),
          queryParameter('limit', 'Messages per page, 1–100 (default 25).', {
            type: 'integer',
            minimum: 1,
            maximum: 100,
          }),
          queryParameter('cursor', 'The `next-cursor` of the previous page, unchanged.', { type: 'string' }),
        ],
        responses: {
          '200': {
            description: 'A page of messages (or the client-reference list).',
            content: jsonContent({ anyOf: [schemaRef('MessageSearchResult'), schemaRef('MessageList')] }),
          },
          ...failures(400, 401, 403, 429, 500),
        },
      },
    },
    '/v2/messages/stats': {
      get: {
        operationId: 'messageStats',
        tags: ['messages'],
        summary: 'Counts per state of your team’s messages accepted in a time range (default: the last 24 h)',
        parameters: [since, until],
        responses: {
          '200': { description: 'Counts per state.', content: jsonContent(schemaRef('MessageStats')) },
          ...failures(400, 401, 403, 429, 500),
        },
      },
    },
  };
}

function messageSearchSchemas(): Record<string, Json> {
  return {
    MessageSummary: {
      type: 'object',
      description: 'A message in a search answer: the lookup view without its history.',
      properties: {
        'tracking-id': schemaRef('TrackingId'),
        state: schemaRef('MessageState'),
        action: { type: 'string', enum: ['sendmms', 'sendsavedmms'] },
        to: { type: 'string' },
        'client-reference': { type: 'string' },
        'group-id': { type: 'string' },
        'schedule-id': { type: 'string' },
        'send-at': { type: 'string', format: 'date-time' },
        attempts: { type: 'integer', minimum: 0 },
        'last-error-code': { type: 'string' },
        'created-at': { type: 'string', format: 'date-time' },
        'updated-at': { type: 'string', format: 'date-time' },
      },
      required: ['tracking-id', 'state', 'action', 'to', 'attempts', 'created-at', 'updated-at'],
      additionalProperties: false,
    },
    MessageSearchResult: {
      type: 'object',
      description: 'A page of your team’s messages, newest first; `next-cursor` is absent on the last page.',
      properties: {
        messages: { type: 'array', items: schemaRef('MessageSummary') },
        'next-cursor': { type: 'string' },
      },
      required: ['messages'],
      additionalProperties: false,
    },
    MessageStats: {
      type: 'object',
      description: 'Messages accepted in [since, until], per state (every state listed, 0 when none).',
      properties: {
        since: { type: 'string', format: 'date-time' },
        until: { type: 'string', format: 'date-time' },
        total: { type: 'integer', minimum: 0 },
        states: { type: 'object', additionalProperties: { type: 'integer', minimum: 0 } },
      },
      required: ['since', 'until', 'total', 'states'],
      additionalProperties: false,
    },
  };
}

const RETRY_AFTER = { $ref: '#/components/headers/RetryAfter' };

interface FailureResponse {
  readonly name: string;
  readonly status: number;
  readonly description: string;
  readonly retryAfter?: boolean;
}

const FAILURE_RESPONSES: readonly FailureResponse[] = [
  {
    name: 'BadRequest',
    status: 400,
    description:
      'Invalid request, never queued: every violation is listed in `errors`, the first gives `error-code`.',
  },
  { name: 'Unauthorized', status: 401, description: 'Missing or unknown `x-api-key` (E104).' },
  {
    name: 'Forbidden',
    status: 403,
    description: 'The key’s team is revoked (E104).',
  },
  {
    name: 'NotFound',
    status: 404,
    description: 'No message, template or recurring send of your team with this id.',
  },
  {
    name: 'Conflict',
    status: 409,
    description:
      'The Idempotency-Key was used with a different body (GW-IDEMPOTENCY-CONFLICT); a request with this key ' +
      'is still being processed, or the template of a sendsavedmms is still being transcoded (E626): both ' +
      'with Retry-After. A scheduled message that can no longer be canceled or moved ' +
      `(GW-NOT-SCHEDULED); a team that has ${MAX_SCHEDULES_PER_TEAM} recurring sends already ` +
      '(GW-TOO-MANY-SCHEDULES).',
    retryAfter: true,
  },
  {
    name: 'PayloadTooLarge',
    status: 413,
    description: 'The body is larger than the configured limit (at most 64 KiB).',
  },
  {
    name: 'TooManyRequests',
    status: 429,
    description:
      'Over your team’s per-second rate (GW-RATE-LIMITED) or daily quota (GW-QUOTA-EXCEEDED), with ' +
      'Retry-After; or over the API’s own throttling (GW-RATE-LIMITED).',
    retryAfter: true,
  },
  {
    name: 'InternalError',
    status: 500,
    description: 'A fault of the gateway; the same request may be retried.',
  },
  {
    name: 'ServiceUnavailable',
    status: 503,
    description:
      'The send queue or the scheduler is unavailable; nothing was sent or changed. Retry after the given delay.',
    retryAfter: true,
  },
];

function failureResponses(): Record<string, Json> {
  return Object.fromEntries(
    FAILURE_RESPONSES.map((r) => {
      const codes = errorCodesFor(r.status);
      return [
        r.name,
        {
          description: `${r.description} Codes: ${codes.join(', ')}.`,
          ...(r.retryAfter ? { headers: { 'Retry-After': RETRY_AFTER } } : {}),
          content: jsonContent({
            allOf: [schemaRef('Failure'), { properties: { 'error-code': { enum: codes } } }],
          }),
          'x-error-codes': codes,
        },
      ];
    }),
  );
}

const failures = (...statuses: number[]): Record<string, Json> =>
  Object.fromEntries(
    statuses.map((status) => {
      const response = FAILURE_RESPONSES.find((r) => r.status === status);
      if (response === undefined) throw new Error(`openapi: no failure response for ${status}`);
      return [String(status), responseRef(response.name)];
    }),
  );

// ---------------------------------------------------------------------------------------------------------------
// The document

/** Each operation of the route table (definitions/routes.ts), by operationId, without its operationId. */
/** The operations of a `paths` object, by operationId (without it). */
const operationsOf = (pathItems: Record<string, unknown>): Record<string, Json> =>
  Object.fromEntries(
    Object.values(pathItems).flatMap((item) =>
      Object.values(item as Record<string, Json>).map(({ operationId, ...operation }) => [
        String(operationId),
        operation,
      ]),
    ),
  );

const OPERATIONS: Record<string, Json> = {
  eraseMessageContent: {
    tags: ['messages'],
    summary: "Erase a final or canceled message's content and number now (docs/privacy.md)",
    description:
      'Slide texts and URLs, subject and fallback text are removed and numbers masked to the last four ' +
      'digits; state, codes, timestamps and history stay, with a `content-erased` entry. Its raw ' +
      'postbacks are deleted. Repeating it answers the same.',
    parameters: [{ $ref: '#/components/parameters/MessageId' }],
    responses: {
      '200': {
        description: 'Erased.',
        content: jsonContent({
          type: 'object',
          properties: {
            status: { type: 'string', enum: ['success'] },
            'tracking-id': { type: 'string' },
            'status-details': { type: 'string' },
          },
          required: ['status', 'tracking-id'],
        }),
      },
      ...failures(401, 403, 404, 409, 429, 500),
    },
  },
  checkMedia: {
    tags: ['messages'],
    summary: 'Check media URLs the way Sinch will fetch them, without sending anything',
    description:
      'Each entry gets `ok`, or the Sinch code (E351-E357 could not fetch, E331-E337 too big, E629 ' +
      'content type) or GW-MEDIA-CHECK-TIMEOUT with the reason. Always checked fresh (no cached result).',
    requestBody: {
      required: true,
      content: jsonContent({
        type: 'object',
        properties: {
          media: {
            type: 'array',
            minItems: 1,
            maxItems: 20,
            items: {
              type: 'object',
              properties: {
                kind: {
                  type: 'string',
                  enum: ['image', 'audio', 'video', 'contact', 'calendar', 'pdf'],
                },
                url: { type: 'string' },
              },
              required: ['kind', 'url'],
            },
          },
        },
        required: ['media'],
      }),
    },
    responses: {
      '200': {
        description: 'One result per entry, in order.',
        content: jsonContent({
          type: 'object',
          properties: {
            status: { type: 'string', enum: ['success'] },
            results: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  kind: { type: 'string' },
                  url: { type: 'string' },
                  ok: { type: 'boolean' },
                  'error-code': { type: 'string' },
                  'error-info': { type: 'string' },
                },
                required: ['kind', 'url', 'ok'],
              },
            },
          },
          required: ['status', 'results'],
        }),
      },
      ...failures(400, 401, 403, 429, 500),
    },
  },
  // The consent routes (lambdas/domain/consent/openapi.ts), by operationId.
  ...operationsOf(consentPaths(failures)),
  // The team API (lambdas/domain/teams/openapi-team.ts).
  ...operationsOf(teamPaths(failures)),
  submitMms: {
    tags: ['messages'],
    summary: 'Send an MMS or a group MMS, save a template, send a saved template (Sinch MMS JSON API)',
    description:
      'Validates the body (Sinch codes where one exists), applies your team’s senders, rate and quota, ' +
      'and queues one message per recipient (savemms: one template). The same resource answers at /v2. ' +
      'Replaying a request ' +
      'with the same Idempotency-Key and body returns the first answer without sending again.',
    parameters: [{ $ref: '#/components/parameters/IdempotencyKey' }, DRY_RUN_PARAMETER],
    requestBody: { required: true, content: jsonContent(schemaRef('MmsRequest')) },
    responses: {
      '200': {
        description: 'Dry run (`?dry-run=true`): what would be queued, or the failure; nothing written.',
        content: jsonContent(schemaRef('DryRunAnswer')),
      },
      '202': { description: 'Accepted and queued.', content: jsonContent(schemaRef('Accepted')) },
      ...failures(400, 401, 403, 409, 413, 429, 500, 503),
    },
  },
  // GET /v2/messages (search) and GET /v2/messages/stats.
  ...operationsOf(messageSearchPaths()),
  getMessage: {
    tags: ['messages'],
    summary: 'One message of your team, with its status history',
    parameters: [
      {
        name: 'id',
        in: 'path',
        required: true,
        description: 'The `tracking-id` of the 202 answer.',
        schema: { type: 'string' },
      },
    ],
    responses: {
      '200': { description: 'The message.', content: jsonContent(schemaRef('MessageView')) },
      ...failures(401, 403, 404, 429, 500),
    },
  },
  cancelScheduledMessage: {
    tags: ['messages'],
    summary: 'Cancel a scheduled message (state `canceled`, its schedule deleted)',
    parameters: [{ $ref: '#/components/parameters/MessageId' }],
    responses: {
      '200': { description: 'The canceled message.', content: jsonContent(schemaRef('MessageView')) },
      ...failures(401, 403, 404, 409, 429, 500),
    },
  },
  rescheduleMessage: {
    tags: ['messages'],
    summary: 'Move a scheduled message to a new `send-at`',
    parameters: [{ $ref: '#/components/parameters/MessageId' }],
    requestBody: {
      required: true,
      content: jsonContent({
        type: 'object',
        properties: { 'send-at': { type: 'string', format: 'date-time' } },
        required: ['send-at'],
        additionalProperties: false,
      }),
    },
    responses: {
      '200': {
        description: 'The rescheduled message.',
        content: jsonContent(schemaRef('MessageView')),
      },
      ...failures(400, 401, 403, 404, 409, 429, 500),
    },
  },
  listTemplates: {
    tags: ['templates'],
    summary: 'Your team’s templates (savemms), with state and mms-id',
    responses: {
      '200': { description: 'The templates.', content: jsonContent(schemaRef('TemplateList')) },
      ...failures(401, 403, 429, 500),
    },
  },
  getTemplate: {
    tags: ['templates'],
    summary: 'One template of your team, with its history',
    parameters: [
      {
        name: 'id',
        in: 'path',
        required: true,
        description: 'The `template-id` of the savemms answer.',
        schema: { type: 'string' },
      },
    ],
    responses: {
      '200': { description: 'The template.', content: jsonContent(schemaRef('TemplateView')) },
      ...failures(401, 403, 404, 429, 500),
    },
  },
  listSchedules: {
    tags: ['schedules'],
    summary: 'Your team’s recurring sends, newest first',
    responses: {
      '200': {
        description: 'The recurring sends (an empty list when none).',
        content: jsonContent(schemaRef('ScheduleList'), {
          one: { summary: 'One recurring send', value: { schedules: [SCHEDULE_VIEW_EXAMPLE] } },
        }),
      },
      ...failures(401, 403, 429, 500),
    },
  },
  createSchedule: {
    tags: ['schedules'],
    summary: 'Create a recurring send: one message to up to 1,000 recipients on a cron or rate schedule',
    description:
      'Checks the whole definition (every problem listed, with the codes of POST /v2/) and creates the ' +
      'schedule, enabled. At each firing the gateway sends the message to every recipient, one message ' +
      'per recipient, through the same checks, rate, daily quota and quiet hours as POST /v2/; the ' +
      'answer of GET /v2/schedules/{id} then shows the firing in `last-firing`. A firing delivered twice ' +
      'sends nothing twice. A team has at most ' +
      `${MAX_SCHEDULES_PER_TEAM} recurring sends (409 GW-TOO-MANY-SCHEDULES). With an Idempotency-Key, ` +
      'repeating the request returns the schedule it created (201, its current state) instead of ' +
      'creating another; the same key with another body is 409 GW-IDEMPOTENCY-CONFLICT.',
    parameters: [{ $ref: '#/components/parameters/IdempotencyKey' }],
    requestBody: {
      required: true,
      content: jsonContent(schemaRef('ScheduleRequest'), SCHEDULE_REQUEST_EXAMPLES),
    },
    responses: {
      '201': {
        description: 'Created and enabled.',
        content: jsonContent(schemaRef('ScheduleCreated'), {
          created: {
            summary: 'A weekly send, just created',
            value: { status: 'success', ...SCHEDULE_NEW_EXAMPLE },
          },
        }),
      },
      ...failures(400, 401, 403, 409, 413, 429, 500, 503),
    },
  },
  getSchedule: {
    tags: ['schedules'],
    summary: 'One recurring send of your team, with its next and last firing',
    parameters: [{ $ref: '#/components/parameters/ScheduleId' }],
    responses: {
      '200': {
        description: 'The recurring send.',
        content: jsonContent(schemaRef('ScheduleView'), {
          fired: { summary: 'After its first firing', value: SCHEDULE_VIEW_EXAMPLE },
        }),
      },
      ...failures(401, 403, 404, 429, 500),
    },
  },
  deleteSchedule: {
    tags: ['schedules'],
    summary: 'Delete a recurring send: it never fires again',
    description:
      'Deletes the schedule; a firing already on its way sends nothing. Messages of earlier firings are ' +
      'not affected (a scheduled one can be canceled with DELETE /v2/messages/{id}).',
    parameters: [{ $ref: '#/components/parameters/ScheduleId' }],
    responses: {
      '200': {
        description: 'The recurring send as it was, with `state` `deleted`.',
        content: jsonContent(schemaRef('ScheduleView')),
      },
      ...failures(401, 403, 404, 429, 500),
    },
  },
  pauseSchedule: {
    tags: ['schedules'],
    summary: 'Pause a recurring send: no firing sends anything until it is resumed',
    description:
      'Pausing a paused schedule changes nothing. A firing already on its way when it is paused sends ' +
      'nothing; the occurrences missed while paused are not sent later.',
    parameters: [{ $ref: '#/components/parameters/ScheduleId' }],
    responses: {
      '200': {
        description: 'The recurring send, `paused`.',
        content: jsonContent(schemaRef('ScheduleView')),
      },
      ...failures(401, 403, 404, 429, 500, 503),
    },
  },
  resumeSchedule: {
    tags: ['schedules'],
    summary: 'Resume a paused recurring send: it fires again from its next occurrence',
    description: 'Resuming an enabled schedule changes nothing.',
    parameters: [{ $ref: '#/components/parameters/ScheduleId' }],
    responses: {
      '200': {
        description: 'The recurring send, `enabled`.',
        content: jsonContent(schemaRef('ScheduleView')),
      },
      ...failures(401, 403, 404, 429, 500, 503),
    },
  },
  getOpenApiDocument: {
    tags: ['meta'],
    summary: 'This OpenAPI document',
    responses: {
      '200': {
        description: 'The OpenAPI 3.1 document of this API.',
        content: jsonContent({ type: 'object', required: ['openapi', 'info', 'paths'] }),
      },
    },
  },
};

/** The `paths`, built from the route table: one operation per route, public routes with `security: []`. */
function paths(): Json {
  const out: Record<string, Record<string, Json>> = {};
  for (const route of INGEST_ROUTES) {
    const operation = OPERATIONS[route.operationId];
    if (!operation) throw new Error(`no OpenAPI operation for ${route.operationId}`);
    (out[route.path] ??= {})[route.method.toLowerCase()] = {
      operationId: route.operationId,
      ...operation,
      ...(route.authorization === 'none' ? { security: [] } : {}),
    };
  }
  return out;
}

function build(): Json {
  return {
    openapi: OPENAPI_VERSION,
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    info: {
      title: 'MMS gateway',
      version: '2.0.0',
      summary: 'The Sinch MMS JSON API for internal teams, with queuing, pacing, idempotency and status.',
      description:
        'POST /v2/ takes the Sinch MMS JSON API body unchanged and answers in Sinch’s shape (`status`, ' +
        '`status-details`, `tracking-id`, `error-code`, `error-info`) with honest HTTP statuses: 202 queued, ' +
        '400 invalid, 401/403 auth, 409 idempotency conflict, 429 over rate or quota with Retry-After, 5xx ' +
        'only for the gateway’s own faults. `tracking-id` is the gateway’s message id. Gateway extensions: ' +
        'the Idempotency-Key header, group sends (`to` as an array), message lookup with status history, ' +
        'scheduled sends (`send-at`) and recurring sends (/v2/schedules). ' +
        'Every error code is listed in `x-error-codes` with its HTTP status.',
    },
    servers: [
      {
        url: '{baseUrl}',
        description: 'The API’s stage URL, or the local gateway of `npm start`.',
        variables: { baseUrl: { default: 'http://127.0.0.1:8080' } },
      },
    ],
    security: [{ apiKey: [] }],
    tags: [
      { name: 'messages', description: 'Send MMS and follow them.' },
      { name: 'templates', description: 'Saved MMS templates (savemms, sendsavedmms).' },
      {
        name: 'schedules',
        description: 'Recurring sends: one message to a list of recipients on a cron or rate schedule.',
      },
      {
        name: 'consent',
        description: 'Your suppression list: recipients who opted out (STOP) or are blocked.',
      },
      { name: 'team', description: 'Your team’s own settings, webhook, key and usage.' },
      { name: 'meta', description: 'This document.' },
    ],
    paths: paths(),
    components: {
      securitySchemes: {
        apiKey: {
          type: 'apiKey',
          in: 'header',
          name: 'x-api-key',
          description:
            'Your team’s API key (the provider’s convention). A revoked key stops working within minutes.',
        },
      },
      parameters: {
        MessageId: {
          name: 'id',
          in: 'path',
          required: true,
          description: 'The `tracking-id` of the 202 answer.',
          schema: { type: 'string' },
        },
        ScheduleId: {
          name: 'id',
          in: 'path',
          required: true,
          description: 'The `schedule-id` of the 201 answer (`sch_…`).',
          schema: { type: 'string' },
        },
        IdempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description:
            'Makes the request safe to retry: the same key with the same body returns the first answer; with ' +
            `another body it is 409 GW-IDEMPOTENCY-CONFLICT. 1 to ${IDEMPOTENCY_KEY_MAX} characters ` +
            '(GW-INVALID-IDEMPOTENCY-KEY). Keys are per team.',
          schema: { type: 'string', minLength: 1, maxLength: IDEMPOTENCY_KEY_MAX },
        },
      },
      headers: {
        RetryAfter: {
          description: 'Seconds to wait before retrying.',
          schema: { type: 'integer', minimum: 0 },
        },
      },
      responses: failureResponses(),
      schemas: {
        ...requestSchemas(),
        ...scheduleSchemas(),
        ...answerSchemas(),
        ...consentSchemas(),
        ...teamSchemas(),
      },
    },
    'x-error-codes': Object.fromEntries(
      ERROR_CODES.map((code) => [
        code,
        { httpStatus: ERRORS[code].httpStatus, source: ERRORS[code].source, message: ERRORS[code].message },
      ]),
    ),
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

let memo: Json | undefined;

/** The OpenAPI 3.1 document of the public API: built once, frozen, shared. */
export function buildOpenApiDocument(): Record<string, unknown> {
  memo ??= deepFreeze(build());
  return memo;
}
