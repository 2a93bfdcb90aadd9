import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type ErrorCode,
  type Violation,
  ERRORS,
  GatewayError,
  errorBody,
  failureBody,
  httpStatusOf,
  isErrorCode,
} from '../../lambdas/domain/sinch/error-codes';

const codes = Object.keys(ERRORS) as ErrorCode[];

const SINCH_CODES = [
  'E100', 'E103', 'E104', 'E105', 'E106', 'E107', 'E108', 'E110', 'E111', 'E112', 'E113', 'E114', 'E115',
  'E223', 'E224', 'E225', 'E226', 'E227', 'E228', 'E229', 'E230', 'E241',
  'E311', 'E312', 'E313', 'E314', 'E331', 'E332', 'E333', 'E334', 'E335', 'E336', 'E337', 'E341',
  'E351', 'E352', 'E353', 'E355', 'E356', 'E357',
  'E503', 'E618', 'E619', 'E620', 'E622', 'E626', 'E627', 'E628', 'E629',
]; // prettier-ignore

describe('ERRORS table', () => {
  it('holds every Sinch code the gateway can return or relay (reference §3; Sinch lists no E354)', () => {
    expect(codes.filter((c) => ERRORS[c].source === 'sinch').sort()).toEqual([...SINCH_CODES].sort());
  });

  it.each(codes)('%s has a message, an HTTP error status and the source its prefix says', (code) => {
    const entry = ERRORS[code];
    expect(entry.message.length).toBeGreaterThan(0);
    expect(Number.isInteger(entry.httpStatus)).toBe(true);
    expect(entry.httpStatus).toBeGreaterThanOrEqual(400);
    expect(entry.httpStatus).toBeLessThan(600);
    if (code.startsWith('GW-')) {
      expect(entry.source).toBe('gateway');
      expect(code).toMatch(/^GW-[A-Z]+(-[A-Z]+)*$/);
    } else {
      expect(entry.source).toBe('sinch');
      expect(code).toMatch(/^E\d{3}$/);
    }
  });

  it.each([
    ['E100', 400],
    ['E108', 400],
    ['E110', 400],
    ['E111', 400],
    ['E225', 400],
    ['E334', 400],
    ['E622', 400],
    ['E104', 401],
    ['E626', 409],
    ['E113', 429],
    ['E503', 502],
    ['GW-INVALID-TYPE', 400],
    ['GW-UNKNOWN-FIELD', 400],
    ['GW-INVALID-MEDIA-URL', 400],
    ['GW-CLIENT-REFERENCE-TOO-LONG', 400],
    ['GW-INVALID-LINK-EXPIRATION', 400],
    ['GW-INVALID-MMS-EXPIRY', 400],
    ['GW-INVALID-GROUP', 400],
    ['GW-INVALID-IDEMPOTENCY-KEY', 400],
    ['GW-NOT-FOUND', 404],
    ['GW-METHOD-NOT-ALLOWED', 405],
    ['GW-IDEMPOTENCY-CONFLICT', 409],
    ['GW-BODY-TOO-LARGE', 413],
    ['GW-UNSUPPORTED-MEDIA-TYPE', 415],
    ['GW-RATE-LIMITED', 429],
    ['GW-QUOTA-EXCEEDED', 429],
    ['GW-INTERNAL', 500],
    ['GW-QUEUE-UNAVAILABLE', 503],
  ] as const)('%s answers HTTP %i', (code, status) => {
    expect(httpStatusOf(code)).toBe(status);
  });

  it('holds no postback code (those are delivery states, not API errors)', () => {
    for (const postback of [
      'N101',
      'N102',
      'N103',
      'N003',
      'N013',
      'N202',
      'N401',
      'E101',
      'E102',
      'E002',
      'E003',
      'E004',
      'E011',
      'E012',
      'E013',
      'E202',
      'E999',
    ]) {
      expect(isErrorCode(postback)).toBe(false);
    }
  });

  it('isErrorCode accepts table codes only, never inherited keys', () => {
    expect(isErrorCode('E110')).toBe(true);
    expect(isErrorCode('GW-INTERNAL')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode('constructor')).toBe(false);
    expect(isErrorCode(110)).toBe(false);
  });
});

