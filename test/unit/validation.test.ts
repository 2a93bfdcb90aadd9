import { describe, expect, it } from 'vitest';
import { failureBody, type ErrorCode } from '../../lambdas/domain/sinch/error-codes';
import {
  type SendMmsRequest,
  type SendSavedMmsRequest,
  mmsRequestSchema,
} from '../../lambdas/domain/sinch/mms';
import {
  type ValidationContext,
  codePointLength,
  expandGroup,
  parseIsoDateTime,
  parseJsonBody,
  validateRequest,
} from '../../lambdas/domain/sinch/validation';

const NOW = new Date('2026-06-01T12:00:00Z');
const ctx: ValidationContext = { now: NOW, requireServiceId: false };

type Body = Record<string, unknown>;

const sendMms = (over: Body = {}): Body => ({
  action: 'sendmms',
  to: '17745559144',
  from: '28444',
  'fallback-sms-text': 'See it here:',
  slide: [{ image: { url: 'https://cdn.example.com/a.jpg' }, 'message-text': 'Hello' }],
  ...over,
});
const saveMms = (over: Body = {}): Body => ({
  action: 'savemms',
  name: 'spring-promo',
  'fallback-sms-text': 'Spring sale:',
  slide: [{ video: { url: 'https://cdn.example.com/promo.mp4' }, 'message-text': '20% off' }],
  ...over,
});
const sendSaved = (over: Body = {}): Body => ({
  action: 'sendsavedmms',
  'mms-id': '35674',
  to: '15551230000',
  from: '18885551234',
  ...over,
});
const textSlides = (n: number) => Array.from({ length: n }, (_, i) => ({ 'message-text': `slide ${i + 1}` }));
const slideWith = (slide: Body) => sendMms({ slide: [slide] });
const url = (u: string) => slideWith({ image: { url: u } });
const numbers = (n: number) => Array.from({ length: n }, (_, i) => String(17745550001 + i));

/** [code, path] pairs of the violations, in order; [] when the request is valid. */
function found(body: unknown, context: ValidationContext = ctx): [ErrorCode, string][] {
  const result = validateRequest(body, context);
  return result.ok ? [] : result.violations.map((v) => [v.code, v.path]);
}

function messageOf(body: unknown, context: ValidationContext = ctx): string {
  const result = validateRequest(body, context);
  if (result.ok) throw new Error('expected a violation');
  return result.violations[0]?.message ?? '';
}

type Case = [name: string, body: unknown, expected: [ErrorCode, string][]];

const OK: [ErrorCode, string][] = [];

describe('parseJsonBody', () => {
  it.each([
    ['not JSON', '{"action": "sendmms",'],
    ['an array', '[{"action":"sendmms"}]'],
    ['null', 'null'],
    ['a string', '"sendmms"'],
    ['a number', '42'],
    ['an empty body', ''],
    ['whitespace', '  \n'],
    ['no body (null)', null],
    ['no body (undefined)', undefined],
  ])('rejects %s with E108', (_name, raw) => {
    const result = parseJsonBody(raw);
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.violations.map((v) => [v.code, v.path, typeof v.message])).toEqual([
        ['E108', '', 'string'],
      ]);
  });

  it('accepts a JSON object, with or without a byte-order mark', () => {
    expect(parseJsonBody('{"action":"sendmms"}')).toEqual({ ok: true, value: { action: 'sendmms' } });
    expect(parseJsonBody('\uFEFF{"a":1}')).toEqual({ ok: true, value: { a: 1 } });
  });
});

describe('validateRequest: the three actions', () => {
  it.each([
    ['sendmms', sendMms()],
    ['savemms', saveMms()],
    ['sendsavedmms', sendSaved()],
    [
      'the reference example of sendmms',
      {
        action: 'sendmms',
        'service-id': '12345',
        to: '15551230000',
        from: '28444',
        'message-subject': 'Your order',
        'fallback-sms-text': 'Your order update - view it here:',
        'disable-fallback-sms': false,
        'disable-fallback-sms-link': false,
        'fallback-sms-link-expiration': '2026-12-31T00:00:00Z',
        'mms-expiry-timestamp': '2026-06-03T12:00:00Z',
        'client-reference': 'gw-7f3c2a',
        'cache-content': true,
        slide: [
          { image: { url: 'https://cdn.example.com/a.jpg' }, 'message-text': 'Hello' },
          { pdf: { url: 'https://cdn.example.com/receipt.pdf' } },
        ],
      },
    ],
    [
      'the reference example of sendsavedmms',
      {
        action: 'sendsavedmms',
        'mms-id': '35674',
        'service-id': '12345',
        to: '15551230000',
        'to-displayonly': '15551230001,15551230002',
        from: '18885551234',
        'client-reference': 'gw-7f3c2b',
        'custom-slides': [{ 'custom-slide': '1', 'custom-message-text': 'Hi Ann, 20% off' }],
      },
    ],
  ])('accepts a valid %s and returns it typed, equal to the input', (_name, body) => {
    const result = validateRequest(body, ctx);
    expect(result).toEqual({ ok: true, request: body });
    if (result.ok) {
      expect(result.request).not.toBe(body);
      expect(mmsRequestSchema.safeParse(result.request).success).toBe(true);
    }
  });
});

describe('validateRequest: body and action', () => {
  it.each<Case>([
    ['an array', [sendMms()], [['E108', '']]],
    ['null', null, [['E108', '']]],
    ['a string', 'sendmms', [['E108', '']]],
    ['a class instance', new Date(), [['E108', '']]],
    ['no action', { to: '17745559144' }, [['E100', 'action']]],
    ['an unknown action', sendMms({ action: 'deletemms' }), [['E100', 'action']]],
    ['an action in the wrong case', sendMms({ action: 'sendMMS' }), [['E100', 'action']]],
    ['an action of the wrong type', sendMms({ action: 1 }), [['E100', 'action']]],
  ])('%s', (_name, body, expected) => {
    expect(found(body)).toEqual(expected);
  });

  it('names the missing field in error-info', () => {
    expect(messageOf({})).toBe('Missing required field: action');
    const { from: _from, ...withoutFrom } = sendMms();
    expect(messageOf(withoutFrom)).toBe('Missing required field: from');
  });
});

