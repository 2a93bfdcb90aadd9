/**
 * EventBridge Scheduler schedule expressions (lambdas/domain/recurring/schedule-expression.ts): what parses, and with
 * which message what does not; next occurrences of everyday expressions (across daylight saving changes), and a
 * property against a brute-force minute scan written independently here.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  atInstant,
  isTimeZone,
  nextOccurrence,
  nextRateOccurrence,
  parseScheduleExpression,
  zonedToUtc,
  type AtExpression,
  type CronExpression,
  type ParsedScheduleExpression,
  type RateExpression,
} from '../../lambdas/domain/recurring/schedule-expression';

function parse(expression: string): ParsedScheduleExpression {
  const result = parseScheduleExpression(expression);
  if (!result.ok) throw new Error(result.message);
  return result.value;
}
const cron = (expression: string) => parse(expression) as CronExpression;
const at = (expression: string) => parse(expression) as AtExpression;
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The next `count` occurrences after `after`, as ISO strings (fewer if they run out). */
function occurrences(expression: string, timeZone: string, after: string, count: number): string[] {
  const parsed = cron(expression);
  const out: string[] = [];
  let t = Date.parse(after);
  while (out.length < count) {
    const next = nextOccurrence(parsed, timeZone, t);
    if (next === undefined) break;
    out.push(new Date(next).toISOString());
    t = next;
  }
  return out;
}

