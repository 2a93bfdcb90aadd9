/**
 * `send-at` (lambdas/domain/messages/scheduling.ts) is read by the one ISO 8601 date-time parser the Sinch
 * date fields use: the same spellings are accepted, and a date that does not exist is refused.
 */
import { describe, expect, it } from 'vitest';
import { extractScheduling, MIN_LEAD_MS } from '../../lambdas/domain/messages/scheduling';
import { parseIsoDateTime } from '../../lambdas/domain/sinch/validation';

const now = new Date('2026-06-01T12:00:00Z');
const sendAt = (value: unknown) => extractScheduling({ action: 'sendmms', 'send-at': value }, now);

describe('send-at', () => {
  it.each([
    ['2026-06-02T10:00:00Z', '2026-06-02T10:00:00.000Z'],
    ['2026-06-02T12:00:00+02:00', '2026-06-02T10:00:00.000Z'],
    ['2026-06-02T12:00:00+02', '2026-06-02T10:00:00.000Z'],
    ['2026-06-02t10:00:00.5z', '2026-06-02T10:00:00.500Z'],
    ['2026-06-02T10:00:00,25Z', '2026-06-02T10:00:00.250Z'],
  ])('accepts %s as %s, like the Sinch date fields', (value, instant) => {
    const result = sendAt(value);
    expect(result.violations).toEqual([]);
    expect(result.sendAt?.toISOString()).toBe(instant);
    expect(parseIsoDateTime(value)).toBe(Date.parse(instant));
  });

  it.each([
    '2026-06-02T10:00:00', // no time zone: ambiguous
    '2027-02-30T10:00:00Z', // no such day
    '2026-06-02 10:00:00Z',
    '2026-06-02T24:00:00Z',
    'tomorrow',
    1780000000000,
  ])('refuses %s with GW-INVALID-SEND-AT', (value) => {
    const result = sendAt(value);
    expect(result.sendAt).toBeUndefined();
    expect(result.violations.map((v) => v.code)).toEqual(['GW-INVALID-SEND-AT']);
  });

  it('refuses a time less than the minimum lead ahead', () => {
    const soon = new Date(now.getTime() + MIN_LEAD_MS - 1000).toISOString();
    expect(sendAt(soon).violations.map((v) => v.code)).toEqual(['GW-INVALID-SEND-AT']);
  });
});