describe('validateRequest: required fields', () => {
  const without = (body: Body, key: string): Body =>
    Object.fromEntries(Object.entries(body).filter(([k]) => k !== key));
  it.each<Case>([
    ['sendmms without to', without(sendMms(), 'to'), [['E100', 'to']]],
    ['sendmms without from', without(sendMms(), 'from'), [['E100', 'from']]],
    ['sendmms without slide', without(sendMms(), 'slide'), [['E312', 'slide']]],
    ['sendsavedmms without to', without(sendSaved(), 'to'), [['E100', 'to']]],
    ['sendsavedmms without from', without(sendSaved(), 'from'), [['E100', 'from']]],
    ['sendsavedmms without mms-id', without(sendSaved(), 'mms-id'), [['E620', 'mms-id']]],
    ['sendsavedmms with an empty mms-id', sendSaved({ 'mms-id': '' }), [['E620', 'mms-id']]],
    ['savemms without name', without(saveMms(), 'name'), [['E311', 'name']]],
    ['savemms with an empty name', saveMms({ name: '' }), [['E311', 'name']]],
    ['savemms with a blank name', saveMms({ name: '  ' }), [['E311', 'name']]],
    ['savemms without slide', without(saveMms(), 'slide'), [['E312', 'slide']]],
    ['a media object without url', slideWith({ image: {} }), [['E100', 'slide[0].image.url']]],
  ])('%s', (_name, body, expected) => {
    expect(found(body)).toEqual(expected);
  });
});

describe('validateRequest: JSON types (GW-INVALID-TYPE)', () => {
  it.each<Case>([
    ['to: 123', sendMms({ to: 123 }), [['GW-INVALID-TYPE', 'to']]],
    ['to: null', sendMms({ to: null }), [['GW-INVALID-TYPE', 'to']]],
    ['to: an object', sendMms({ to: { number: '1' } }), [['GW-INVALID-TYPE', 'to']]],
    [
      'a group member that is a number',
      sendMms({ to: ['17745550001', 17745550002] }),
      [['GW-INVALID-TYPE', 'to[1]']],
    ],
    ['from: a number', sendMms({ from: 28444 }), [['GW-INVALID-TYPE', 'from']]],
    ['slide: "x"', sendMms({ slide: 'x' }), [['GW-INVALID-TYPE', 'slide']]],
    ['a slide that is a string', sendMms({ slide: ['x'] }), [['GW-INVALID-TYPE', 'slide[0]']]],
    [
      'a media object that is a string',
      slideWith({ image: 'https://a.b/c.jpg' }),
      [['GW-INVALID-TYPE', 'slide[0].image']],
    ],
    ['a url that is a number', slideWith({ image: { url: 5 } }), [['GW-INVALID-TYPE', 'slide[0].image.url']]],
    [
      'message-text: a number',
      slideWith({ 'message-text': 5 }),
      [['GW-INVALID-TYPE', 'slide[0].message-text']],
    ],
    [
      'disable-fallback-sms: "true"',
      sendMms({ 'disable-fallback-sms': 'true' }),
      [['GW-INVALID-TYPE', 'disable-fallback-sms']],
    ],
    [
      'disable-fallback-sms-link: 1',
      sendMms({ 'disable-fallback-sms-link': 1 }),
      [['GW-INVALID-TYPE', 'disable-fallback-sms-link']],
    ],
    ['cache-content: "yes"', sendMms({ 'cache-content': 'yes' }), [['GW-INVALID-TYPE', 'cache-content']]],
    ['message-subject: null', sendMms({ 'message-subject': null }), [['GW-INVALID-TYPE', 'message-subject']]],
    [
      'to-displayonly: an array',
      sendMms({ 'to-displayonly': ['17745550002'] }),
      [['GW-INVALID-TYPE', 'to-displayonly']],
    ],
    [
      'client-reference: a number',
      sendMms({ 'client-reference': 7 }),
      [['GW-INVALID-TYPE', 'client-reference']],
    ],
    ['service-id: a number', sendMms({ 'service-id': 12345 }), [['GW-INVALID-TYPE', 'service-id']]],
    ['mms-id: a number', sendSaved({ 'mms-id': 35674 }), [['GW-INVALID-TYPE', 'mms-id']]],
    ['custom-slides: an object', sendSaved({ 'custom-slides': {} }), [['GW-INVALID-TYPE', 'custom-slides']]],
    [
      'custom-slide: a number',
      sendSaved({ 'custom-slides': [{ 'custom-slide': 1, 'custom-message-text': 'x' }] }),
      [['GW-INVALID-TYPE', 'custom-slides[0].custom-slide']],
    ],
    [
      'fallback-sms-link-expiration: a number',
      sendMms({ 'fallback-sms-link-expiration': 1 }),
      [['GW-INVALID-TYPE', 'fallback-sms-link-expiration']],
    ],
    [
      'mms-expiry-timestamp: a number',
      sendMms({ 'mms-expiry-timestamp': 1 }),
      [['GW-INVALID-TYPE', 'mms-expiry-timestamp']],
    ],
    ['name: a number', saveMms({ name: 7 }), [['GW-INVALID-TYPE', 'name']]],
  ])('%s', (_name, body, expected) => {
    expect(found(body)).toEqual(expected);
  });

  it('says which type is expected and which was given', () => {
    expect(messageOf(sendMms({ to: 123 }))).toBe("'to' must be a string or an array, not a number");
    expect(messageOf(sendMms({ slide: 'x' }))).toBe("'slide' must be an array, not a string");
  });
});

