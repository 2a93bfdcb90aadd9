/** The postback token check: constant time, exact match only. */
import { describe, expect, it } from 'vitest';
import { isAcceptedToken } from '../../../lambdas/domain/postbacks/token';

describe('isAcceptedToken', () => {
  it('accepts exactly an accepted token; refuses missing, empty, prefixes and longer values', () => {
    const accepted = ['current-token-0123456789', 'previous-token-0123456789'];
    expect(isAcceptedToken('current-token-0123456789', accepted)).toBe(true);
    expect(isAcceptedToken('previous-token-0123456789', accepted)).toBe(true);
    for (const given of [
      undefined,
      '',
      'current-token',
      'current-token-01234567890',
      'CURRENT-TOKEN-0123456789',
    ]) {
      expect(isAcceptedToken(given, accepted), String(given)).toBe(false);
    }
    expect(isAcceptedToken('', [''])).toBe(false);
  });
});