describe('parseScheduleExpression', () => {
  const ALL_YEARS = Array.from({ length: 230 }, (_, i) => 1970 + i);
  const ALL_MONTHS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

  it.each<[string, Partial<ParsedScheduleExpression>]>([
    [
      'at(2026-11-25T14:00:00)',
      { kind: 'at', wall: { year: 2026, month: 11, day: 25, hour: 14, minute: 0, second: 0 } },
    ],
    [
      'at(2028-02-29T23:59:59)',
      { kind: 'at', wall: { year: 2028, month: 2, day: 29, hour: 23, minute: 59, second: 59 } },
    ],
    ['rate(1 minute)', { kind: 'rate', value: 1, unit: 'minute', periodMs: 60_000 }],
    ['rate(5 minutes)', { kind: 'rate', value: 5, unit: 'minute', periodMs: 300_000 }],
    ['rate(1 hour)', { kind: 'rate', value: 1, unit: 'hour', periodMs: 3_600_000 }],
    ['rate(12 hours)', { kind: 'rate', value: 12, unit: 'hour', periodMs: 43_200_000 }],
    ['rate(1 day)', { kind: 'rate', value: 1, unit: 'day', periodMs: 86_400_000 }],
    ['rate( 7  days )', { kind: 'rate', value: 7, unit: 'day', periodMs: 604_800_000 }],
    [
      'cron(0 9 * * ? *)',
      {
        kind: 'cron',
        minutes: [0],
        hours: [9],
        dayOfMonth: { kind: 'days', days: Array.from({ length: 31 }, (_, i) => i + 1) },
        months: ALL_MONTHS,
        dayOfWeek: { kind: 'any' },
        years: ALL_YEARS,
      },
    ],
    ['cron(0/15 * * * ? *)', { minutes: [0, 15, 30, 45] }],
    ['cron(*/20 * * * ? *)', { minutes: [0, 20, 40] }],
    ['cron(5/20 * * * ? *)', { minutes: [5, 25, 45] }],
    ['cron(10-40/10 * * * ? *)', { minutes: [10, 20, 30, 40] }],
    ['cron(0 8,12,17-18 * * ? *)', { hours: [8, 12, 17, 18] }],
    [
      'cron(0 10 ? * MON-FRI *)',
      { dayOfMonth: { kind: 'any' }, dayOfWeek: { kind: 'days', days: [2, 3, 4, 5, 6] } },
    ],
    ['cron(0 10 ? * sun,Sat *)', { dayOfWeek: { kind: 'days', days: [1, 7] } }],
    ['cron(0 10 ? * 2-6 *)', { dayOfWeek: { kind: 'days', days: [2, 3, 4, 5, 6] } }],
    [
      'cron(0 10 ? JAN,jul-Sep * *)',
      { months: [1, 7, 8, 9], dayOfWeek: { kind: 'days', days: [1, 2, 3, 4, 5, 6, 7] } },
    ],
    ['cron(0 10 1/10 * ? *)', { dayOfMonth: { kind: 'days', days: [1, 11, 21, 31] } }],
    ['cron(0 12 L * ? *)', { dayOfMonth: { kind: 'last' } }],
    ['cron(0 8 15W * ? *)', { dayOfMonth: { kind: 'nearestWeekday', day: 15 } }],
    ['cron(0 18 ? * 6#3 *)', { dayOfWeek: { kind: 'nth', day: 6, nth: 3 } }],
    ['cron(0 18 ? * FRI#1 *)', { dayOfWeek: { kind: 'nth', day: 6, nth: 1 } }],
    ['cron(0 0 ? * 5L *)', { dayOfWeek: { kind: 'last', day: 5 } }],
    ['cron(0 0 ? * L *)', { dayOfWeek: { kind: 'days', days: [7] } }],
    ['cron(0 0 1 1 ? 2027)', { years: [2027] }],
    ['cron(0 0 1 1 ? 2030-2040/5)', { years: [2030, 2035, 2040] }],
    ['cron( 0  0 1 1 ? 2027 )', { years: [2027] }],
  ])('accepts %s', (expression, expected) => {
    expect(parse(expression)).toMatchObject(expected);
  });

  it.each<[string, string]>([
    [
      'every minute',
      '"every minute" is not a schedule expression; use at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(minutes hours day-of-month month day-of-week year)',
    ],
    [
      'cron 0 9 * * ? *',
      '"cron 0 9 * * ? *" is not a schedule expression; use at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(minutes hours day-of-month month day-of-week year)',
    ],
    [
      'CRON(0 9 * * ? *)',
      '"CRON(0 9 * * ? *)" is not a schedule expression; use at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(minutes hours day-of-month month day-of-week year)',
    ],
    ['at(2030-02-30T10:00:00)', 'at(2030-02-30T10:00:00): no such date'],
    ['at(2027-02-29T10:00:00)', 'at(2027-02-29T10:00:00): no such date'],
    ['at(2030-01-01T24:00:00)', 'at(2030-01-01T24:00:00): no such time of day'],
    ['at(1969-12-31T23:00:00)', 'at(1969-12-31T23:00:00): the year must be 1970 or later'],
    [
      'at(2030-01-01 10:00:00)',
      'at(2030-01-01 10:00:00): expected at(yyyy-mm-ddThh:mm:ss), e.g. at(2026-11-25T14:00:00)',
    ],
    [
      'at(2030-01-01T10:00)',
      'at(2030-01-01T10:00): expected at(yyyy-mm-ddThh:mm:ss), e.g. at(2026-11-25T14:00:00)',
    ],
    ['rate(0 minutes)', 'rate(0 minutes): the value must be a positive integer, not 0'],
    ['rate(-5 minutes)', 'rate(-5 minutes): the value must be a positive integer, not -5'],
    ['rate(1.5 hours)', 'rate(1.5 hours): the value must be a positive integer, not 1.5'],
    ['rate(5 weeks)', 'rate(5 weeks): the unit must be minute(s), hour(s) or day(s), not weeks'],
    ['rate(1 minutes)', 'rate(1 minutes): use the singular with 1: rate(1 minute)'],
    ['rate(2 day)', 'rate(2 day): use the plural above 1: rate(2 days)'],
    ['rate(5minutes)', 'rate(5minutes): expected rate(value unit), e.g. rate(5 minutes)'],
    ['rate(99999999999999 days)', 'rate(99999999999999 days): the value 99999999999999 is too large'],
    [
      'cron(0 9 * * ?)',
      'cron(0 9 * * ?): expected 6 fields (minutes hours day-of-month month day-of-week year), got 5',
    ],
    ['cron()', 'cron(): expected 6 fields (minutes hours day-of-month month day-of-week year), got 0'],
    [
      'cron(0 9 * * MON *)',
      'cron(0 9 * * MON *): day-of-month and day-of-week cannot both be set; use ? in one of them',
    ],
    [
      'cron(0 9 * * * *)',
      'cron(0 9 * * * *): day-of-month and day-of-week cannot both be set; use ? in one of them',
    ],
    [
      'cron(0 9 ? * ? *)',
      'cron(0 9 ? * ? *): day-of-month and day-of-week cannot both be ?; set one of them',
    ],
    ['cron(60 9 * * ? *)', 'cron(60 9 * * ? *): minutes: 60 is out of range; use 0-59'],
    ['cron(0 24 * * ? *)', 'cron(0 24 * * ? *): hours: 24 is out of range; use 0-23'],
    ['cron(0 9 0 * ? *)', 'cron(0 9 0 * ? *): day-of-month: 0 is out of range; use 1-31'],
    ['cron(0 9 * 13 ? *)', 'cron(0 9 * 13 ? *): month: 13 is out of range; use 1-12'],
    [
      'cron(0 9 * JANUARY ? *)',
      'cron(0 9 * JANUARY ? *): month: JANUARY is not a value; use 1-12 or JAN-DEC',
    ],
    ['cron(0 9 ? * 0 *)', 'cron(0 9 ? * 0 *): day-of-week: 0 is out of range; use 1-7'],
    [
      'cron(0 9 ? * MONDAY *)',
      'cron(0 9 ? * MONDAY *): day-of-week: MONDAY is not a value; use 1-7 or SUN-SAT',
    ],
    ['cron(0 9 * * ? 1969)', 'cron(0 9 * * ? 1969): year: 1969 is out of range; use 1970-2199'],
    ['cron(0 9 * * ? 2200)', 'cron(0 9 * * ? 2200): year: 2200 is out of range; use 1970-2199'],
    ['cron(? 9 * * ? *)', 'cron(? 9 * * ? *): minutes: ? is only allowed in day-of-month and day-of-week'],
    ['cron(0/0 9 * * ? *)', 'cron(0/0 9 * * ? *): minutes: the step in 0/0 must be an integer from 1 to 60'],
    ['cron(0/5/2 9 * * ? *)', 'cron(0/5/2 9 * * ? *): minutes: 0/5/2 has more than one /'],
    ['cron(0 9,,10 * * ? *)', 'cron(0 9,,10 * * ? *): hours: 9,,10 has an empty item in its list'],
    [
      'cron(0 22-2 * * ? *)',
      'cron(0 22-2 * * ? *): hours: the range 22-2 goes backwards; write it from low to high',
    ],
    [
      'cron(0 9 ? * FRI-MON *)',
      'cron(0 9 ? * FRI-MON *): day-of-week: the range FRI-MON goes backwards; write it from low to high',
    ],
    [
      'cron(0 9 ? * 1/2 *)',
      'cron(0 9 ? * 1/2 *): day-of-week: / is not allowed in day-of-week; list the days or use a range',
    ],
    [
      'cron(0 9 LW * ? *)',
      'cron(0 9 LW * ? *): day-of-month: LW is not supported; L (the last day) and nW (the weekday nearest the nth, e.g. 15W) stand alone',
    ],
    [
      'cron(0 9 1,L * ? *)',
      'cron(0 9 1,L * ? *): day-of-month: 1,L is not supported; L (the last day) and nW (the weekday nearest the nth, e.g. 15W) stand alone',
    ],
    ['cron(0 9 32W * ? *)', 'cron(0 9 32W * ? *): day-of-month: 32 is out of range; use 1-31'],
    ['cron(0 9 1#2 * ? *)', 'cron(0 9 1#2 * ? *): day-of-month: # is only allowed in day-of-week'],
    [
      'cron(0 9 ? * 3#1,6#3 *)',
      'cron(0 9 ? * 3#1,6#3 *): day-of-week: 3#1,6#3 is not valid; # stands alone in the field as day#n, e.g. 3#2 (the second Tuesday)',
    ],
    ['cron(0 9 ? * 3#6 *)', 'cron(0 9 ? * 3#6 *): day-of-week: in 3#6, the week number must be 1-5'],
    ['cron(0 9 ? * 8L *)', 'cron(0 9 ? * 8L *): day-of-week: 8 is out of range; use 1-7'],
    [
      'cron(0 9 ? * 2,6L *)',
      'cron(0 9 ? * 2,6L *): day-of-week: 2,6L is not supported; L (Saturday) and nL (the last day n of the month, e.g. 6L) stand alone',
    ],
    [
      `cron(${'0,'.repeat(130)}0 9 * * ? *)`,
      'The schedule expression is 277 characters long; at most 256 are allowed',
    ],
  ])('refuses %s', (expression, message) => {
    expect(parseScheduleExpression(expression)).toEqual({ ok: false, message });
  });
});