describe('docs/errors.md', () => {
  const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'errors.md'), 'utf8');
  const rows = [...doc.matchAll(/^\|\s*`([^`]+)`\s*\|\s*(\d{3})\s*\|\s*(sinch|gateway)\s*\|/gm)].map((m) => ({
    code: m[1] ?? '',
    status: Number(m[2]),
    source: m[3] ?? '',
  }));

  it('lists exactly the codes of ERRORS, each once', () => {
    const listed = rows.map((r) => r.code);
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual([...codes].sort());
  });

  it('gives each code the HTTP status and source of ERRORS', () => {
    for (const row of rows) {
      expect(isErrorCode(row.code)).toBe(true);
      if (!isErrorCode(row.code)) continue;
      expect({ code: row.code, status: row.status, source: row.source }).toEqual({
        code: row.code,
        status: ERRORS[row.code].httpStatus,
        source: ERRORS[row.code].source,
      });
    }
  });

  it('says that the errors array lists every violation', () => {
    expect(doc).toMatch(/`errors`[^\n]*lists \*\*every\*\* violation/);
  });
});

describe('failure bodies', () => {
  const violations: Violation[] = [
    { code: 'E110', path: 'to', message: 'Invalid to: remove the +' },
    { code: 'E225', path: 'slide', message: 'Too many slides: 9, the maximum is 8' },
  ];

  it('failureBody reports the first violation as error-code and lists all of them', () => {
    expect(failureBody(violations)).toEqual({
      status: 'failure',
      'error-code': 'E110',
      'error-info': 'Invalid to: remove the +',
      errors: [
        { code: 'E110', field: 'to', message: 'Invalid to: remove the +' },
        { code: 'E225', field: 'slide', message: 'Too many slides: 9, the maximum is 8' },
      ],
    });
  });

  it('failureBody of no violation is still a well-formed failure (GW-INTERNAL)', () => {
    expect(failureBody([])).toEqual({
      status: 'failure',
      'error-code': 'GW-INTERNAL',
      'error-info': ERRORS['GW-INTERNAL'].message,
      errors: [],
    });
  });

  it('errorBody uses the table message unless info is given', () => {
    expect(errorBody('E104')).toEqual({
      status: 'failure',
      'error-code': 'E104',
      'error-info': ERRORS.E104.message,
    });
    expect(errorBody('GW-NOT-FOUND', 'No message abc')).toEqual({
      status: 'failure',
      'error-code': 'GW-NOT-FOUND',
      'error-info': 'No message abc',
    });
  });
});

describe('GatewayError', () => {
  it('takes its HTTP status and default message from the table', () => {
    const error = new GatewayError('E113');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('GatewayError');
    expect(error.code).toBe('E113');
    expect(error.httpStatus).toBe(429);
    expect(error.message).toBe(ERRORS.E113.message);
    expect(error.violations).toBeUndefined();
    expect(error.retryAfterSeconds).toBeUndefined();
    expect(error.toBody()).toEqual(errorBody('E113'));
  });

  it('carries a specific message, retryAfterSeconds and cause', () => {
    const cause = new Error('sqs down');
    const error = new GatewayError('GW-QUEUE-UNAVAILABLE', 'queue down', { retryAfterSeconds: 5, cause });
    expect(error.httpStatus).toBe(503);
    expect(error.retryAfterSeconds).toBe(5);
    expect(error.cause).toBe(cause);
    expect(error.toBody()).toEqual(errorBody('GW-QUEUE-UNAVAILABLE', 'queue down'));
  });

  it('fromViolations takes code and message from the first violation and answers with all of them', () => {
    const error = GatewayError.fromViolations([
      { code: 'E111', path: 'from', message: 'Invalid from' },
      { code: 'E312', path: 'slide', message: 'No slides' },
    ]);
    expect(error.code).toBe('E111');
    expect(error.httpStatus).toBe(400);
    expect(error.message).toBe('Invalid from');
    expect(error.violations).toHaveLength(2);
    expect(error.toBody()['errors']).toHaveLength(2);
  });

  it('fromViolations of no violation is an internal error', () => {
    expect(GatewayError.fromViolations([]).code).toBe('GW-INTERNAL');
  });
});
