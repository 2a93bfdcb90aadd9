import { describe, expect, it } from 'vitest';
import { isInternationalNumber, isShortCode, maskNumber } from '../../lambdas/domain/sinch/phone';

describe('isInternationalNumber', () => {
  it.each([
    ['17745559144', true, 'the valid example of the introduction'],
    ['+17745559144', false, "the '+' example of the introduction"],
    ['0017745559144', false, 'the 00-prefix example of the introduction'],
    ['01117745559144', false, 'an 011 dialling prefix'],
    ['07745559144', false, 'a national trunk 0'],
    ['12345678', true, '8 digits (shortest valid)'],
    ['1234567', false, '7 digits (first too short)'],
    ['123456789012345', true, '15 digits (longest valid, E.164 maximum)'],
    ['1234567890123456', false, '16 digits (first too long)'],
    ['1774555914a', false, 'a letter'],
    ['1774 555 9144', false, 'spaces'],
    ['1774-555-9144', false, 'dashes'],
    [' 17745559144', false, 'a leading space'],
    ['17745559144\n', false, 'a trailing line break'],
    ['', false, 'empty'],
    ['١٧٧٤٥٥٥٩١٤٤', false, 'non-ASCII digits'],
  ])('%s → %s (%s)', (input, expected) => {
    expect(isInternationalNumber(input)).toBe(expected);
  });
});

describe('isShortCode', () => {
  it.each([
    ['28444', true, '5 digits'],
    ['284444', true, '6 digits'],
    ['2844', false, '4 digits'],
    ['2844444', false, '7 digits'],
    ['2844a', false, 'a letter'],
    ['+28444', false, "a '+'"],
    ['', false, 'empty'],
  ])('%s → %s (%s)', (input, expected) => {
    expect(isShortCode(input)).toBe(expected);
  });
});

describe('maskNumber', () => {
  it.each([
    ['17745559144', '*******9144'],
    ['28444', '*8444'],
    ['123456789012345', '***********2345'],
    ['1234', '****'],
    ['12', '**'],
    ['', ''],
  ])('%s → %s', (input, expected) => {
    expect(maskNumber(input)).toBe(expected);
  });

  it('never reveals more than the last 4 characters', () => {
    const masked = maskNumber('4915112345678');
    expect(masked.endsWith('5678')).toBe(true);
    expect(masked.replaceAll('*', '')).toBe('5678');
    expect(masked).toHaveLength(13);
  });
});
