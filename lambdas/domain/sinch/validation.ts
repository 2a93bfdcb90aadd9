/**
 * Validation of MMS requests: every rule of the Sinch MMS JSON API that can be checked before sending,
 * each reported with Sinch's own code where one exists and a `GW-` code otherwise (error-codes.ts).
 *
 * `validateRequest` reports ALL violations, ordered by field (FIELD_ORDER, the order of Sinch's field
 * table: action first, slides after the addressing fields), so the first one is the most basic. It never
 * throws on any input.
 *
 * Decisions (see docs/errors.md):
 * - Strict fields: a key that is not part of the action (a typo, `vcard`, `to` on savemms) is GW-UNKNOWN-FIELD,
 *   never silently dropped. `null` is not "absent": it is GW-INVALID-TYPE.
 * - E622 (fallback-sms-text required while fallback is on) applies to sendmms and savemms. On sendsavedmms the
 *   template may carry the text, so it is only an error there when given empty.
 * - from-mask: 1–11 characters of [A-Za-z0-9_-] (the XML glossary rule, and the alphanumeric sender limit
 *   handsets show), E115 otherwise; Sinch's E115 text mentions 50 characters, the stricter rule wins so that a
 *   mask never reaches Sinch that a carrier would truncate or reject.
 * - Dates are ISO 8601 extended date-times with a time zone (Z or ±hh:mm); a date without zone is ambiguous.
 * - Lengths count Unicode code points, not UTF-16 units.
 */
import type * as z from '../zod';
import type { ErrorCode, Violation } from './error-codes';
import {
  CONTENT_KEYS,
  MAX_CLIENT_REFERENCE_LENGTH,
  MAX_FROM_MASK_LENGTH,
  MAX_GROUP_SIZE,
  MAX_SLIDES,
  MAX_SUBJECT_LENGTH,
  MAX_TEXT_LENGTH,
  MEDIA_KEYS,
  MIN_GROUP_SIZE,
  OBJECT_KEYS,
  SCHEMAS,
  isAction,
  mmsRequestSchema,
  type Action,
  type MmsRequest,
  type SendMmsRequest,
  type SendRequest,
  type SendSavedMmsRequest,
} from './mms';
import { isInternationalNumber, isShortCode } from './phone';

export interface ValidationContext {
  now: Date;
  /** Sender numbers the caller may use; undefined = any valid sender. */
  allowedSenders?: readonly string[];
  requireServiceId: boolean;
  /** Filled into send requests that carry no `service-id`. */
  defaultServiceId?: string;
}

export type ParseResult = { ok: true; value: unknown } | { ok: false; violations: Violation[] };
export type ValidationResult = { ok: true; request: MmsRequest } | { ok: false; violations: Violation[] };

/** Order in which violations are reported: the order of Sinch's field table. Unknown fields come last. */
export const FIELD_ORDER = [
  'action',
  'mms-id',
  'name',
  'service-id',
  'to',
  'to-displayonly',
  'from',
  'from-mask',
  'message-subject',
  'slide',
  'custom-slides',
  'fallback-sms-text',
  'disable-fallback-sms',
  'disable-fallback-sms-link',
  'fallback-sms-link-expiration',
  'mms-expiry-timestamp',
  'client-reference',
  'cache-content',
] as const;

const LINK_EXPIRATION_MAX_YEARS = 1;
const MMS_EXPIRY_MAX_MS = 3 * 24 * 60 * 60 * 1000;

// ---------------------------------------------------------------------------------------------------------------
// JSON body

export function parseJsonBody(raw: string | null | undefined): ParseResult {
  const text = (raw ?? '').replace(/^\uFEFF/, '');
  if (text.trim() === '') return parseFailure('Request body is empty: send a JSON object');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return parseFailure('Request body is not valid JSON');
  }
  if (!isPlainObject(value)) return parseFailure('Request body must be a JSON object');
  return { ok: true, value };
}

function parseFailure(message: string): ParseResult {
  return { ok: false, violations: [{ code: 'E108', path: '', message }] };
}

// ---------------------------------------------------------------------------------------------------------------
// Request

type Segment = PropertyKey;
type Body = Record<string, unknown>;

/** Collects violations with their sort position (top-level field, then first array index, then emission). */
class Violations {
  private readonly items: { violation: Violation; rank: number; index: number; seq: number }[] = [];