describe('validateRequest: unknown fields (strict, GW-UNKNOWN-FIELD)', () => {
  it.each<Case>([
    [
      'a typo next to the missing field',
      { ...sendMms({ form: '28444' }), from: undefined },
      [
        ['E100', 'from'],
        ['GW-UNKNOWN-FIELD', 'form'],
      ],
    ],
    ['an unknown top-level field', sendMms({ priority: 'high' }), [['GW-UNKNOWN-FIELD', 'priority']]],
    ['the API key in the body', sendMms({ 'api-key': 'secret' }), [['GW-UNKNOWN-FIELD', 'api-key']]],
    [
      'an XML-era vcard key in a slide',
      slideWith({ vcard: { url: 'https://a.b/c.vcf' } }),
      [
        ['GW-UNKNOWN-FIELD', 'slide[0].vcard'],
        ['E313', 'slide[0]'],
      ],
    ],
    [
      'duration in a slide',
      slideWith({ 'message-text': 'x', duration: 5 }),
      [['GW-UNKNOWN-FIELD', 'slide[0].duration']],
    ],
    [
      'an extra key in a media object',
      slideWith({ image: { url: 'https://a.b/c.jpg', type: 'image/jpeg' } }),
      [['GW-UNKNOWN-FIELD', 'slide[0].image.type']],
    ],
    [
      'an extra key in a custom slide',
      sendSaved({ 'custom-slides': [{ 'custom-slide': '1', 'custom-message-text': 'x', x: 1 }] }),
      [['GW-UNKNOWN-FIELD', 'custom-slides[0].x']],
    ],
    [
      'a __proto__ key',
      JSON.parse(
        '{"action":"sendmms","to":"17745559144","from":"28444","fallback-sms-text":"x","slide":[{"message-text":"a"}],"__proto__":{"x":1}}',
      ),
      [['GW-UNKNOWN-FIELD', '__proto__']],
    ],
    ['a constructor key', sendMms({ constructor: 'x' }), [['GW-UNKNOWN-FIELD', 'constructor']]],
    ['savemms with to', saveMms({ to: '17745559144' }), [['GW-UNKNOWN-FIELD', 'to']]],
    ['savemms with from', saveMms({ from: '28444' }), [['GW-UNKNOWN-FIELD', 'from']]],
    ['savemms with service-id', saveMms({ 'service-id': '12345' }), [['GW-UNKNOWN-FIELD', 'service-id']]],
    [
      'savemms with mms-expiry-timestamp',
      saveMms({ 'mms-expiry-timestamp': '2026-06-02T00:00:00Z' }),
      [['GW-UNKNOWN-FIELD', 'mms-expiry-timestamp']],
    ],
    [
      'savemms with cache-content',
      saveMms({ 'cache-content': true }),
      [['GW-UNKNOWN-FIELD', 'cache-content']],
    ],
    [
      'sendsavedmms with slide',
      sendSaved({ slide: [{ 'message-text': 'x' }] }),
      [['GW-UNKNOWN-FIELD', 'slide']],
    ],
    [
      'sendsavedmms with cache-content',
      sendSaved({ 'cache-content': true }),
      [['GW-UNKNOWN-FIELD', 'cache-content']],
    ],
    ['sendmms with mms-id', sendMms({ 'mms-id': '1' }), [['GW-UNKNOWN-FIELD', 'mms-id']]],
    ['sendmms with custom-slides', sendMms({ 'custom-slides': [] }), [['GW-UNKNOWN-FIELD', 'custom-slides']]],
    ['sendmms with name', sendMms({ name: 'x' }), [['GW-UNKNOWN-FIELD', 'name']]],
  ])('%s', (_name, body, expected) => {
    expect(found(JSON.parse(JSON.stringify(body)))).toEqual(expected);
  });

  it('explains fields of another action and the API key', () => {
    expect(messageOf(saveMms({ to: '17745559144' }))).toBe(
      "Field 'to' is not part of savemms (only of sendmms, sendsavedmms)",
    );
    expect(messageOf(sendMms({ 'api-key': 'k' }))).toMatch(/x-api-key header/);
    expect(messageOf(sendMms({ priority: 1 }))).toBe("Unknown field 'priority' for sendmms");
  });
});

describe('validateRequest: to (E110)', () => {
  it.each<Case>([
    ['the valid example 17745559144', sendMms({ to: '17745559144' }), OK],
    ['the invalid example +17745559144', sendMms({ to: '+17745559144' }), [['E110', 'to']]],
    ['the invalid example 0017745559144', sendMms({ to: '0017745559144' }), [['E110', 'to']]],
    ['an 011 prefix', sendMms({ to: '01117745559144' }), [['E110', 'to']]],
    ['8 digits', sendMms({ to: '12345678' }), OK],
    ['7 digits', sendMms({ to: '1234567' }), [['E110', 'to']]],
    ['15 digits', sendMms({ to: '123456789012345' }), OK],
    ['16 digits', sendMms({ to: '1234567890123456' }), [['E110', 'to']]],
    ['a letter', sendMms({ to: '1774555914a' }), [['E110', 'to']]],
    ['spaces', sendMms({ to: ' 17745559144' }), [['E110', 'to']]],
    ['an empty string', sendMms({ to: '' }), [['E110', 'to']]],
    ['on sendsavedmms', sendSaved({ to: '+15551230000' }), [['E110', 'to']]],
  ])('%s', (_name, body, expected) => {
    expect(found(body)).toEqual(expected);
  });

  it.each([
    ['+17745559144', "remove the '+'"],
    ['0017745559144', 'remove the dialling prefix'],
    ['1234567', '8 to 15 digits'],
    ['1774-555-9144', 'digits only'],
  ])('tells what is wrong with %s, without echoing the number', (to, hint) => {
    const message = messageOf(sendMms({ to }));
    expect(message).toContain(hint);
    expect(message).not.toContain(to);
  });
});

describe('validateRequest: to-displayonly (E110)', () => {
  it.each<Case>([
    ['two valid numbers', sendMms({ 'to-displayonly': '17745550002,17745550003' }), OK],
    ['spaces around entries', sendMms({ 'to-displayonly': ' 17745550002 , 17745550003 ' }), OK],
    ['an empty string (no display-only numbers)', sendMms({ 'to-displayonly': '' }), OK],
    [
      'a bad second entry',
      sendMms({ 'to-displayonly': '17745550002,+17745550003' }),
      [['E110', 'to-displayonly[1]']],
    ],
    ['a 0 prefix', sendMms({ 'to-displayonly': '0017745550002' }), [['E110', 'to-displayonly[0]']]],
    [
      'an empty entry',
      sendMms({ 'to-displayonly': '17745550002,,17745550003' }),
      [['E110', 'to-displayonly[1]']],
    ],
    ['a trailing comma', sendMms({ 'to-displayonly': '17745550002,' }), [['E110', 'to-displayonly[1]']]],
    [
      'the to number repeated',
      sendMms({ 'to-displayonly': '17745550002,17745559144' }),
      [['E110', 'to-displayonly[1]']],
    ],
    ['on sendsavedmms', sendSaved({ 'to-displayonly': '1555' }), [['E110', 'to-displayonly[0]']]],
  ])('%s', (_name, body, expected) => {
    expect(found(body)).toEqual(expected);
  });

  it('is returned trimmed and without duplicates', () => {
    const result = validateRequest(
      sendMms({ 'to-displayonly': ' 17745550002 , 17745550003,17745550002' }),
      ctx,
    );
    expect(result.ok && result.request['action'] === 'sendmms' && result.request['to-displayonly']).toBe(
      '17745550002,17745550003',
    );
    const empty = validateRequest(sendMms({ 'to-displayonly': '  ' }), ctx);
    expect(empty.ok && 'to-displayonly' in empty.request).toBe(false);
  });
});

