/**
 * The simulator's own request validation, written from the Sinch reference independently of the gateway's code
 * (see docs/decisions/0002-independent-simulator-validation.md). Do not import anything from lambdas/ here.
 * Checks run in a fixed order and the first failure wins.
 */

export const ACTIONS = ['sendmms', 'savemms', 'sendsavedmms'] as const;
export type Action = (typeof ACTIONS)[number];

export type JsonObject = Record<string, unknown>;

export interface Failure {
  code: string;
  info: string;
}

export const MEDIA_KINDS = ['image', 'audio', 'video', 'contact', 'calendar', 'pdf'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

export interface MediaRef {
  kind: MediaKind;
  url: string;
  slide: number;
}

export interface SendMmsRequest {
  action: 'sendmms';
  to: string;
  from: string;
  clientReference: string | undefined;
}

export interface SaveMmsRequest {
  action: 'savemms';
  name: string;
  clientReference: string | undefined;
  slideCount: number;
  media: MediaRef[];
  fallbackSmsText: string | undefined;
  disableFallbackSms: boolean | undefined;
}

export interface SendSavedMmsRequest {
  action: 'sendsavedmms';
  mmsId: string;
  to: string;
  from: string;
  clientReference: string | undefined;
  fallbackSmsText: string | undefined;
  disableFallbackSms: boolean | undefined;
  /** Slide numbers named by `custom-slides`. */
  customSlides: number[];
}

export type ValidRequest = SendMmsRequest | SaveMmsRequest | SendSavedMmsRequest;

export type ValidationResult = { ok: true; request: ValidRequest } | { ok: false; failure: Failure };

export const ERROR_INFO = {
  E100: 'Invalid request. Please make a valid JSON POST request with all the required variables.',
  E104: 'Authentication failed. Invalid API key.',
  E108: 'Invalid JSON. The request could not be parsed.',
  E110: 'Invalid to number.',
  E111: 'Invalid from / shortcode.',
  E113: 'Exceeded the allowed throughput for this action.',
  E114: 'The number is blacklisted.',
  E225: 'Too many slides. A maximum of 8 slides is allowed.',
  E241: 'Invalid mms-id. The MMS does not exist.',
  E311: 'MMS name is required.',
  E312: 'No slides. At least one slide is required.',
  E314: 'Invalid message-subject.',
  E503: 'Internal error. Please try again later.',
  E620: 'mms-id is required.',
  E622: 'fallback-sms-text is required.',
  E626: 'MMS not available, encoding in progress.',
  E627: 'Invalid or missing service-id.',
} as const;

export type KnownCode = keyof typeof ERROR_INFO;

class RequestInvalid extends Error {
  constructor(readonly failure: Failure) {
    super(failure.info);
  }
}

function reject(code: KnownCode, detail?: string): never {
  throw new RequestInvalid({ code, info: detail ?? ERROR_INFO[code] });
}

function rejectSlide(code: string, info: string): never {
  throw new RequestInvalid({ code, info });
}

export const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function actionOf(body: unknown): Action | undefined {
  if (!isJsonObject(body)) return undefined;
  const action = body['action'];
  return ACTIONS.find((candidate) => candidate === action);
}

/** International format: digits only, no leading 0 (so no 00 prefix), no '+', 8 to 15 digits. */
const PHONE_NUMBER = /^[1-9][0-9]{7,14}$/;
/** A short code: 5 or 6 digits, no leading 0. */
const SHORT_CODE = /^[1-9][0-9]{4,5}$/;
const MAX_TEXT_CODE_POINTS = 5000;
const MAX_SLIDES = 8;
const MAX_SUBJECT = 80;
const MAX_CLIENT_REFERENCE = 64;

function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

function destination(body: JsonObject): string {
  const to = body['to'];
  if (typeof to !== 'string' || !PHONE_NUMBER.test(to)) reject('E110');
  const displayOnly = body['to-displayonly'];
  if (displayOnly !== undefined) {
    if (typeof displayOnly !== 'string') reject('E110', 'Invalid to-displayonly numbers.');
    const numbers = displayOnly.split(',').map((part) => part.trim());
    if (numbers.some((number) => !PHONE_NUMBER.test(number)))
      reject('E110', 'Invalid to-displayonly numbers.');
  }
  return to;
}

function sender(body: JsonObject): string {
  const from = body['from'];
  if (typeof from !== 'string' || !(PHONE_NUMBER.test(from) || SHORT_CODE.test(from))) reject('E111');
  return from;
}

function serviceId(body: JsonObject, required: boolean): void {
  const value = body['service-id'];
  if (value === undefined) {
    if (required) reject('E627');
    return;
  }
  if (typeof value !== 'string' || value.trim().length === 0) reject('E627');
}

/** Optional fields shared by the three actions: subject, client-reference, flags and date-times. */
function commonOptionals(body: JsonObject, dateFields: readonly string[]): string | undefined {
  const subject = body['message-subject'];
  if (subject !== undefined && (typeof subject !== 'string' || codePoints(subject) > MAX_SUBJECT))
    reject('E314');

  const clientReference = body['client-reference'];
  if (clientReference !== undefined) {
    if (typeof clientReference !== 'string' || clientReference.length === 0) {
      reject('E100', 'Invalid client-reference.');
    }
    if (codePoints(clientReference) > MAX_CLIENT_REFERENCE) {
      reject('E100', `client-reference is longer than ${MAX_CLIENT_REFERENCE} characters.`);
    }
  }

  for (const flag of ['disable-fallback-sms', 'disable-fallback-sms-link', 'cache-content']) {
    const value = body[flag];
    if (value !== undefined && typeof value !== 'boolean') reject('E100', `${flag} must be a boolean.`);
  }
  const fallback = body['fallback-sms-text'];
  if (fallback !== undefined && typeof fallback !== 'string')
    reject('E100', 'fallback-sms-text must be a string.');

  for (const field of dateFields) {
    const value = body[field];
    if (value === undefined) continue;
    if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
      reject('E100', `${field} must be an ISO 8601 date-time.`);
    }
  }
  return clientReference;
}