  add(code: ErrorCode, segments: readonly Segment[], message: string): void {
    const top = segments[0];
    const rankOf = FIELD_ORDER.indexOf(top as (typeof FIELD_ORDER)[number]);
    const rank = top === undefined ? -1 : rankOf === -1 ? FIELD_ORDER.length : rankOf;
    const firstIndex = segments.find((s): s is number => typeof s === 'number');
    this.items.push({
      violation: { code, path: formatPath(segments), message },
      rank,
      index: firstIndex ?? -1,
      seq: this.items.length,
    });
  }

  get size(): number {
    return this.items.length;
  }

  sorted(): Violation[] {
    return [...this.items]
      .sort((a, b) => a.rank - b.rank || a.index - b.index || a.seq - b.seq)
      .map((i) => i.violation);
  }
}

export function validateRequest(body: unknown, ctx: ValidationContext): ValidationResult {
  if (!isPlainObject(body)) {
    return {
      ok: false,
      violations: [{ code: 'E108', path: '', message: 'Request body must be a JSON object' }],
    };
  }
  const action = own(body, 'action');
  if (action === undefined) {
    return {
      ok: false,
      violations: [{ code: 'E100', path: 'action', message: 'Missing required field: action' }],
    };
  }
  if (!isAction(action)) {
    return {
      ok: false,
      violations: [
        { code: 'E100', path: 'action', message: 'Unknown action: use sendmms, savemms or sendsavedmms' },
      ],
    };
  }

  const out = new Violations();
  const parsed = mmsRequestSchema.safeParse(body);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) mapIssue(issue, body, action, [], out);
  }
  checkRules(action, body, ctx, out);

  if (out.size > 0) return { ok: false, violations: out.sorted() };
  if (!parsed.success) {
    // Safety net: a shape error the mapping above did not explain must still fail, never pass unchecked.
    return {
      ok: false,
      violations: parsed.error.issues.map((i) => ({
        code: 'GW-INVALID-TYPE',
        path: formatPath(i.path),
        message: i.message,
      })),
    };
  }
  return { ok: true, request: finalize(parsed.data, ctx) };
}

// ---------------------------------------------------------------------------------------------------------------
// Shape errors (zod issues → violations)

const FIELDS_BY_ACTION: Record<Action, readonly string[]> = {
  sendmms: Object.keys(SCHEMAS.sendmms.shape),
  savemms: Object.keys(SCHEMAS.savemms.shape),
  sendsavedmms: Object.keys(SCHEMAS.sendsavedmms.shape),
};

function mapIssue(
  issue: z.core.$ZodIssue,
  body: Body,
  action: Action,
  prefix: readonly Segment[],
  out: Violations,
): void {
  const path = [...prefix, ...issue.path];
  switch (issue.code) {
    case 'unrecognized_keys':
      for (const key of issue.keys)
        out.add('GW-UNKNOWN-FIELD', [...path, key], unknownFieldMessage(path, key, action));
      return;
    case 'invalid_type': {
      const value = valueAt(body, path);
      // A missing field is not a type error: the rules report it with its own code (E100, E311, E312, E620…).
      if (value === undefined) return;
      out.add('GW-INVALID-TYPE', path, typeMessage(path, [issue.expected], value));
      return;
    }
    case 'invalid_union': {
      const value = valueAt(body, path);
      if (value === undefined) return;
      // The branch whose top-level type matches (e.g. the array branch of `to`) explains the error best.
      const rootMismatch = (i: z.core.$ZodIssue) => i.code === 'invalid_type' && i.path.length === 0;
      const branch = issue.errors.find((errors) => !errors.some(rootMismatch));
      if (branch !== undefined) {
        for (const inner of branch) mapIssue(inner, body, action, path, out);
        return;
      }
      const expected = issue.errors.flatMap((errors) =>
        errors.filter(rootMismatch).map((i) => (i.code === 'invalid_type' ? i.expected : 'value')),
      );
      out.add('GW-INVALID-TYPE', path, typeMessage(path, expected, value));
      return;
    }
    default:
      out.add('GW-INVALID-TYPE', path, `${quoteField(path)}: ${issue.message}`);
  }
}

function unknownFieldMessage(path: readonly Segment[], key: string, action: Action): string {
  const name = truncate(key, 64);
  if (path.length > 0) return `Unknown field '${name}' in ${formatPath(path)}`;
  if (key === 'api-key' || key === 'x-api-key') {
    return `Unknown field '${name}': send the API key in the x-api-key header, never in the body`;
  }
  const elsewhere = ACTION_NAMES.filter((a) => a !== action && FIELDS_BY_ACTION[a].includes(key));
  if (elsewhere.length > 0)
    return `Field '${name}' is not part of ${action} (only of ${elsewhere.join(', ')})`;
  return `Unknown field '${name}' for ${action}`;
}