describe('validateRequest: group sends (gateway extension)', () => {
  it.each<Case>([
    ['2 recipients', sendMms({ to: numbers(2) }), OK],
    ['3 recipients', sendMms({ to: numbers(3) }), OK],
    ['20 recipients', sendMms({ to: numbers(20) }), OK],
    ['21 recipients', sendMms({ to: numbers(21) }), [['GW-INVALID-GROUP', 'to']]],
    ['1 recipient', sendMms({ to: numbers(1) }), [['GW-INVALID-GROUP', 'to']]],
    ['no recipient', sendMms({ to: [] }), [['GW-INVALID-GROUP', 'to']]],
    [
      'a duplicate',
      sendMms({ to: ['17745550001', '17745550002', '17745550001'] }),
      [['GW-INVALID-GROUP', 'to[2]']],
    ],
    ['a bad number at index 3', sendMms({ to: [...numbers(3), '+17745550009'] }), [['E110', 'to[3]']]],
    [
      'two bad numbers',
      sendMms({ to: ['0017745550001', '17745550002', '1'] }),
      [
        ['E110', 'to[0]'],
        ['E110', 'to[2]'],
      ],
    ],
    ['on sendsavedmms', sendSaved({ to: numbers(3) }), OK],
    [
      'a member also display-only (merged, not an error)',
      sendMms({ to: numbers(2), 'to-displayonly': '17745550001' }),
      OK,
    ],
  ])('%s', (_name, body, expected) => {
    expect(found(body)).toEqual(expected);
  });

  it('names the bad index in the message', () => {
    expect(messageOf(sendMms({ to: [...numbers(3), '+17745550009'] }))).toMatch(/^Invalid to\[3\]/);
  });
});

describe('validateRequest: from (E111)', () => {
  it.each<Case>([
    ['a 5-digit short code', sendMms({ from: '28444' }), OK],
    ['a 6-digit short code', sendMms({ from: '284444' }), OK],
    ['4 digits', sendMms({ from: '2844' }), [['E111', 'from']]],
    ['7 digits (neither short code nor number)', sendMms({ from: '2844444' }), [['E111', 'from']]],
    ['a toll-free number', sendMms({ from: '18885551234' }), OK],
    ['a + prefix', sendMms({ from: '+18885551234' }), [['E111', 'from']]],
    ['letters', sendMms({ from: 'ACME' }), [['E111', 'from']]],
    ['an empty string', sendMms({ from: '' }), [['E111', 'from']]],
  ])('%s', (_name, body, expected) => {
    expect(found(body)).toEqual(expected);
  });

  it('must be one of ctx.allowedSenders when given', () => {
    const team: ValidationContext = { ...ctx, allowedSenders: ['28444', '18885551234'] };
    expect(found(sendMms({ from: '28444' }), team)).toEqual(OK);
    expect(found(sendMms({ from: '18885551234' }), team)).toEqual(OK);
    expect(found(sendMms({ from: '28445' }), team)).toEqual([['E111', 'from']]);
    expect(messageOf(sendMms({ from: '28445' }), team)).toMatch(/not allowed for your team/);
    expect(found(sendMms({ from: '28445' }), { ...ctx, allowedSenders: [] })).toEqual([['E111', 'from']]);
  });
});

describe('validateRequest: from-mask (E115, 1–11 of [A-Za-z0-9_-])', () => {
  it.each<Case>([
    ['letters, digits, _ and -', sendMms({ 'from-mask': 'ACME_Co-1' }), OK],
    ['11 characters', sendMms({ 'from-mask': 'A'.repeat(11) }), OK],
    ['12 characters', sendMms({ 'from-mask': 'A'.repeat(12) }), [['E115', 'from-mask']]],
    ['50 characters (Sinch E115 text)', sendMms({ 'from-mask': 'A'.repeat(50) }), [['E115', 'from-mask']]],
    ['a space', sendMms({ 'from-mask': 'AC ME' }), [['E115', 'from-mask']]],
    ['an accent', sendMms({ 'from-mask': 'Café' }), [['E115', 'from-mask']]],
    ['empty', sendMms({ 'from-mask': '' }), [['E115', 'from-mask']]],
    ['on sendsavedmms', sendSaved({ 'from-mask': 'A.B' }), [['E115', 'from-mask']]],
  ])('%s', (_name, body, expected) => {
    expect(found(body)).toEqual(expected);
  });
});

