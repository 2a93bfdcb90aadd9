/**
 * The oracle of the fuzzers (test/fuzz/validation.property.test.ts and test/faults/fuzz.test.ts): valid bases,
 * and rules — one known mutation each, with the error code and path it must get — written from the Sinch reference
 * (and docs/errors.md for the GW- codes), not from lambdas/domain, so that a validator that drifts from the
 * contract fails them. Also a generator of valid sendmms bodies that must be accepted unchanged.
 */
import fc from 'fast-check';
import type { ValidationContext } from '../../lambdas/domain/sinch/validation';

export const NOW = new Date('2026-06-01T12:00:00Z');
export const lenient: ValidationContext = { now: NOW, requireServiceId: false };

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export const BASES: Record<string, Json>[] = [
  {
    action: 'sendmms',
    'service-id': '12345',
    to: '17745559144',
    'to-displayonly': '17745550002,17745550003',
    from: '28444',
    'from-mask': 'ACME',
    'message-subject': 'Your order',
    'fallback-sms-text': 'See it here:',
    'disable-fallback-sms': false,
    'disable-fallback-sms-link': false,
    'fallback-sms-link-expiration': '2026-12-31T00:00:00Z',
    'mms-expiry-timestamp': '2026-06-03T12:00:00Z',
    'client-reference': 'gw-7f3c2a',
    'cache-content': true,
    slide: [
      {
        image: { url: 'https://cdn.example.com/a.jpg' },
        audio: { url: 'https://cdn.example.com/a.mp3' },
        'message-text': 'Hello',
      },
      { pdf: { url: 'https://cdn.example.com/receipt.pdf' } },
    ],
  },
  {
    action: 'sendmms',
    to: ['17745550001', '17745550002', '17745550003'],
    from: '18885551234',
    'disable-fallback-sms': true,
    slide: [{ video: { url: 'http://cdn.example.com/v.mp4' }, 'message-text': 'Hi' }],
  },
  {
    action: 'savemms',
    name: 'spring-promo',
    'message-subject': 'Spring sale',
    'fallback-sms-text': 'Spring sale - see it here:',
    'client-reference': 'tmpl-001',
    slide: [
      { video: { url: 'https://cdn.example.com/promo.mp4' }, 'message-text': '20% off' },
      { contact: { url: 'https://cdn.example.com/store.vcf' } },
    ],
  },
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
];