const ACTION_NAMES: readonly Action[] = ['sendmms', 'savemms', 'sendsavedmms'];

function typeMessage(path: readonly Segment[], expected: readonly string[], value: unknown): string {
  const wanted = [...new Set(expected)].map(withArticle).join(' or ');
  return `${quoteField(path)} must be ${wanted}, not ${jsonType(value)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Business rules (run on the raw body; each rule only looks at values of the right type)

function checkRules(action: Action, body: Body, ctx: ValidationContext, out: Violations): void {
  if (action === 'savemms') checkName(body, out);
  if (action === 'sendsavedmms') checkMmsId(body, out);
  if (action !== 'savemms') {
    checkServiceId(body, ctx, out);
    const recipients = checkTo(body, out);
    // A group member also listed as display-only is merged away by expandGroup; a single `to` must not repeat.
    checkDisplayOnly(body, typeof own(body, 'to') === 'string' ? recipients : new Set(), out);
    checkFrom(body, ctx, out);
    checkFromMask(body, out);
    checkDate(
      body,
      'mms-expiry-timestamp',
      'GW-INVALID-MMS-EXPIRY',
      mmsExpiryMax(ctx.now),
      '3 days',
      ctx.now,
      out,
    );
  }
  checkSubject(body, out);
  if (action === 'sendsavedmms') checkCustomSlides(body, out);
  else checkSlides(body, out);
  checkFallback(action, body, out);
  checkDate(
    body,
    'fallback-sms-link-expiration',
    'GW-INVALID-LINK-EXPIRATION',
    addUtcYears(ctx.now, LINK_EXPIRATION_MAX_YEARS),
    '1 year',
    ctx.now,
    out,
  );
  checkClientReference(body, out);
}

function checkName(body: Body, out: Violations): void {
  const name = own(body, 'name');
  if (name === undefined) out.add('E311', ['name'], 'Missing required field: name');
  else if (typeof name === 'string' && name.trim() === '')
    out.add('E311', ['name'], 'name must not be empty');
}

function checkMmsId(body: Body, out: Violations): void {
  const id = own(body, 'mms-id');
  if (id === undefined) out.add('E620', ['mms-id'], 'Missing required field: mms-id');
  else if (typeof id === 'string' && id.trim() === '')
    out.add('E620', ['mms-id'], 'mms-id must not be empty');
}

function checkServiceId(body: Body, ctx: ValidationContext, out: Violations): void {
  const serviceId = own(body, 'service-id');
  if (serviceId === undefined) {
    if (ctx.requireServiceId && !hasText(ctx.defaultServiceId)) {
      out.add('E627', ['service-id'], 'Missing required field: service-id');
    }
  } else if (typeof serviceId === 'string' && serviceId.trim() === '') {
    out.add('E627', ['service-id'], 'service-id must not be empty');
  }
}

/** Checks `to` (a number, or a group of 2–20); returns the valid recipient numbers. */
function checkTo(body: Body, out: Violations): Set<string> {
  const to = own(body, 'to');
  const recipients = new Set<string>();
  if (to === undefined) {
    out.add('E100', ['to'], 'Missing required field: to');
  } else if (typeof to === 'string') {
    const problem = numberProblem(to);
    if (problem === undefined) recipients.add(to);
    else out.add('E110', ['to'], `Invalid to: ${problem}`);
  } else if (Array.isArray(to)) {
    if (to.length < MIN_GROUP_SIZE || to.length > MAX_GROUP_SIZE) {
      out.add(
        'GW-INVALID-GROUP',
        ['to'],
        `A group send needs ${MIN_GROUP_SIZE} to ${MAX_GROUP_SIZE} recipients in to, got ${to.length}`,
      );
    }
    to.forEach((entry: unknown, i) => {
      if (typeof entry !== 'string') return; // shape error, reported by the schema
      const problem = numberProblem(entry);
      if (problem !== undefined) out.add('E110', ['to', i], `Invalid to[${i}]: ${problem}`);
      else if (recipients.has(entry)) out.add('GW-INVALID-GROUP', ['to', i], `to[${i}] repeats a recipient`);
      else recipients.add(entry);
    });
  }
  return recipients;
}

function checkDisplayOnly(body: Body, excluded: ReadonlySet<string>, out: Violations): void {
  const value = own(body, 'to-displayonly');
  if (typeof value !== 'string' || value.trim() === '') return; // an empty list means no display-only numbers
  value.split(',').forEach((raw, i) => {
    const entry = raw.trim();
    const problem = numberProblem(entry);
    if (problem !== undefined) {
      out.add('E110', ['to-displayonly', i], `Invalid to-displayonly entry ${i + 1}: ${problem}`);
    } else if (excluded.has(entry)) {
      out.add(
        'E110',
        ['to-displayonly', i],
        `to-displayonly entry ${i + 1} repeats the to number: list only the other participants`,
      );
    }
  });
}

function checkFrom(body: Body, ctx: ValidationContext, out: Violations): void {
  const from = own(body, 'from');
  if (from === undefined) {
    out.add('E100', ['from'], 'Missing required field: from');
  } else if (typeof from === 'string') {
    if (!isShortCode(from) && !isInternationalNumber(from)) {
      out.add(
        'E111',
        ['from'],
        'Invalid from: use a short code (5 or 6 digits) or an international number (country code first, ' +
          "digits only, no '+' or 00/011 prefix, 8 to 15 digits)",
      );
    } else if (ctx.allowedSenders !== undefined && !ctx.allowedSenders.includes(from)) {
      out.add('E111', ['from'], 'Invalid from: this sender number is not allowed for your team');
    }
  }
}

function checkFromMask(body: Body, out: Violations): void {
  const mask = own(body, 'from-mask');
  if (typeof mask !== 'string') return;
  if (codePointLength(mask) > MAX_FROM_MASK_LENGTH || !/^[A-Za-z0-9_-]+$/.test(mask)) {
    out.add(
      'E115',
      ['from-mask'],
      `Invalid from-mask: use 1 to ${MAX_FROM_MASK_LENGTH} characters among A-Z, a-z, 0-9, '_' and '-'`,
    );
  }
}

function checkSubject(body: Body, out: Violations): void {
  const subject = own(body, 'message-subject');
  if (typeof subject !== 'string') return;
  const length = codePointLength(subject);
  if (length > MAX_SUBJECT_LENGTH) {
    out.add(
      'E314',
      ['message-subject'],
      `message-subject is too long: ${length} characters, the maximum is ${MAX_SUBJECT_LENGTH}`,
    );
  }
}

function checkSlides(body: Body, out: Violations): void {
  const slides = own(body, 'slide');
  if (slides === undefined || (Array.isArray(slides) && slides.length === 0)) {
    out.add('E312', ['slide'], 'No slides: an MMS needs at least one slide');
    return;
  }
  if (!Array.isArray(slides)) return;
  if (slides.length > MAX_SLIDES) {
    out.add('E225', ['slide'], `Too many slides: ${slides.length}, the maximum is ${MAX_SLIDES}`);
  }
  slides.forEach((slide: unknown, i) => {
    if (isPlainObject(slide)) checkSlide(slide, i, out);
  });
}

function checkSlide(slide: Body, i: number, out: Violations): void {
  const n = i + 1;
  const base = ['slide', i] as const;
  const present = CONTENT_KEYS.filter((k) => own(slide, k) !== undefined && own(slide, k) !== null);
  const media = present.filter((k) => (MEDIA_KEYS as readonly string[]).includes(k));
  const objects = present.filter((k) => (OBJECT_KEYS as readonly string[]).includes(k));
  const text = own(slide, 'message-text');
  const textPresent = typeof text === 'string' ? text.trim() !== '' : text !== undefined && text !== null;

  if (present.length === 0 && !textPresent) {
    out.add('E313', base, `Slide ${n} is empty: give it message-text or a media object`);
  }
  if (objects.length > 1) {
    out.add('E223', base, `Slide ${n} has more than one object (${objects.join(', ')}); use one per slide`);
  }
  if (objects.length > 0 && media.length > 0) {
    out.add(
      'E224',
      base,
      `Slide ${n} mixes ${media.join(', ')} with ${objects.join(', ')}; objects go alone`,
    );
  }
  if (present.includes('audio') && present.includes('video')) {
    out.add('E226', base, `Slide ${n} has audio and video; they cannot share a slide`);
  }
  if (present.includes('video') && present.includes('image')) {
    out.add('E227', base, `Slide ${n} has video and image; they cannot share a slide`);
  }
  for (const key of present) {
    const content = own(slide, key);
    if (!isPlainObject(content)) continue;
    const url = own(content, 'url');
    const path = [...base, key, 'url'];
    if (url === undefined) out.add('E100', path, `Missing required field: ${formatPath(path)}`);
    else if (typeof url === 'string' && !isHttpUrl(url)) {
      out.add(
        'GW-INVALID-MEDIA-URL',
        path,
        `Invalid media URL in slide ${n} (${key}): use an absolute http:// or https:// URL with a host`,
      );
    }
  }
  if (typeof text === 'string') {
    const length = codePointLength(text);
    if (length > MAX_TEXT_LENGTH) {
      out.add(
        'E334',
        [...base, 'message-text'],
        `Text in slide ${n} is too long: ${length} characters, the maximum is ${MAX_TEXT_LENGTH}`,
      );
    }
  }
}