describe('isTimeZone', () => {
  it.each([
    ['UTC', true],
    ['Europe/Paris', true],
    ['America/Argentina/Buenos_Aires', true],
    ['America/Port-au-Prince', true],
    ['Etc/GMT+5', true],
    ['US/Eastern', true],
    ['Nowhere/Special', false],
    ['europe/paris', false],
    ['EUROPE/PARIS', false],
    ['+01:00', false],
    ['', false],
  ])('%s: %s', (timeZone, expected) => {
    expect(isTimeZone(timeZone)).toBe(expected);
  });
});

describe('at() in a time zone', () => {
  it.each([
    ['at(2026-11-25T14:00:00)', 'UTC', '2026-11-25T14:00:00.000Z'],
    ['at(2026-11-25T14:00:00)', 'Europe/Paris', '2026-11-25T13:00:00.000Z'],
    ['at(2026-07-01T09:30:00)', 'Europe/Paris', '2026-07-01T07:30:00.000Z'],
    ['at(2026-07-01T09:30:00)', 'Asia/Kolkata', '2026-07-01T04:00:00.000Z'],
    ['at(2026-07-01T09:30:00)', 'America/New_York', '2026-07-01T13:30:00.000Z'],
    // In a spring-forward gap: moved forward by the gap (02:30 → 03:30).
    ['at(2026-03-08T02:30:00)', 'America/New_York', '2026-03-08T07:30:00.000Z'],
    ['at(2026-03-29T02:30:00)', 'Europe/Paris', '2026-03-29T01:30:00.000Z'],
    ['at(2026-10-04T02:15:00)', 'Australia/Lord_Howe', '2026-10-03T15:45:00.000Z'],
    // Twice on a fall-back day: the first.
    ['at(2026-11-01T01:30:00)', 'America/New_York', '2026-11-01T05:30:00.000Z'],
    ['at(2026-10-25T02:30:00)', 'Europe/Paris', '2026-10-25T00:30:00.000Z'],
  ])('%s in %s is %s', (expression, timeZone, expected) => {
    expect(iso(atInstant(at(expression), timeZone))).toBe(expected);
  });

  it('is the next occurrence until it has passed', () => {
    const once = at('at(2026-11-25T14:00:00)');
    const time = Date.parse('2026-11-25T13:00:00Z');
    expect(nextOccurrence(once, 'Europe/Paris', time - 1)).toBe(time);
    expect(nextOccurrence(once, 'Europe/Paris', time)).toBeUndefined();
  });

  it('zonedToUtc agrees for the wall time written as UTC', () => {
    expect(iso(zonedToUtc(Date.UTC(2026, 2, 8, 2, 30), 'America/New_York'))).toBe('2026-03-08T07:30:00.000Z');
    expect(iso(zonedToUtc(Date.UTC(2026, 0, 1), 'UTC'))).toBe('2026-01-01T00:00:00.000Z');
  });
});