describe('validateRequest: slides', () => {
  it.each<Case>([
    ['no slide key', { ...sendMms(), slide: undefined }, [['E312', 'slide']]],
    ['an empty slide array', sendMms({ slide: [] }), [['E312', 'slide']]],
    ['1 slide', sendMms({ slide: textSlides(1) }), OK],
    ['8 slides', sendMms({ slide: textSlides(8) }), OK],
    ['9 slides', sendMms({ slide: textSlides(9) }), [['E225', 'slide']]],
    ['9 slides on savemms', saveMms({ slide: textSlides(9) }), [['E225', 'slide']]],
    ['an empty slide', sendMms({ slide: [{}] }), [['E313', 'slide[0]']]],
    ['an empty second slide', sendMms({ slide: [{ 'message-text': 'a' }, {}] }), [['E313', 'slide[1]']]],
    ['empty text only', slideWith({ 'message-text': '' }), [['E313', 'slide[0]']]],
    ['whitespace-only text', slideWith({ 'message-text': ' \n\t ' }), [['E313', 'slide[0]']]],
    ['text only', slideWith({ 'message-text': 'Hi' }), OK],
    ['an image only', slideWith({ image: { url: 'https://a.example/i.png' } }), OK],
    [
      'a pdf with blank text',
      slideWith({ pdf: { url: 'https://a.example/r.pdf' }, 'message-text': ' ' }),
      OK,
    ],
    [
      'image + audio + text',
      slideWith({
        image: { url: 'https://a.example/i.png' },
        audio: { url: 'https://a.example/a.mp3' },
        'message-text': 'x',
      }),
      OK,
    ],
    ['video + text', slideWith({ video: { url: 'https://a.example/v.mp4' }, 'message-text': 'x' }), OK],
    [
      'contact + calendar',
      slideWith({
        contact: { url: 'https://a.example/c.vcf' },
        calendar: { url: 'https://a.example/c.ics' },
      }),
      [['E223', 'slide[0]']],
    ],
    [
      'contact + calendar + pdf',
      slideWith({
        contact: { url: 'https://a.example/c.vcf' },
        calendar: { url: 'https://a.example/c.ics' },
        pdf: { url: 'https://a.example/r.pdf' },
      }),
      [['E223', 'slide[0]']],
    ],
    [
      'pdf + image',
      slideWith({ pdf: { url: 'https://a.example/r.pdf' }, image: { url: 'https://a.example/i.png' } }),
      [['E224', 'slide[0]']],
    ],
    [
      'contact + audio',
      slideWith({ contact: { url: 'https://a.example/c.vcf' }, audio: { url: 'https://a.example/a.mp3' } }),
      [['E224', 'slide[0]']],
    ],
    [
      'calendar + video',
      slideWith({ calendar: { url: 'https://a.example/c.ics' }, video: { url: 'https://a.example/v.mp4' } }),
      [['E224', 'slide[0]']],
    ],
    [
      'audio + video',
      slideWith({ audio: { url: 'https://a.example/a.mp3' }, video: { url: 'https://a.example/v.mp4' } }),
      [['E226', 'slide[0]']],
    ],
    [
      'video + image',
      slideWith({ video: { url: 'https://a.example/v.mp4' }, image: { url: 'https://a.example/i.png' } }),
      [['E227', 'slide[0]']],
    ],
    [
      'image + audio + video',
      slideWith({
        image: { url: 'https://a.example/i.png' },
        audio: { url: 'https://a.example/a.mp3' },
        video: { url: 'https://a.example/v.mp4' },
      }),
      [
        ['E226', 'slide[0]'],
        ['E227', 'slide[0]'],
      ],
    ],
    [
      'audio + video + pdf',
      slideWith({
        audio: { url: 'https://a.example/a.mp3' },
        video: { url: 'https://a.example/v.mp4' },
        pdf: { url: 'https://a.example/r.pdf' },
      }),
      [
        ['E224', 'slide[0]'],
        ['E226', 'slide[0]'],
      ],
    ],
  ])('%s', (_name, body, expected) => {
    expect(found(JSON.parse(JSON.stringify(body)))).toEqual(expected);
  });

  it('numbers empty slides from 1 in the message', () => {
    expect(messageOf(sendMms({ slide: [{ 'message-text': 'a' }, { 'message-text': 'b' }, {}] }))).toMatch(
      /^Slide 3 is empty/,
    );
  });
});

describe('validateRequest: message-text length (E334, code points)', () => {
  const emoji = '😀'; // one code point, two UTF-16 units
  it.each<Case>([
    ['5000 characters', slideWith({ 'message-text': 'a'.repeat(5000) }), OK],
    ['5001 characters', slideWith({ 'message-text': 'a'.repeat(5001) }), [['E334', 'slide[0].message-text']]],
    ['5000 emoji (10000 UTF-16 units)', slideWith({ 'message-text': emoji.repeat(5000) }), OK],
    ['5001 emoji', slideWith({ 'message-text': emoji.repeat(5001) }), [['E334', 'slide[0].message-text']]],
    ['line breaks', slideWith({ 'message-text': 'line 1\nline 2\r\nline 3' }), OK],
    [
      'too long on the third slide',
      sendMms({ slide: [...textSlides(2), { 'message-text': 'a'.repeat(5001) }] }),
      [['E334', 'slide[2].message-text']],
    ],
  ])('%s', (_name, body, expected) => {
    expect(found(body)).toEqual(expected);
  });

  it('counts code points, not UTF-16 units', () => {
    expect(emoji.length).toBe(2);
    expect(codePointLength(emoji.repeat(5000))).toBe(5000);
    expect(codePointLength('a\uD800b')).toBe(3); // a lone surrogate counts once
    expect(messageOf(slideWith({ 'message-text': emoji.repeat(5001) }))).toBe(
      'Text in slide 1 is too long: 5001 characters, the maximum is 5000',
    );
  });
});

describe('validateRequest: media URLs (GW-INVALID-MEDIA-URL)', () => {
  it.each<Case>([
    ['https', url('https://cdn.example.com/a.jpg'), OK],
    ['http with port and query', url('http://cdn.example.com:8080/a.jpg?v=2'), OK],
    ['an upper-case scheme', url('HTTPS://CDN.EXAMPLE.COM/A.JPG'), OK],
    ['an IP host', url('http://192.0.2.10/a.jpg'), OK],
    ['ftp', url('ftp://cdn.example.com/a.jpg'), [['GW-INVALID-MEDIA-URL', 'slide[0].image.url']]],
    ['a relative path', url('/media/a.jpg'), [['GW-INVALID-MEDIA-URL', 'slide[0].image.url']]],
    ['no scheme', url('cdn.example.com/a.jpg'), [['GW-INVALID-MEDIA-URL', 'slide[0].image.url']]],
    [
      'a scheme-relative URL',
      url('//cdn.example.com/a.jpg'),
      [['GW-INVALID-MEDIA-URL', 'slide[0].image.url']],
    ],
    ['no host', url('https://'), [['GW-INVALID-MEDIA-URL', 'slide[0].image.url']]],
    ['an empty host', url('https:///a.jpg'), [['GW-INVALID-MEDIA-URL', 'slide[0].image.url']]],
    ['a space', url('https://cdn.example.com/a b.jpg'), [['GW-INVALID-MEDIA-URL', 'slide[0].image.url']]],
    [
      'a trailing space',
      url('https://cdn.example.com/a.jpg '),
      [['GW-INVALID-MEDIA-URL', 'slide[0].image.url']],
    ],
    ['javascript:', url('javascript:alert(1)'), [['GW-INVALID-MEDIA-URL', 'slide[0].image.url']]],
    ['data:', url('data:image/png;base64,AAAA'), [['GW-INVALID-MEDIA-URL', 'slide[0].image.url']]],
    ['an empty string', url(''), [['GW-INVALID-MEDIA-URL', 'slide[0].image.url']]],
    ['a bad host', url('https://exa mple.com/a.jpg'), [['GW-INVALID-MEDIA-URL', 'slide[0].image.url']]],
    [
      'a bad pdf URL on slide 2',
      sendMms({ slide: [...textSlides(1), { pdf: { url: 'file:///r.pdf' } }] }),
      [['GW-INVALID-MEDIA-URL', 'slide[1].pdf.url']],
    ],
  ])('%s', (_name, body, expected) => {
    expect(found(body)).toEqual(expected);
  });
});