const fallbackText = (body: JsonObject): string | undefined => {
  const value = body['fallback-sms-text'];
  return typeof value === 'string' ? value : undefined;
};

const fallbackDisabled = (body: JsonObject): boolean | undefined => {
  const value = body['disable-fallback-sms'];
  return typeof value === 'boolean' ? value : undefined;
};

/** E622 unless fallback SMS is disabled or a non-blank fallback-sms-text is given. */
export function checkFallback(text: string | undefined, disabled: boolean | undefined): Failure | undefined {
  if (disabled === true) return undefined;
  if (text === undefined || text.trim().length === 0) return { code: 'E622', info: ERROR_INFO.E622 };
  return undefined;
}

function isAbsoluteHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

const OBJECT_KINDS: readonly MediaKind[] = ['contact', 'calendar', 'pdf'];
const PLAYABLE_KINDS: readonly MediaKind[] = ['image', 'audio', 'video'];

/** Slide checks: E312 none, E225 too many, E313 empty, E223/E224/E226/E227 mixing, E334 text too long. */
function slides(body: JsonObject): { count: number; media: MediaRef[] } {
  const value = body['slide'];
  if (value === undefined || (Array.isArray(value) && value.length === 0)) reject('E312');
  if (!Array.isArray(value)) reject('E100', 'slide must be an array of slide objects.');
  if (value.length > MAX_SLIDES) reject('E225');

  const media: MediaRef[] = [];
  value.forEach((slide: unknown, index) => {
    const number = index + 1;
    if (!isJsonObject(slide)) rejectSlide('E100', `Slide ${number} must be an object.`);

    const kinds: MediaKind[] = [];
    for (const kind of MEDIA_KINDS) {
      const item = slide[kind];
      if (item === undefined) continue;
      const url = isJsonObject(item) ? item['url'] : undefined;
      if (typeof url !== 'string' || !isAbsoluteHttpUrl(url)) {
        rejectSlide('E100', `Invalid ${kind} url in slide ${number}.`);
      }
      kinds.push(kind);
      media.push({ kind, url, slide: number });
    }

    const text = slide['message-text'];
    if (text !== undefined && typeof text !== 'string') {
      rejectSlide('E100', `message-text in slide ${number} must be a string.`);
    }
    const hasText = typeof text === 'string' && text.length > 0;
    if (kinds.length === 0 && !hasText) rejectSlide('E313', `Slide ${number} is empty.`);

    const objects = kinds.filter((kind) => OBJECT_KINDS.includes(kind));
    const playable = kinds.filter((kind) => PLAYABLE_KINDS.includes(kind));
    if (objects.length > 1) rejectSlide('E223', `More than one object in slide ${number}.`);
    if (objects.length === 1 && playable.length > 0) {
      rejectSlide('E224', `Audio, video or image is not allowed with an object in slide ${number}.`);
    }
    if (kinds.includes('audio') && kinds.includes('video')) {
      rejectSlide('E226', `Audio and video are not allowed in the same slide (slide ${number}).`);
    }
    if (kinds.includes('video') && kinds.includes('image')) {
      rejectSlide('E227', `Video and image are not allowed in the same slide (slide ${number}).`);
    }
    if (typeof text === 'string' && codePoints(text) > MAX_TEXT_CODE_POINTS) {
      rejectSlide(
        'E334',
        `Text in slide ${number} is too long (maximum ${MAX_TEXT_CODE_POINTS} characters).`,
      );
    }
  });
  return { count: value.length, media };
}