describe('nextOccurrence of cron()', () => {
  it.each<[string, string, string, string[]]>([
    // 09:00 in Paris across the March change (CET → CEST on 29 March) ...
    [
      'cron(0 9 * * ? *)',
      'Europe/Paris',
      '2026-03-27T12:00:00Z',
      ['2026-03-28T08:00:00.000Z', '2026-03-29T07:00:00.000Z', '2026-03-30T07:00:00.000Z'],
    ],
    // ... and the October one (CEST → CET on 25 October).
    [
      'cron(0 9 * * ? *)',
      'Europe/Paris',
      '2026-10-23T12:00:00Z',
      ['2026-10-24T07:00:00.000Z', '2026-10-25T08:00:00.000Z', '2026-10-26T08:00:00.000Z'],
    ],
    [
      'cron(0/15 * * * ? *)',
      'UTC',
      '2026-05-05T10:07:00Z',
      [
        '2026-05-05T10:15:00.000Z',
        '2026-05-05T10:30:00.000Z',
        '2026-05-05T10:45:00.000Z',
        '2026-05-05T11:00:00.000Z',
      ],
    ],
    // Strictly after: an occurrence at `after` itself is not next.
    ['cron(0/15 * * * ? *)', 'UTC', '2026-05-05T10:15:00Z', ['2026-05-05T10:30:00.000Z']],
    ['cron(0/15 * * * ? *)', 'UTC', '2026-05-05T10:14:59.999Z', ['2026-05-05T10:15:00.000Z']],
    // Weekdays: Friday 8 May 2026, then Monday 11.
    [
      'cron(0 10 ? * MON-FRI *)',
      'UTC',
      '2026-05-07T11:00:00Z',
      ['2026-05-08T10:00:00.000Z', '2026-05-11T10:00:00.000Z', '2026-05-12T10:00:00.000Z'],
    ],
    // The last day of the month, leap February included.
    [
      'cron(0 12 L * ? *)',
      'UTC',
      '2028-01-15T00:00:00Z',
      [
        '2028-01-31T12:00:00.000Z',
        '2028-02-29T12:00:00.000Z',
        '2028-03-31T12:00:00.000Z',
        '2028-04-30T12:00:00.000Z',
      ],
    ],
    // The weekday nearest the 15th: Sunday 15 February and 15 March 2026 give Monday the 16th; Saturday 15
    // August gives Friday the 14th.
    [
      'cron(0 8 15W * ? *)',
      'UTC',
      '2026-01-20T00:00:00Z',
      ['2026-02-16T08:00:00.000Z', '2026-03-16T08:00:00.000Z', '2026-04-15T08:00:00.000Z'],
    ],
    ['cron(0 8 15W * ? *)', 'UTC', '2026-07-20T00:00:00Z', ['2026-08-14T08:00:00.000Z']],
    // Not leaving the month: Saturday 1 August 2026 gives Monday the 3rd; Sunday 31 May 2026 gives Friday the
    // 29th.
    ['cron(0 8 1W * ? *)', 'UTC', '2026-07-20T00:00:00Z', ['2026-08-03T08:00:00.000Z']],
    [
      'cron(0 8 31W * ? *)',
      'UTC',
      '2026-05-01T00:00:00Z',
      ['2026-05-29T08:00:00.000Z', '2026-07-31T08:00:00.000Z'],
    ],
    // The third Friday.
    [
      'cron(0 18 ? * 6#3 *)',
      'UTC',
      '2026-01-01T00:00:00Z',
      ['2026-01-16T18:00:00.000Z', '2026-02-20T18:00:00.000Z', '2026-03-20T18:00:00.000Z'],
    ],
    // A fifth Monday only in some months.
    [
      'cron(0 9 ? * MON#5 *)',
      'UTC',
      '2026-01-01T00:00:00Z',
      ['2026-03-30T09:00:00.000Z', '2026-06-29T09:00:00.000Z'],
    ],
    // The last Thursday.
    [
      'cron(0 0 ? * 5L *)',
      'UTC',
      '2026-01-01T00:00:00Z',
      [
        '2026-01-29T00:00:00.000Z',
        '2026-02-26T00:00:00.000Z',
        '2026-03-26T00:00:00.000Z',
        '2026-04-30T00:00:00.000Z',
      ],
    ],
    // L alone in day-of-week: Saturdays.
    [
      'cron(0 0 ? * L *)',
      'UTC',
      '2026-05-01T00:00:00Z',
      ['2026-05-02T00:00:00.000Z', '2026-05-09T00:00:00.000Z'],
    ],
    // 02:30 does not exist in New York on 8 March 2026: skipped.
    [
      'cron(30 2 * * ? *)',
      'America/New_York',
      '2026-03-06T12:00:00Z',
      ['2026-03-07T07:30:00.000Z', '2026-03-09T06:30:00.000Z', '2026-03-10T06:30:00.000Z'],
    ],
    // 01:30 happens twice in New York on 1 November 2026: once, the first time (EDT).
    [
      'cron(30 1 * * ? *)',
      'America/New_York',
      '2026-10-31T12:00:00Z',
      ['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z'],
    ],
    // Every 15 minutes through the repeated hour: 01:00-01:45 EDT, then nothing until 02:00 EST.
    [
      'cron(0/15 * * * ? *)',
      'America/New_York',
      '2026-11-01T05:20:00Z',
      ['2026-11-01T05:30:00.000Z', '2026-11-01T05:45:00.000Z', '2026-11-01T07:00:00.000Z'],
    ],
    // From inside the repeated hour's second pass (01:10 EST): the rest of it does not fire again.
    ['cron(0/15 * * * ? *)', 'America/New_York', '2026-11-01T06:10:00Z', ['2026-11-01T07:00:00.000Z']],
    // Lord Howe Island moves by 30 minutes: 02:15 does not exist on 4 October 2026.
    [
      'cron(15 2 * * ? *)',
      'Australia/Lord_Howe',
      '2026-10-02T00:00:00Z',
      ['2026-10-02T15:45:00.000Z', '2026-10-04T15:15:00.000Z'],
    ],
    // Year bounds: one occurrence, then none.
    ['cron(0 0 1 1 ? 2027)', 'UTC', '2026-01-01T00:00:00Z', ['2027-01-01T00:00:00.000Z']],
    ['cron(0 0 1 1 ? 2027)', 'Asia/Tokyo', '2026-06-01T00:00:00Z', ['2026-12-31T15:00:00.000Z']],
    // Never: 30 February.
    ['cron(0 0 30 2 ? *)', 'Europe/Paris', '2026-01-01T00:00:00Z', []],
    // Leap days only.
    [
      'cron(0 0 29 FEB ? *)',
      'Europe/Paris',
      '2026-01-01T00:00:00Z',
      ['2028-02-28T23:00:00.000Z', '2032-02-28T23:00:00.000Z'],
    ],
  ])('%s in %s after %s', (expression, timeZone, after, expected) => {
    expect(occurrences(expression, timeZone, after, Math.max(expected.length, 1))).toEqual(expected);
  });

  it('is undefined after the last year, and after 2199', () => {
    expect(
      nextOccurrence(cron('cron(0 0 1 1 ? 2027)'), 'UTC', Date.parse('2027-01-01T00:00:00Z')),
    ).toBeUndefined();
    expect(
      nextOccurrence(cron('cron(0 0 * * ? *)'), 'UTC', Date.parse('2199-12-31T00:00:00Z')),
    ).toBeUndefined();
  });

  it('finds far and absent occurrences in few steps (no minute-by-minute scan: Intl conversions counted)', () => {
    // A minute-by-minute scan would convert millions of wall times; the search converts only candidates.
    const conversions = vi.spyOn(Intl.DateTimeFormat.prototype, 'formatToParts');
    expect(
      nextOccurrence(cron('cron(0 0 30 2 ? *)'), 'Europe/Paris', Date.parse('1970-01-01T00:00:00Z')),
    ).toBe(undefined);
    expect(iso(nextOccurrence(cron('cron(59 23 31 12 ? 2199)'), 'America/New_York', 0))).toBe(
      '2200-01-01T04:59:00.000Z',
    );
    // A fifth Monday in February: only in a leap year starting February on a Monday.
    expect(
      iso(nextOccurrence(cron('cron(0 0 ? FEB 2#5 *)'), 'UTC', Date.parse('2026-01-01T00:00:00Z'))),
    ).toBe('2044-02-29T00:00:00.000Z');
    // The same fifth Monday in a zone that needs Intl: found in a few conversions, not one per minute.
    expect(
      iso(nextOccurrence(cron('cron(0 0 ? FEB 2#5 *)'), 'Europe/Paris', Date.parse('2026-01-01T00:00:00Z'))),
    ).toBe('2044-02-28T23:00:00.000Z');
    expect(conversions.mock.calls.length).toBeGreaterThan(0);
    expect(conversions.mock.calls.length).toBeLessThan(100);
    conversions.mockRestore();
  });

  it('refuses a non-finite time', () => {
    expect(() => nextOccurrence(cron('cron(0 0 * * ? *)'), 'UTC', Number.NaN)).toThrow(RangeError);
  });
});