describe('validateRequest: fallback SMS (E622)', () => {
  const noText = (body: Body): Body => ({ ...body, 'fallback-sms-text': undefined });
  it.each<Case>([
    ['sendmms without fallback-sms-text', noText(sendMms()), [['E622', 'fallback-sms-text']]],
    ['sendmms with an empty one', sendMms({ 'fallback-sms-text': '' }), [['E622', 'fallback-sms-text']]],
    ['sendmms with a blank one', sendMms({ 'fallback-sms-text': '  ' }), [['E622', 'fallback-sms-text']]],
    [
      'sendmms with disable-fallback-sms false',
      noText(sendMms({ 'disable-fallback-sms': false })),
      [['E622', 'fallback-sms-text']],
    ],
    ['sendmms with fallback disabled', noText(sendMms({ 'disable-fallback-sms': true })), OK],
    ['savemms without fallback-sms-text', noText(saveMms()), [['E622', 'fallback-sms-text']]],
    ['savemms with fallback disabled', noText(saveMms({ 'disable-fallback-sms': true })), OK],
    ['sendsavedmms without (the template may carry it)', sendSaved(), OK],
    [
      'sendsavedmms with an empty override',
      sendSaved({ 'fallback-sms-text': '' }),
      [['E622', 'fallback-sms-text']],
    ],
    [
      'sendsavedmms with an empty override, fallback disabled',
      sendSaved({ 'fallback-sms-text': '', 'disable-fallback-sms': true }),
      OK,
    ],
  ])('%s', (_name, body, expected) => {
    expect(found(JSON.parse(JSON.stringify(body)))).toEqual(expected);
  });
});

describe('validateRequest: message-subject (E314) and client-reference (GW-CLIENT-REFERENCE-TOO-LONG)', () => {
  it.each<Case>([
    ['a subject of 80', sendMms({ 'message-subject': 's'.repeat(80) }), OK],
    ['a subject of 81', sendMms({ 'message-subject': 's'.repeat(81) }), [['E314', 'message-subject']]],
    ['a subject of 80 emoji', sendMms({ 'message-subject': '🎉'.repeat(80) }), OK],
    ['a subject of 81 emoji', sendMms({ 'message-subject': '🎉'.repeat(81) }), [['E314', 'message-subject']]],
    [
      'a long subject on savemms',
      saveMms({ 'message-subject': 's'.repeat(81) }),
      [['E314', 'message-subject']],
    ],
    [
      'a long subject on sendsavedmms',
      sendSaved({ 'message-subject': 's'.repeat(81) }),
      [['E314', 'message-subject']],
    ],
    ['a client-reference of 64', sendMms({ 'client-reference': 'r'.repeat(64) }), OK],
    [
      'a client-reference of 65',
      sendMms({ 'client-reference': 'r'.repeat(65) }),
      [['GW-CLIENT-REFERENCE-TOO-LONG', 'client-reference']],
    ],
    ['a client-reference of 64 emoji', sendMms({ 'client-reference': '🎉'.repeat(64) }), OK],
    [
      'a long client-reference on savemms',
      saveMms({ 'client-reference': 'r'.repeat(65) }),
      [['GW-CLIENT-REFERENCE-TOO-LONG', 'client-reference']],
    ],
    [
      'a long client-reference on sendsavedmms',
      sendSaved({ 'client-reference': 'r'.repeat(65) }),
      [['GW-CLIENT-REFERENCE-TOO-LONG', 'client-reference']],
    ],
  ])('%s', (_name, body, expected) => {
    expect(found(body)).toEqual(expected);
  });
});

describe('validateRequest: service-id (E627)', () => {
  const required: ValidationContext = { ...ctx, requireServiceId: true };
  it.each<[string, Body, ValidationContext, [ErrorCode, string][]]>([
    ['missing, required', sendMms(), required, [['E627', 'service-id']]],
    ['missing, required, on sendsavedmms', sendSaved(), required, [['E627', 'service-id']]],
    ['missing, required, with a default', sendMms(), { ...required, defaultServiceId: '12345' }, OK],
    [
      'missing, required, with a blank default',
      sendMms(),
      { ...required, defaultServiceId: ' ' },
      [['E627', 'service-id']],
    ],
    ['given, required', sendMms({ 'service-id': '12345' }), required, OK],
    ['missing, not required', sendMms(), ctx, OK],
    ['empty, not required', sendMms({ 'service-id': '' }), ctx, [['E627', 'service-id']]],
    ['not on savemms even when required', saveMms(), required, OK],
  ])('%s', (_name, body, context, expected) => {
    expect(found(body, context)).toEqual(expected);
  });

  it('fills the default into requests that carry none, and keeps a given one', () => {
    const withDefault: ValidationContext = { ...ctx, requireServiceId: true, defaultServiceId: '999' };
    const filled = validateRequest(sendMms(), withDefault);
    expect(filled.ok && filled.request.action === 'sendmms' && filled.request['service-id']).toBe('999');
    const kept = validateRequest(sendSaved({ 'service-id': '12345' }), withDefault);
    expect(kept.ok && kept.request.action === 'sendsavedmms' && kept.request['service-id']).toBe('12345');
    const notRequired = validateRequest(sendMms(), { ...ctx, defaultServiceId: '999' });
    expect(
      notRequired.ok && notRequired.request.action === 'sendmms' && notRequired.request['service-id'],
    ).toBe('999');
    const save = validateRequest(saveMms(), withDefault);
    expect(save.ok && 'service-id' in save.request).toBe(false);
  });
});

