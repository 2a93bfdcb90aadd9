import { describe, expect, it } from 'vitest';
import { backoffSeconds, classifySinchExchange } from '../../lambdas/domain/sinch/outcome-classification';

const answer = (body: unknown, httpStatus = 200) =>
  classifySinchExchange({
    kind: 'response',
    httpStatus,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('classifySinchExchange', () => {
  it('accepts a success with a tracking-id, case-insensitively', () => {
    expect(answer({ status: 'success', 'tracking-id': 'T1' })).toMatchObject({
      kind: 'accepted',
      trackingId: 'T1',
    });
    expect(answer({ status: 'Success', 'tracking-id': 'T2', 'mms-id': 35674 })).toMatchObject({
      kind: 'accepted',
      trackingId: 'T2',
      mmsId: '35674',
    });
    expect(answer({ status: 'SUCCESS', 'tracking-id': 'T3' }).kind).toBe('accepted');
  });

  it.each(['E113', 'E106', 'E503', 'E618', 'E626'])('%s is retryable', (code) => {
    expect(answer({ status: 'failure', 'error-code': code, 'error-info': 'x' })).toMatchObject({
      kind: 'retryable',
      code,
      ambiguous: false,
    });
  });

  it('E106 carries the wait Sinch asked for', () => {
    expect(
      answer({
        status: 'Failure',
        'error-code': 'E106',
        'error-info': 'Calls must be at least 3 seconds apart',
      }),
    ).toMatchObject({
      kind: 'retryable',
      retryAfterSeconds: 3,
    });
  });

  it.each(['E100', 'E104', 'E110', 'E111', 'E225', 'E241', 'E622', 'E627', 'E713'])(
    '%s is permanent',
    (code) => {
      expect(answer({ status: 'failure', 'error-code': code, 'error-info': 'nope' })).toEqual({
        kind: 'permanent',
        code,
        info: 'nope',
      });
    },
  );

  it.each([500, 502, 503, 504])('HTTP %i is retryable', (status) => {
    expect(answer('<html>bad gateway</html>', status)).toMatchObject({
      kind: 'retryable',
      code: `HTTP${status}`,
    });
  });

  it('a body that is not JSON is retryable', () => {
    expect(answer('not json')).toMatchObject({ kind: 'retryable', code: 'GW-UPSTREAM-BAD-RESPONSE' });
  });

  it('a success without a tracking-id is not taken as accepted', () => {
    expect(answer({ status: 'success' }).kind).toBe('retryable');
  });

  it('HTTP 429 without a Sinch body counts as E113', () => {
    expect(answer('', 429)).toMatchObject({ kind: 'retryable', code: 'E113' });
  });

  it('a timeout after sending is retryable and ambiguous; a refused connection is not ambiguous', () => {
    expect(
      classifySinchExchange({ kind: 'transport-error', reason: 'timeout', requestSent: true, detail: 't' }),
    ).toMatchObject({ kind: 'retryable', code: 'GW-UPSTREAM-TIMEOUT', ambiguous: true });
    expect(
      classifySinchExchange({
        kind: 'transport-error',
        reason: 'connection',
        requestSent: false,
        detail: 'ECONNREFUSED',
      }),
    ).toMatchObject({ kind: 'retryable', code: 'GW-UPSTREAM-CONNECTION', ambiguous: false });
  });
});

describe('backoffSeconds', () => {
  const policy = { baseSeconds: 1, maxSeconds: 60 };
  it('grows exponentially with jitter between half and the full ceiling', () => {
    expect(backoffSeconds(1, 0, policy)).toBe(1);
    expect(backoffSeconds(4, 0, policy)).toBe(4);
    expect(backoffSeconds(4, 0.999, policy)).toBe(8);
  });
  it('never exceeds the maximum', () => {
    expect(backoffSeconds(30, 0.999, policy)).toBe(60);
  });
  it('never waits less than the upstream asked', () => {
    expect(backoffSeconds(1, 0, policy, 7)).toBe(7);
  });
});