describe('nextRateOccurrence', () => {
  const everyMinute = parse('rate(1 minute)') as RateExpression;
  const t = Date.parse('2026-05-05T10:00:00Z');

  it('is one period after the previous one, or the first period boundary not before notBefore', () => {
    expect(nextRateOccurrence(everyMinute, t, t - 5)).toBe(t + 60_000);
    expect(nextRateOccurrence(everyMinute, t, t + 150_000)).toBe(t + 180_000);
    expect(nextRateOccurrence(everyMinute, t, t + 120_000)).toBe(t + 120_000);
  });

  it('counts days as 24 hours, whatever the clock does', () => {
    const daily = parse('rate(1 day)') as RateExpression;
    const before = Date.parse('2026-03-28T08:00:00Z');
    expect(nextRateOccurrence(daily, before, before)).toBe(before + 86_400_000);
  });
});

// ---- The property: against a brute-force minute scan ----

/** A field: its text and which values it selects, worked out here independently of the parser. */
type Field = [text: string, matches: (value: number) => boolean];

const listField = (min: number, max: number, names?: readonly string[]): fc.Arbitrary<Field> => {
  const value = fc.integer({ min, max });
  const name = (v: number) => (names === undefined ? String(v) : (names[v - min] ?? String(v)));
  return fc.oneof(
    fc.constant<Field>(['*', () => true]),
    value.map<Field>((v) => [String(v), (x) => x === v]),
    value.map<Field>((v) => [name(v), (x) => x === v]),
    fc
      .tuple(value, value)
      .map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const)
      .map<Field>(([a, b]) => [`${a}-${b}`, (x) => x >= a && x <= b]),
    fc
      .tuple(value, fc.integer({ min: 1, max: max - min + 1 }))
      .map<Field>(([a, s]) => [`${a}/${s}`, (x) => x >= a && (x - a) % s === 0]),
    fc
      .integer({ min: 1, max: Math.min(30, max - min + 1) })
      .map<Field>((s) => [`*/${s}`, (x) => (x - min) % s === 0]),
    fc
      .uniqueArray(value, { minLength: 2, maxLength: 4 })
      .map<Field>((vs) => [vs.join(','), (x) => vs.includes(x)]),
  );
};

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 1 = Sunday. */
  weekday: number;
  lastDay: number;
}