describe('validateRequest: fallback-sms-link-expiration (≤ 1 year, GW-INVALID-LINK-EXPIRATION)', () => {
  const link = (value: string) => sendMms({ 'fallback-sms-link-expiration': value });
  const bad: [ErrorCode, string][] = [['GW-INVALID-LINK-EXPIRATION', 'fallback-sms-link-expiration']];
  it.each<Case>([
    ['exactly 1 year ahead', link('2027-06-01T12:00:00Z'), OK],
    ['1 year and 1 ms ahead', link('2027-06-01T12:00:00.001Z'), bad],
    ['1 year and 1 s ahead, with an offset', link('2027-06-01T14:00:01+02:00'), bad],
    ['1 minute ahead, with an offset', link('2026-06-01T08:01:00-04:00'), OK],
    ['without seconds', link('2026-12-31T00:00Z'), OK],
    ['with fractions', link('2026-12-31T00:00:00.123456Z'), OK],
    ['an offset without colon', link('2026-12-31T00:00:00+0200'), OK],
    ['now (not in the future)', link('2026-06-01T12:00:00Z'), bad],
    ['in the past', link('2025-01-01T00:00:00Z'), bad],
    ['a date without time', link('2026-12-31'), bad],
    ['no time zone', link('2026-12-31T00:00:00'), bad],
    ['an impossible date', link('2026-02-30T00:00:00Z'), bad],
    ['hour 24', link('2026-12-31T24:00:00Z'), bad],
    ['free text', link('in a week'), bad],
    ['an RFC 2822 date', link('Thu, 31 Dec 2026 00:00:00 GMT'), bad],
    ['on savemms', saveMms({ 'fallback-sms-link-expiration': '2030-01-01T00:00:00Z' }), bad],
    ['on sendsavedmms', sendSaved({ 'fallback-sms-link-expiration': '2026-01-01T00:00:00Z' }), bad],
  ])('%s', (_name, body, expected) => {
    expect(found(body)).toEqual(expected);
  });
});

describe('validateRequest: mms-expiry-timestamp (≤ 3 days, GW-INVALID-MMS-EXPIRY)', () => {
  const expiry = (value: string) => sendMms({ 'mms-expiry-timestamp': value });
  const bad: [ErrorCode, string][] = [['GW-INVALID-MMS-EXPIRY', 'mms-expiry-timestamp']];
  it.each<Case>([
    ['exactly 3 days ahead', expiry('2026-06-04T12:00:00Z'), OK],
    ['3 days and 1 ms ahead', expiry('2026-06-04T12:00:00.001Z'), bad],
    ['3 days ahead with an offset', expiry('2026-06-04T14:00:00+02:00'), OK],
    ['3 days and 1 s ahead with an offset', expiry('2026-06-04T14:00:01+02:00'), bad],
    ['1 hour ahead', expiry('2026-06-01T13:00:00Z'), OK],
    ['in the past', expiry('2026-06-01T11:59:59Z'), bad],
    ['no time zone', expiry('2026-06-02T12:00:00'), bad],
    ['not a date', expiry('tomorrow'), bad],
    ['on sendsavedmms', sendSaved({ 'mms-expiry-timestamp': '2026-06-10T00:00:00Z' }), bad],
  ])('%s', (_name, body, expected) => {
    expect(found(body)).toEqual(expected);
  });

  it('parses ISO 8601 date-times exactly', () => {
    expect(parseIsoDateTime('2026-06-01T12:00:00Z')).toBe(NOW.getTime());
    expect(parseIsoDateTime('2026-06-01T14:00:00+02:00')).toBe(NOW.getTime());
    expect(parseIsoDateTime('2026-06-01t12:00:00.5z')).toBe(NOW.getTime() + 500);
    expect(parseIsoDateTime('2028-02-29T00:00:00Z')).toBe(Date.UTC(2028, 1, 29));
    expect(parseIsoDateTime('2027-02-29T00:00:00Z')).toBeUndefined();
    expect(parseIsoDateTime('0099-01-01T00:00:00Z')).toBe(new Date('0099-01-01T00:00:00Z').getTime());
    expect(parseIsoDateTime('2026-13-01T00:00:00Z')).toBeUndefined();
    expect(parseIsoDateTime('2026-06-01T12:60:00Z')).toBeUndefined();
    expect(parseIsoDateTime('2026-06-01T12:00:00+24:00')).toBeUndefined();
  });
});

describe('validateRequest: custom-slides (sendsavedmms)', () => {
  const custom = (...entries: Body[]) => sendSaved({ 'custom-slides': entries });
  it.each<Case>([
    ['slide "1"', custom({ 'custom-slide': '1', 'custom-message-text': 'Hi Ann' }), OK],
    ['slide "8"', custom({ 'custom-slide': '8', 'custom-message-text': 'Hi' }), OK],
    ['an empty list', custom(), OK],
    [
      'slide "9"',
      custom({ 'custom-slide': '9', 'custom-message-text': 'x' }),
      [['GW-INVALID-CUSTOM-SLIDE', 'custom-slides[0].custom-slide']],
    ],
    [
      'slide "0"',
      custom({ 'custom-slide': '0', 'custom-message-text': 'x' }),
      [['GW-INVALID-CUSTOM-SLIDE', 'custom-slides[0].custom-slide']],
    ],
    [
      'slide "01"',
      custom({ 'custom-slide': '01', 'custom-message-text': 'x' }),
      [['GW-INVALID-CUSTOM-SLIDE', 'custom-slides[0].custom-slide']],
    ],
    [
      'slide "one"',
      custom({ 'custom-slide': 'one', 'custom-message-text': 'x' }),
      [['GW-INVALID-CUSTOM-SLIDE', 'custom-slides[0].custom-slide']],
    ],
    [
      'the same slide twice',
      custom(
        { 'custom-slide': '2', 'custom-message-text': 'a' },
        { 'custom-slide': '2', 'custom-message-text': 'b' },
      ),
      [['GW-INVALID-CUSTOM-SLIDE', 'custom-slides[1].custom-slide']],
    ],
    ['text of 5000', custom({ 'custom-slide': '1', 'custom-message-text': '😀'.repeat(5000) }), OK],
    [
      'text of 5001',
      custom({ 'custom-slide': '1', 'custom-message-text': 'a'.repeat(5001) }),
      [['E228', 'custom-slides[0].custom-message-text']],
    ],
    ['no custom-slide', custom({ 'custom-message-text': 'x' }), [['E100', 'custom-slides[0].custom-slide']]],
    [
      'no custom-message-text',
      custom({ 'custom-slide': '1' }),
      [['E100', 'custom-slides[0].custom-message-text']],
    ],
    ['an entry that is a string', custom('1' as unknown as Body), [['GW-INVALID-TYPE', 'custom-slides[0]']]],
  ])('%s', (_name, body, expected) => {
    expect(found(body)).toEqual(expected);
  });
});