function customSlides(body: JsonObject): number[] {
  const value = body['custom-slides'];
  if (value === undefined) return [];
  if (!Array.isArray(value)) reject('E100', 'custom-slides must be an array.');
  return value.map((item: unknown) => {
    if (!isJsonObject(item)) reject('E100', 'custom-slides entries must be objects.');
    const slide = item['custom-slide'];
    const text = item['custom-message-text'];
    if (typeof slide !== 'string' || !/^[1-8]$/.test(slide)) {
      reject('E100', 'custom-slide must be a slide number from "1" to "8".');
    }
    if (typeof text !== 'string') reject('E100', 'custom-message-text must be a string.');
    if (codePoints(text) > MAX_TEXT_CODE_POINTS) {
      rejectSlide('E334', `Text in slide ${slide} is too long (maximum ${MAX_TEXT_CODE_POINTS} characters).`);
    }
    return Number(slide);
  });
}

function mmsId(body: JsonObject): string {
  const value = body['mms-id'];
  if (value === undefined || value === null || value === '') reject('E620');
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value !== 'string' || !/^[0-9]{1,20}$/.test(value)) reject('E241');
  return value;
}

function validateSendMms(body: JsonObject, requireServiceId: boolean): SendMmsRequest {
  const to = destination(body);
  const from = sender(body);
  serviceId(body, requireServiceId);
  const clientReference = commonOptionals(body, ['fallback-sms-link-expiration', 'mms-expiry-timestamp']);
  slides(body);
  const fallback = checkFallback(fallbackText(body), fallbackDisabled(body));
  if (fallback) throw new RequestInvalid(fallback);
  return { action: 'sendmms', to, from, clientReference };
}

function validateSaveMms(body: JsonObject): SaveMmsRequest {
  const name = body['name'];
  if (typeof name !== 'string' || name.trim().length === 0) reject('E311');
  const clientReference = commonOptionals(body, ['fallback-sms-link-expiration']);
  const { count, media } = slides(body);
  const fallback = checkFallback(fallbackText(body), fallbackDisabled(body));
  if (fallback) throw new RequestInvalid(fallback);
  return {
    action: 'savemms',
    name,
    clientReference,
    slideCount: count,
    media,
    fallbackSmsText: fallbackText(body),
    disableFallbackSms: fallbackDisabled(body),
  };
}

/** Field checks only; the template checks (E241, E626, E622 with the template's values) need the store. */
function validateSendSavedMms(body: JsonObject, requireServiceId: boolean): SendSavedMmsRequest {
  const id = mmsId(body);
  const to = destination(body);
  const from = sender(body);
  serviceId(body, requireServiceId);
  const clientReference = commonOptionals(body, ['fallback-sms-link-expiration', 'mms-expiry-timestamp']);
  return {
    action: 'sendsavedmms',
    mmsId: id,
    to,
    from,
    clientReference,
    fallbackSmsText: fallbackText(body),
    disableFallbackSms: fallbackDisabled(body),
    customSlides: customSlides(body),
  };
}

export function validateRequest(
  action: Action,
  body: JsonObject,
  { requireServiceId }: { requireServiceId: boolean },
): ValidationResult {
  try {
    switch (action) {
      case 'sendmms':
        return { ok: true, request: validateSendMms(body, requireServiceId) };
      case 'savemms':
        return { ok: true, request: validateSaveMms(body) };
      case 'sendsavedmms':
        return { ok: true, request: validateSendSavedMms(body, requireServiceId) };
    }
  } catch (error) {
    if (error instanceof RequestInvalid) return { ok: false, failure: error.failure };
    throw error;
  }
}