function checkCustomSlides(body: Body, out: Violations): void {
  const customSlides = own(body, 'custom-slides');
  if (!Array.isArray(customSlides)) return;
  const seen = new Set<string>();
  customSlides.forEach((entry: unknown, i) => {
    if (!isPlainObject(entry)) return;
    const slide = own(entry, 'custom-slide');
    const slidePath = ['custom-slides', i, 'custom-slide'];
    if (slide === undefined) out.add('E100', slidePath, `Missing required field: ${formatPath(slidePath)}`);
    else if (typeof slide === 'string') {
      if (!/^[1-8]$/.test(slide)) {
        out.add(
          'GW-INVALID-CUSTOM-SLIDE',
          slidePath,
          `${formatPath(slidePath)} must be a slide number "1" to "8"`,
        );
      } else if (seen.has(slide)) {
        out.add('GW-INVALID-CUSTOM-SLIDE', slidePath, `${formatPath(slidePath)} repeats slide ${slide}`);
      } else seen.add(slide);
    }
    const text = own(entry, 'custom-message-text');
    const textPath = ['custom-slides', i, 'custom-message-text'];
    if (text === undefined) out.add('E100', textPath, `Missing required field: ${formatPath(textPath)}`);
    else if (typeof text === 'string') {
      const length = codePointLength(text);
      if (length > MAX_TEXT_LENGTH) {
        out.add(
          'E228',
          textPath,
          `${formatPath(textPath)} is too long: ${length} characters, the maximum is ${MAX_TEXT_LENGTH}`,
        );
      }
    }
  });
}