/** Day fields: [day-of-month text, day-of-week text, matches]. */
type DayFields = [dom: string, dow: string, matches: (w: Wall) => boolean];

const isWeekday = (year: number, month: number, day: number) => {
  const d = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return d >= 1 && d <= 5;
};

const dayFields: fc.Arbitrary<DayFields> = fc.oneof(
  // Every day a third of the time, so that occurrences fall on the days the clocks change.
  { arbitrary: fc.constant<DayFields>(['*', '?', () => true]), weight: 4 },
  listField(1, 31).map<DayFields>(([text, m]) => [text, '?', (w) => m(w.day)]),
  fc.constant<DayFields>(['L', '?', (w) => w.day === w.lastDay]),
  fc.integer({ min: 1, max: 31 }).map<DayFields>((n) => [
    `${n}W`,
    '?',
    (w) => {
      // The weekday of the month nearest the nth (the earlier one on a tie); none when the month has no nth.
      if (n > w.lastDay) return false;
      let best: number | undefined;
      for (let d = 1; d <= w.lastDay; d += 1) {
        if (isWeekday(w.year, w.month, d) && (best === undefined || Math.abs(d - n) < Math.abs(best - n)))
          best = d;
      }
      return w.day === best;
    },
  ]),
  fc
    .oneof(
      fc.constant<Field>(['*', () => true]),
      fc.integer({ min: 1, max: 7 }).map<Field>((v) => [DAYS[v - 1] ?? '', (x) => x === v]),
      fc.constant<Field>(['MON-FRI', (x) => x >= 2 && x <= 6]),
      fc.constant<Field>(['L', (x) => x === 7]),
      fc
        .uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 2, maxLength: 3 })
        .map<Field>((vs) => [vs.join(','), (x) => vs.includes(x)]),
    )
    .map<DayFields>(([text, m]) => ['?', text, (w) => m(w.weekday)]),
  fc
    .tuple(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 5 }))
    .map<DayFields>(([d, n]) => ['?', `${d}#${n}`, (w) => w.weekday === d && Math.ceil(w.day / 7) === n]),
  fc
    .integer({ min: 1, max: 7 })
    .map<DayFields>((d) => ['?', `${d}L`, (w) => w.weekday === d && w.day + 7 > w.lastDay]),
);