/** The rules, written from the Sinch reference and docs/errors.md, not from lambdas/domain. */
export interface Rule {
  readonly name: string;
  readonly actions: readonly string[];
  readonly mutate: (body: Record<string, Json>) => void;
  readonly code: string;
  readonly path: string;
  /** The context the rule needs (default: the lenient one). */
  readonly context?: ValidationContext;
}
const SENDS = ['sendmms', 'sendsavedmms'];
const ALL = ['sendmms', 'savemms', 'sendsavedmms'];
const WITH_SLIDES = ['sendmms', 'savemms'];
export const RULES: Rule[] = [
  { name: 'no action', actions: ALL, mutate: (b) => delete b['action'], code: 'E100', path: 'action' },
  {
    name: 'unknown action',
    actions: ALL,
    mutate: (b) => (b['action'] = 'sendfax'),
    code: 'E100',
    path: 'action',
  },
  { name: 'no to', actions: SENDS, mutate: (b) => delete b['to'], code: 'E100', path: 'to' },
  { name: 'to too short', actions: SENDS, mutate: (b) => (b['to'] = '12'), code: 'E110', path: 'to' },
  {
    name: 'to not digits',
    actions: SENDS,
    mutate: (b) => (b['to'] = '1774555914x'),
    code: 'E110',
    path: 'to',
  },
  {
    name: 'group with a repeated member',
    actions: SENDS,
    mutate: (b) => (b['to'] = ['17745550001', '17745550001']),
    code: 'GW-INVALID-GROUP',
    path: 'to[1]',
  },
  { name: 'no from', actions: SENDS, mutate: (b) => delete b['from'], code: 'E100', path: 'from' },
  { name: 'from too short', actions: SENDS, mutate: (b) => (b['from'] = '12'), code: 'E111', path: 'from' },
  {
    name: 'from not allowed for the team',
    actions: SENDS,
    mutate: (b) => (b['from'] = '18885559999'),
    code: 'E111',
    path: 'from',
    context: { now: NOW, requireServiceId: false, allowedSenders: ['28444'] },
  },
  {
    name: 'from-mask of 12 characters',
    actions: ['sendmms'],
    mutate: (b) => (b['from-mask'] = 'ABCDEFGHIJKL'),
    code: 'E115',
    path: 'from-mask',
  },
  {
    name: 'subject of 81 characters',
    actions: WITH_SLIDES,
    mutate: (b) => (b['message-subject'] = 's'.repeat(81)),
    code: 'E314',
    path: 'message-subject',
  },
  { name: 'no slides', actions: WITH_SLIDES, mutate: (b) => (b['slide'] = []), code: 'E312', path: 'slide' },
  {
    name: 'nine slides',
    actions: WITH_SLIDES,
    mutate: (b) => (b['slide'] = Array.from({ length: 9 }, () => ({ 'message-text': 'x' }))),
    code: 'E225',
    path: 'slide',
  },
  {
    name: 'video and image on one slide',
    actions: WITH_SLIDES,
    mutate: (b) =>
      (b['slide'] = [
        { video: { url: 'https://a.example/v.mp4' }, image: { url: 'https://a.example/i.jpg' } },
      ]),
    code: 'E227',
    path: 'slide[0]',
  },
  {
    name: 'audio and video on one slide',
    actions: WITH_SLIDES,
    mutate: (b) =>
      (b['slide'] = [
        { video: { url: 'https://a.example/v.mp4' }, audio: { url: 'https://a.example/a.mp3' } },
      ]),
    code: 'E226',
    path: 'slide[0]',
  },
  {
    name: 'empty fallback text while fallback is on',
    actions: WITH_SLIDES,
    mutate: (b) => {
      b['disable-fallback-sms'] = false;
      b['fallback-sms-text'] = '';
    },
    code: 'E622',
    path: 'fallback-sms-text',
  },
  {
    name: 'no template name',
    actions: ['savemms'],
    mutate: (b) => delete b['name'],
    code: 'E311',
    path: 'name',
  },
  {
    name: 'no mms-id',
    actions: ['sendsavedmms'],
    mutate: (b) => delete b['mms-id'],
    code: 'E620',
    path: 'mms-id',
  },
  {
    name: 'no service-id where one is required',
    actions: SENDS,
    mutate: (b) => delete b['service-id'],
    code: 'E627',
    path: 'service-id',
    context: { now: NOW, requireServiceId: true },
  },
  {
    name: 'client-reference of 65 characters',
    actions: ALL,
    mutate: (b) => (b['client-reference'] = 'r'.repeat(65)),
    code: 'GW-CLIENT-REFERENCE-TOO-LONG',
    path: 'client-reference',
  },
  {
    name: 'unknown field',
    actions: ALL,
    mutate: (b) => (b['colour'] = 'red'),
    code: 'GW-UNKNOWN-FIELD',
    path: 'colour',
  },
  {
    name: 'null is not absent',
    actions: ALL,
    mutate: (b) => (b['client-reference'] = null),
    code: 'GW-INVALID-TYPE',
    path: 'client-reference',
  },
  {
    name: 'a number where text goes',
    actions: SENDS,
    mutate: (b) => (b['from'] = 18885551234),
    code: 'GW-INVALID-TYPE',
    path: 'from',
  },
];

const digits = (min: number, max: number) =>
  fc.integer({ min: 10 ** (min - 1), max: 10 ** max - 1 }).map(String);
const text = (max: number) => fc.string({ minLength: 1, maxLength: max }).filter((t) => t.trim() !== '');
export const validSendmms = fc
  .record({
    to: fc.constantFrom('1', '44', '46').chain((cc) => digits(9, 10).map((n) => cc + n)),
    from: fc.constantFrom('28444', '18885551234'),
    subject: fc.option(text(80), { nil: undefined }),
    reference: fc.option(fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), { nil: undefined }),
    slides: fc.array(text(200), { minLength: 1, maxLength: 8 }),
  })
  .map(({ to, from, subject, reference, slides }) => {
    const body: Record<string, Json> = {
      action: 'sendmms',
      to,
      from,
      'fallback-sms-text': 'See it here:',
      slide: slides.map((t) => ({ 'message-text': t })),
    };
    if (subject !== undefined) body['message-subject'] = subject;
    if (reference !== undefined) body['client-reference'] = reference;
    return body;
  });

/** Every (base, rule) pair where the rule applies to the base's action. */
export const applicable = BASES.flatMap((base) =>
  RULES.filter((rule) => rule.actions.includes(base['action'] as string)).map(
    (rule) => [base, rule] as const,
  ),
);