function checkFallback(action: Action, body: Body, out: Violations): void {
  const disable = own(body, 'disable-fallback-sms');
  if (disable === true || (disable !== undefined && typeof disable !== 'boolean')) return;
  const text = own(body, 'fallback-sms-text');
  const empty = typeof text === 'string' && text.trim() === '';
  if (action === 'sendsavedmms') {
    // The template may carry the fallback text: only an explicitly empty override is an error.
    if (empty)
      out.add('E622', ['fallback-sms-text'], 'fallback-sms-text must not be empty while fallback SMS is on');
  } else if (text === undefined || empty) {
    out.add(
      'E622',
      ['fallback-sms-text'],
      'Missing required field: fallback-sms-text (required unless disable-fallback-sms is true)',
    );
  }
}

function checkDate(
  body: Body,
  field: 'mms-expiry-timestamp' | 'fallback-sms-link-expiration',
  code: ErrorCode,
  max: number,
  maxText: string,
  now: Date,
  out: Violations,
): void {
  const value = own(body, field);
  if (typeof value !== 'string') return;
  const time = parseIsoDateTime(value);
  if (time === undefined) {
    out.add(
      code,
      [field],
      `${field} must be an ISO 8601 date-time with a time zone, e.g. 2026-06-03T12:00:00Z`,
    );
  } else if (time <= now.getTime()) {
    out.add(code, [field], `${field} is in the past`);
  } else if (time > max) {
    out.add(code, [field], `${field} is more than ${maxText} ahead`);
  }
}