/** Hours near the daylight saving changes (0-3 local) two thirds of the time. */
const hourField = fc.oneof({ arbitrary: listField(0, 3), weight: 2 }, listField(0, 23));

const cronCase = fc
  .tuple(
    listField(0, 59),
    hourField,
    dayFields,
    fc.oneof(fc.constant<Field>(['*', () => true]), listField(1, 12, MONTHS)),
  )
  .map(([[minText, minute], [hourText, hour], [domText, dowText, day], [monthText, month]]) => ({
    expression: `cron(${minText} ${hourText} ${domText} ${monthText} ${dowText} *)`,
    matches: (w: Wall) => minute(w.minute) && hour(w.hour) && month(w.month) && day(w),
  }));

/** Time zones with their 2026 changes, to start near one often. */
const ZONES: Record<string, string[]> = {
  UTC: ['2026-06-01T00:00:00Z'],
  'Europe/Paris': ['2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z'],
  'America/New_York': ['2026-03-08T07:00:00Z', '2026-11-01T06:00:00Z'],
  'America/St_Johns': ['2026-03-08T05:30:00Z', '2026-11-01T04:30:00Z'],
  'Australia/Sydney': ['2026-04-04T16:00:00Z', '2026-10-03T16:00:00Z'],
  'Australia/Lord_Howe': ['2026-04-04T15:00:00Z', '2026-10-03T15:30:00Z'],
  'Asia/Kolkata': ['2026-06-01T00:00:00Z'],
};

