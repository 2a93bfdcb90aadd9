/**
 * The single source of error codes the gateway returns or relays.
 *
 * Sinch codes keep Sinch's meaning (API status-code table, reference §3) so that a client written for Sinch
 * understands them unchanged; the gateway adds its own codes, always prefixed `GW-`, where Sinch has none.
 * Postback codes (N101, E101, E002, …) are not API errors and live with the status model, not here.
 * docs/errors.md documents every code of this table (a unit test keeps the two in step).
 */

export interface ErrorDefinition {
  /** Generic meaning, used as `error-info` when no more specific text is given. */
  readonly message: string;
  /** HTTP status the gateway answers with when it returns this code to a caller. */
  readonly httpStatus: number;
  /** `sinch`: a code of the Sinch MMS JSON API; `gateway`: a code of this gateway (`GW-` prefix). */
  readonly source: 'sinch' | 'gateway';
}

const sinch = (message: string, httpStatus: number) => ({ message, httpStatus, source: 'sinch' as const });
const gateway = (message: string, httpStatus: number) => ({
  message,
  httpStatus,
  source: 'gateway' as const,
});

export const ERRORS = {
  // Sinch: general
  E100: sinch('Invalid request. Please make a valid JSON POST request with all the required variables.', 400),
  E103: sinch('API access is blocked for this account.', 403),
  E104: sinch('Authentication failed: invalid API key.', 401),
  E105: sinch('This account does not have API access.', 403),
  E106: sinch('API calls must be spaced further apart; retry later.', 429),
  E107: sinch('This action is not allowed for this API user.', 403),
  E108: sinch('Invalid JSON: the request body could not be parsed.', 400),
  E112: sinch('The calling IP address is not whitelisted.', 403),
  E113: sinch('Exceeded the allowed throughput for this action; throttle back and retry.', 429),
  E503: sinch('Internal error at the MMS provider; retry later.', 502),
  // Sinch: API specific
  E110: sinch('Invalid to number.', 400),
  E111: sinch('Invalid from number / short code.', 400),
  E114: sinch('The number is blacklisted.', 400),
  E115: sinch('Invalid sender mask (from-mask).', 400),
  E223: sinch('More than one object in a slide.', 400),
  E224: sinch('Audio, video or image is not allowed with an object in the same slide.', 400),
  E225: sinch('Too many slides: the maximum is 8.', 400),
  E226: sinch('Audio and video are not allowed in the same slide.', 400),
  E227: sinch('Video and image are not allowed in the same slide.', 400),
  E228: sinch('Text exceeds the maximum length of 5000 characters.', 400),
  E229: sinch('Content not allowed.', 400),
  E230: sinch('Invalid slide duration.', 400),
  E241: sinch('Invalid mms-id: the MMS template does not exist.', 400),
  E311: sinch('MMS name is missing or invalid.', 400),
  E312: sinch('No slides: an MMS needs at least one slide.', 400),
  E313: sinch('Slide is empty.', 400),
  E314: sinch('Invalid or missing message-subject.', 400),
  E331: sinch('Image file in slide is too big.', 400),
  E332: sinch('Audio file in slide is too big.', 400),
  E333: sinch('Video file in slide is too big.', 400),
  E334: sinch('Text in slide is too long.', 400),
  E335: sinch('vCard file in slide is too big.', 400),
  E336: sinch('iCal file in slide is too big.', 400),
  E337: sinch('PDF file in slide is too big.', 400),
  E341: sinch('Image file in slide is corrupted.', 400),
  E351: sinch('Could not fetch the image file of a slide.', 400),
  E352: sinch('Could not fetch the audio file of a slide.', 400),
  E353: sinch('Could not fetch the video file of a slide.', 400),
  E355: sinch('Could not fetch the vCard file of a slide.', 400),
  E356: sinch('Could not fetch the iCal file of a slide.', 400),
  E357: sinch('Could not fetch the PDF file of a slide.', 400),
  E618: sinch('Carrier lookup failed; retry later.', 502),
  E619: sinch('Carrier not provisioned for this account.', 400),
  E620: sinch('mms-id is required.', 400),
  E622: sinch('fallback-sms-text is required when fallback SMS is enabled.', 400),
  E626: sinch('MMS template not available yet: encoding in progress; retry later.', 409),
  E627: sinch('Invalid or missing service-id.', 400),
  E628: sinch('Mobile operator (carrier) not supported.', 400),
  E629: sinch('Unrecognised content type.', 400),
  // Gateway: request validation
  'GW-INVALID-TYPE': gateway('A field has the wrong JSON type.', 400),
  'GW-UNKNOWN-FIELD': gateway(
    'Unknown field: the gateway rejects fields that are not part of the action.',
    400,
  ),
  'GW-INVALID-MEDIA-URL': gateway('Media URL must be an absolute http:// or https:// URL with a host.', 400),
  'GW-MEDIA-CHECK-TIMEOUT': gateway(
    "A media server did not answer within the media check's time budget; fix or speed it up and retry.",
    400,
  ),
  'GW-CLIENT-REFERENCE-TOO-LONG': gateway('client-reference is longer than 64 characters.', 400),
  'GW-INVALID-LINK-EXPIRATION': gateway(
    'fallback-sms-link-expiration must be an ISO 8601 date-time in the future, at most 1 year ahead.',
    400,
  ),
  'GW-INVALID-MMS-EXPIRY': gateway(
    'mms-expiry-timestamp must be an ISO 8601 date-time in the future, at most 3 days ahead.',
    400,
  ),
  'GW-INVALID-GROUP': gateway('A group send needs 2 to 20 distinct recipients in to.', 400),
  'GW-INVALID-CUSTOM-SLIDE': gateway('custom-slide must be a distinct slide number from "1" to "8".', 400),
  'GW-INVALID-IDEMPOTENCY-KEY': gateway('Invalid Idempotency-Key header.', 400),
  'GW-INVALID-SEND-AT': gateway(
    'send-at must be an ISO 8601 date-time with a UTC offset, between 1 minute and 1 year ahead.',
    400,
  ),
  'GW-INVALID-SCHEDULE': gateway(
    'schedule must be a cron(…) or rate(…) expression of EventBridge Scheduler, timezone an IANA time zone.',
    400,
  ),
  'GW-INVALID-RECIPIENTS': gateway('recipients must hold 1 to 1000 distinct numbers.', 400),
  'GW-INVALID-WEBHOOK-URL': gateway(
    'Webhook url must be an https:// URL without user name or password to a public address.',
    400,
  ),
  'GW-INVALID-QUIET-HOURS': gateway(
    'quiet-hours needs time-zone (IANA), start and end (HH:MM, different), or null to remove them.',
    400,
  ),
  'GW-INVALID-DATE-RANGE': gateway(
    'since and until must be dates, since not after until, at most 92 days.',
    400,
  ),
  'GW-INVALID-FILTER': gateway(
    'A search parameter of GET /v2/messages (or /stats) is unknown or invalid.',
    400,
  ),
  'GW-INVALID-CURSOR': gateway('cursor is not a next-cursor the gateway gave.', 400),
  'GW-INVALID-VALIDITY-PERIOD': gateway(
    'validity-period must be a whole number of seconds from 60 to 259200.',
    400,
  ),
  'GW-EXPIRY-BEFORE-SEND-AT': gateway('mms-expiry-timestamp must lie after send-at.', 400),
  // Gateway: HTTP and service
  'GW-NOT-FOUND': gateway('Not found.', 404),
  'GW-METHOD-NOT-ALLOWED': gateway('Method not allowed.', 405),
  'GW-IDEMPOTENCY-CONFLICT': gateway('This Idempotency-Key was already used with a different request.', 409),
  'GW-NOT-SCHEDULED': gateway(
    'Only a scheduled message that has not been sent yet can be canceled or moved.',
    409,
  ),
  'GW-NOT-FINAL': gateway(
    'The message is not final yet: its content can be erased once it is final or canceled.',
    409,
  ),
  'GW-TOO-MANY-SCHEDULES': gateway(
    'This team has as many recurring sends as it may have; delete one first.',
    409,
  ),
  'GW-RECIPIENT-OPTED-OUT': gateway(
    'The recipient opted out (STOP) or is suppressed for this sender; nothing was sent to them.',
    400,
  ),
  'GW-BODY-TOO-LARGE': gateway('Request body too large.', 413),
  'GW-UNSUPPORTED-MEDIA-TYPE': gateway('Content-Type must be application/json.', 415),
  'GW-RATE-LIMITED': gateway(
    "Too many requests for this team's rate limit; retry after the given delay.",
    429,
  ),
  'GW-QUOTA-EXCEEDED': gateway("This team's message quota is used up; retry after the given delay.", 429),
  'GW-INTERNAL': gateway('Internal gateway error.', 500),
  'GW-QUEUE-UNAVAILABLE': gateway('The send queue is unavailable; retry later.', 503),
  // Gateway: message outcomes (in status events and lookups, never an HTTP answer)
  'GW-UPSTREAM-TIMEOUT': gateway(
    'Sinch did not answer in time after the request was sent; it may have been accepted (not resent under the fail policy).',
    504,
  ),
  'GW-EXPIRED-BEFORE-SEND': gateway(
    'The message was not accepted by Sinch within its validity period and was never sent.',
    410,
  ),
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof ERRORS;

/** One broken rule. `path` names the field ('slide[2].image.url', 'to', 'to-displayonly[1]'; '' = the body). */
export interface Violation {
  code: ErrorCode;
  path: string;
  message: string;
}

/** Sinch-shaped failure body; `errors` (gateway addition) lists every violation, first = `error-code`. */
export interface FailureBody {
  status: 'failure';
  'error-code': ErrorCode;
  'error-info': string;
  errors?: { code: ErrorCode; field: string; message: string }[];
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERRORS, value);
}