describe('validateRequest: several violations at once', () => {
  it('reports bad to, bad from and 9 slides together, E110 first', () => {
    const body = sendMms({ to: '+17745559144', from: 'ACME', slide: textSlides(9) });
    expect(found(body)).toEqual([
      ['E110', 'to'],
      ['E111', 'from'],
      ['E225', 'slide'],
    ]);
    const result = validateRequest(body, ctx);
    if (result.ok) throw new Error('expected violations');
    const response = failureBody(result.violations);
    expect(response.status).toBe('failure');
    expect(response['error-code']).toBe('E110');
    expect(response['error-info']).toBe(result.violations[0]?.message);
    expect(response.errors).toHaveLength(3);
  });

  it('orders by field, not by the key order of the body', () => {
    const body = {
      slide: [{}, { image: { url: 'x' } }],
      'client-reference': 'r'.repeat(65),
      from: '1',
      to: '0017745559144',
      zzz: 1,
      action: 'sendmms',
      'message-subject': 's'.repeat(81),
    };
    expect(found(body)).toEqual([
      ['E110', 'to'],
      ['E111', 'from'],
      ['E314', 'message-subject'],
      ['E313', 'slide[0]'],
      ['GW-INVALID-MEDIA-URL', 'slide[1].image.url'],
      ['E622', 'fallback-sms-text'],
      ['GW-CLIENT-REFERENCE-TOO-LONG', 'client-reference'],
      ['GW-UNKNOWN-FIELD', 'zzz'],
    ]);
  });

  it('reports every broken slide, in slide order', () => {
    const body = sendMms({
      slide: [
        { 'message-text': 'ok' },
        { audio: { url: 'https://a.example/a.mp3' }, video: { url: 'ftp://a.example/v.mp4' } },
        'bad',
        {},
        {
          'message-text': 'a'.repeat(5001),
          pdf: { url: 'https://a.example/r.pdf' },
          calendar: { url: 'https://a.example/c.ics' },
        },
      ],
    });
    expect(found(body)).toEqual([
      ['E226', 'slide[1]'],
      ['GW-INVALID-MEDIA-URL', 'slide[1].video.url'],
      ['GW-INVALID-TYPE', 'slide[2]'],
      ['E313', 'slide[3]'],
      ['E223', 'slide[4]'],
      ['E334', 'slide[4].message-text'],
    ]);
  });

  it('never echoes phone numbers in messages', () => {
    const result = validateRequest(
      sendMms({ to: ['+17745550001', '17745550002', '17745550002'], 'to-displayonly': '0017745550003' }),
      ctx,
    );
    if (result.ok) throw new Error('expected violations');
    for (const v of result.violations) expect(v.message).not.toMatch(/7745550/);
  });
});

describe('expandGroup', () => {
  const valid = (body: Body): SendMmsRequest | SendSavedMmsRequest => {
    const result = validateRequest(body, ctx);
    if (!result.ok || result.request.action === 'savemms') throw new Error('expected a valid send request');
    return result.request;
  };

  it('sends one request per member with the others display-only (the provider group pattern)', () => {
    const requests = expandGroup(valid(sendMms({ to: ['17745550001', '17745550002', '17745550003'] })));
    expect(requests.map((r) => [r.to, r['to-displayonly']])).toEqual([
      ['17745550001', '17745550002,17745550003'],
      ['17745550002', '17745550001,17745550003'],
      ['17745550003', '17745550001,17745550002'],
    ]);
    for (const r of requests) {
      expect(r.action === 'sendmms' && r.slide).toEqual(sendMms()['slide']);
    }
  });

  it('merges given display-only numbers after the members, without duplicates or the recipient', () => {
    const requests = expandGroup(
      valid(
        sendSaved({
          to: ['17745550001', '17745550002'],
          'to-displayonly': '17745550009, 17745550002,17745550009',
        }),
      ),
    );
    expect(requests.map((r) => [r.action, r.to, r['to-displayonly']])).toEqual([
      ['sendsavedmms', '17745550001', '17745550002,17745550009'],
      ['sendsavedmms', '17745550002', '17745550001,17745550009'],
    ]);
  });

  it('gives a single request for a single to, keeping its display-only numbers', () => {
    expect(expandGroup(valid(sendMms({ 'to-displayonly': '17745550002' })))).toEqual([
      sendMms({ 'to-displayonly': '17745550002' }),
    ]);
    const [single, ...rest] = expandGroup(valid(sendMms()));
    expect(rest).toEqual([]);
    expect(single).toEqual(sendMms());
    expect(single && 'to-displayonly' in single).toBe(false);
  });

  it('produces requests that each pass validation', () => {
    const group = valid(sendMms({ to: numbers(20), 'to-displayonly': '4915112345678' }));
    const requests = expandGroup(group);
    expect(requests).toHaveLength(20);
    expect(new Set(requests.map((r) => r.to))).toEqual(new Set(numbers(20)));
    for (const r of requests) {
      expect(found(r)).toEqual(OK);
      expect(r['to-displayonly']?.split(',')).toHaveLength(20);
    }
  });
});