const startCase = fc.constantFrom(...Object.keys(ZONES)).chain((timeZone) =>
  fc.record({
    timeZone: fc.constant(timeZone),
    after: fc.oneof(
      {
        // Up to a day before a change (the scan covers two days), or just after it.
        arbitrary: fc
          .tuple(
            fc.constantFrom(...(ZONES[timeZone] ?? [])),
            fc.integer({ min: -30 * 3600_000, max: 3 * 3600_000 }),
          )
          .map(([anchor, delta]) => Date.parse(anchor) + delta),
        weight: 4,
      },
      fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2035, 0, 1) }),
    ),
  }),
);

const wallFormats = new Map<string, Intl.DateTimeFormat>();

/** The wall clock of `timeZone` at `ms`, read with Intl directly. */
function wallOf(ms: number, timeZone: string): Wall & { wallMs: number } {
  let format = wallFormats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    wallFormats.set(timeZone, format);
  }
  const p = Object.fromEntries(format.formatToParts(new Date(ms)).map((x) => [x.type, Number(x.value)]));
  const [year, month, day, hour, minute, second] = [p.year, p.month, p.day, p.hour, p.minute, p.second].map(
    (v) => v ?? 0,
  ) as [number, number, number, number, number, number];
  return {
    year,
    month,
    day,
    hour,
    minute,
    second,
    weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1,
    lastDay: new Date(Date.UTC(year, month, 0)).getUTCDate(),
    wallMs: Date.UTC(year, month - 1, day, hour, minute, second),
  };
}

/** Whether the wall time shown at `ms` was already shown earlier (the second pass of a repeated hour). */
function isRepeat(ms: number, timeZone: string): boolean {
  const offset = (t: number) => wallOf(t, timeZone).wallMs - Math.floor(t / 1000) * 1000;
  const back = offset(ms - 3 * 3600_000) - offset(ms);
  return back > 0 && wallOf(ms - back, timeZone).wallMs === wallOf(ms, timeZone).wallMs;
}

const SCAN_MS = 2 * 86_400_000;

describe('nextOccurrence of cron() against a minute-by-minute scan', () => {
  it('is later, matches the fields on the wall clock, and skips no matching minute', () => {
    fc.assert(
      fc.property(cronCase, startCase, ({ expression, matches }, { timeZone, after }) => {
        const parsed = cron(expression);
        const first = nextOccurrence(parsed, timeZone, after);
        const second = first === undefined ? undefined : nextOccurrence(parsed, timeZone, first);
        for (const [occurrence, before] of [
          [first, after],
          [second, first],
        ] as const) {
          if (occurrence === undefined || before === undefined) continue;
          expect(occurrence).toBeGreaterThan(before);
          const wall = wallOf(occurrence, timeZone);
          expect(wall.second).toBe(0);
          expect(matches(wall), `${new Date(occurrence).toISOString()} ${JSON.stringify(wall)}`).toBe(true);
        }
        // Every first showing of a matching wall minute in (after, second], within the scan window.
        const end = Math.min(second ?? Number.POSITIVE_INFINITY, after + SCAN_MS);
        const expected = [first, second].filter((t): t is number => t !== undefined && t <= end);
        const found: number[] = [];
        for (let t = Math.floor(after / 60_000) * 60_000 + 60_000; t <= end; t += 60_000) {
          if (matches(wallOf(t, timeZone)) && !isRepeat(t, timeZone)) found.push(t);
        }
        expect(found.map(iso), `${expression} in ${timeZone} after ${iso(after)}`).toEqual(expected.map(iso));
      }),
      { numRuns: 150 },
    );
  }, 60_000);
});