export function httpStatusOf(code: ErrorCode): number {
  return ERRORS[code].httpStatus;
}

/** Failure body for one error without field detail (auth, rate limit, relayed Sinch code, …). */
export function errorBody(code: ErrorCode, info?: string): FailureBody {
  return { status: 'failure', 'error-code': code, 'error-info': info ?? ERRORS[code].message };
}

/**
 * Failure body listing every violation. The first violation gives `error-code`/`error-info`, as Sinch would
 * report it. An empty list is a programming error upstream; it still yields a well-formed GW-INTERNAL body.
 */
export function failureBody(violations: readonly Violation[]): FailureBody {
  const first = violations[0];
  if (first === undefined) return { ...errorBody('GW-INTERNAL'), errors: [] };
  return {
    status: 'failure',
    'error-code': first.code,
    'error-info': first.message,
    errors: violations.map((v) => ({ code: v.code, field: v.path, message: v.message })),
  };
}

export interface GatewayErrorOptions {
  violations?: Violation[];
  /** Seconds the caller should wait before retrying (sent as `Retry-After`). */
  retryAfterSeconds?: number;
  cause?: unknown;
}

/** A domain failure with its code; one mapping point (the HTTP layer) turns it into a response. */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly httpStatus: number;
  readonly violations?: Violation[];
  readonly retryAfterSeconds?: number;

  constructor(code: ErrorCode, message?: string, options: GatewayErrorOptions = {}) {
    super(
      message ?? ERRORS[code].message,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'GatewayError';
    this.code = code;
    this.httpStatus = ERRORS[code].httpStatus;
    if (options.violations !== undefined) this.violations = options.violations;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** A validation failure: code and message come from the first violation. */
  static fromViolations(violations: Violation[]): GatewayError {
    const first = violations[0];
    if (first === undefined) return new GatewayError('GW-INTERNAL', 'Validation failed without a violation');
    return new GatewayError(first.code, first.message, { violations });
  }

  /** The body to send: every violation when there are some, else the single code. */
  toBody(): FailureBody {
    return this.violations !== undefined && this.violations.length > 0
      ? failureBody(this.violations)
      : errorBody(this.code, this.message);
  }
}