function checkClientReference(body: Body, out: Violations): void {
  const ref = own(body, 'client-reference');
  if (typeof ref !== 'string') return;
  const length = codePointLength(ref);
  if (length > MAX_CLIENT_REFERENCE_LENGTH) {
    out.add(
      'GW-CLIENT-REFERENCE-TOO-LONG',
      ['client-reference'],
      `client-reference is too long: ${length} characters, the maximum is ${MAX_CLIENT_REFERENCE_LENGTH}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Result and group expansion

function finalize(request: MmsRequest, ctx: ValidationContext): MmsRequest {
  if (request.action === 'savemms') return request;
  const result = { ...request };
  if (result['service-id'] === undefined && hasText(ctx.defaultServiceId)) {
    result['service-id'] = ctx.defaultServiceId;
  }
  const recipients = typeof result.to === 'string' ? [result.to] : result.to;
  const display = displayOnlyList(result['to-displayonly'], recipients);
  if (display.length > 0) result['to-displayonly'] = display.join(',');
  else delete result['to-displayonly'];
  return result;
}

/** Display-only numbers, trimmed, without empty entries, duplicates or any of `exclude`, in order. */
function displayOnlyList(value: string | undefined, exclude: readonly string[]): string[] {
  const entries = (value ?? '').split(',').map((s) => s.trim());
  return [...new Set(entries)].filter((e) => e !== '' && !exclude.includes(e));
}

/**
 * One request per recipient. A group `to` [a, b, c] gives three requests, each with the other members
 * followed by the given display-only numbers in `to-displayonly` (no duplicates, never the recipient itself),
 * which is the provider's group messaging pattern. A single `to` gives one request.
 */
export function expandGroup(request: SendMmsRequest | SendSavedMmsRequest): SendRequest[] {
  const members = typeof request.to === 'string' ? [request.to] : [...new Set(request.to)];
  return members.map((to) => {
    const others = members.filter((m) => m !== to);
    const display = displayOnlyList([...others, request['to-displayonly'] ?? ''].join(','), [to]);
    const single = { ...request, to };
    if (display.length > 0) single['to-displayonly'] = display.join(',');
    else delete single['to-displayonly'];
    return single;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

export function numberProblem(s: string): string | undefined {
  if (isInternationalNumber(s)) return undefined;
  const hint = 'use international format, country code first, digits only, e.g. 17745559144';
  if (s === '') return `the number is empty; ${hint}`;
  if (s.startsWith('+')) return `remove the '+'; ${hint}`;
  if (!/^[0-9]+$/.test(s)) return `digits only; ${hint}`;
  if (s.startsWith('0')) return `remove the dialling prefix (0, 00, 011); ${hint}`;
  return `a number has 8 to 15 digits, this one has ${s.length}; ${hint}`;
}

function isHttpUrl(s: string): boolean {
  if (!/^https?:\/\/[^/\\\s]/i.test(s) || /\s/.test(s)) return false;
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
}

/**
 * Milliseconds since the epoch of an ISO 8601 extended date-time with a time zone
 * (YYYY-MM-DDThh:mm[:ss[.fff]](Z|±hh[:mm])), or undefined when the text is not one or names no real date.
 */
export function parseIsoDateTime(s: string): number | undefined {
  const m =
    /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)$/.exec(
      s,
    );
  if (m === null) return undefined;
  const part = (i: number): number => Number(m[i] ?? '0');
  const [year, month, day, hour, minute, second] = [part(1), part(2), part(3), part(4), part(5), part(6)];
  const millis = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  const offsetHours = part(10);
  const offsetMinutes = part(11);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  if (offsetHours > 23 || offsetMinutes > 59) return undefined;
  if (day > daysInMonth(year, month)) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  const offset = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  return date.getTime() - offset;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function addUtcYears(now: Date, years: number): number {
  const date = new Date(now.getTime());
  date.setUTCFullYear(date.getUTCFullYear() + years);
  return date.getTime();
}

function mmsExpiryMax(now: Date): number {
  return now.getTime() + MMS_EXPIRY_MAX_MS;
}

/** Length in Unicode code points (an emoji counts once, although it is two UTF-16 units). */
export function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

function isPlainObject(value: unknown): value is Body {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** An own property only: never a value inherited from Object.prototype ('constructor', 'toString', …). */
function own(obj: Body, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

function valueAt(root: unknown, path: readonly Segment[]): unknown {
  let current = root;
  for (const segment of path) {
    if (typeof segment === 'symbol') return undefined;
    if (Array.isArray(current) && typeof segment === 'number') current = current[segment];
    else if (isPlainObject(current)) current = own(current, String(segment));
    else return undefined;
  }
  return current;
}

function hasText(s: string | undefined): s is string {
  return s !== undefined && s.trim() !== '';
}

function formatPath(segments: readonly Segment[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

function quoteField(path: readonly Segment[]): string {
  return `'${truncate(formatPath(path), 80)}'`;
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  return withArticle(Array.isArray(value) ? 'array' : typeof value);
}

function withArticle(noun: string): string {
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}
