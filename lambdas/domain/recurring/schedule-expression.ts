/**
 * EventBridge Scheduler schedule expressions
 * (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html): parsing with messages fit for
 * an API user, time zones, and the next occurrence of a schedule. Pure (Intl and Date only), so the
 * gateway can validate what it sends to Scheduler, and the local Scheduler (local/infra/scheduler-endpoint.ts)
 * can fire what AWS would fire.
 *
 * What is accepted (as strict as AWS where AWS documents a rule; stricter where it does not):
 * - `at(yyyy-mm-ddThh:mm:ss)`: a wall-clock time in the schedule's time zone, a real date from 1970 on.
 * - `rate(value unit)`: value a positive integer, unit `minute`, `hour` or `day` with value 1 and `minutes`,
 *   `hours` or `days` above 1 (EventBridge documents this for rules; the Scheduler API lists both forms):
 *   `rate(1 minutes)` and `rate(5 minute)` are refused. Spaces around the value and unit are tolerated.
 * - `cron(minutes hours day-of-month month day-of-week year)`, six fields separated by spaces:
 *   | field        | values                       | wildcards         |
 *   | minutes      | 0-59                         | , - * /           |
 *   | hours        | 0-23                         | , - * /           |
 *   | day-of-month | 1-31                         | , - * ? / L W     |
 *   | month        | 1-12 or JAN-DEC              | , - * /           |
 *   | day-of-week  | 1-7 or SUN-SAT (1 = Sunday)  | , - * ? L #       |
 *   | year         | 1970-2199                    | , - * /           |
 *   Exactly one of day-of-month and day-of-week is `?`. `/` steps from a start (`*`, a value or a
 *   range): `0/15`, `*\/15`, `10-40/10`. `L` in day-of-month is the month's last day; `nW` the weekday
 *   (Monday to Friday) nearest the nth, without leaving the month (a month with no nth has none). `L` alone
 *   in day-of-week is 7 (Saturday: Quartz's reading of "the last day of the week"), `nL` the month's last
 *   day n (`5L`: the last Thursday), `d#n` the nth day d (`3#2`: the second Tuesday; n 1-5). `L`, `nW`,
 *   `nL` and `d#n` stand alone in their field (AWS: "#" allows one expression only). Names are
 *   case-insensitive. Not accepted (not documented by AWS): `/` in day-of-week (AWS lists no `/` there),
 *   `LW`, `L-n`, ranges that wrap (`FRI-MON`, `22-2`).
 *
 * Daylight saving time (cron in a time zone that has it), as EventBridge Scheduler documents: a wall time
 * that does not exist on a spring-forward day is skipped (`cron(30 2 * * ? *)` in America/New_York does not
 * fire that day); a wall time that occurs twice on a fall-back day fires once, at its first (earlier)
 * occurrence. Rates are fixed durations (`rate(1 day)` is 24 hours, whatever the clock does). An `at()` wall
 * time that does not exist (not documented by AWS) is moved forward by the length of the gap (02:30 becomes
 * 03:30), and one that occurs twice means the first; `zonedToUtc` does the same.
 */

/** A wall-clock date and time, month 1-12. */
export interface WallTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/** `at(yyyy-mm-ddThh:mm:ss)`: one time, on the wall clock of the schedule's time zone. */
export interface AtExpression {
  readonly kind: 'at';
  readonly wall: WallTime;
}

/** `rate(value unit)`: every `periodMs`, counted from the schedule's start (see `nextRateOccurrence`). */
export interface RateExpression {
  readonly kind: 'rate';
  readonly value: number;
  readonly unit: 'minute' | 'hour' | 'day';
  readonly periodMs: number;
}

/** Day-of-month: `?`, a set of days, `L` (the last day) or `nW` (the weekday nearest the nth). */
export type DayOfMonthRule =
  | { readonly kind: 'any' }
  | { readonly kind: 'days'; readonly days: readonly number[] }
  | { readonly kind: 'last' }
  | { readonly kind: 'nearestWeekday'; readonly day: number };

/**
 * Day-of-week, 1 = Sunday ... 7 = Saturday: `?`, a set of days (`L` alone is [7]), `nL` (the month's last day n) or
 * `d#n` (the month's nth day d).
 */
export type DayOfWeekRule =
  | { readonly kind: 'any' }
  | { readonly kind: 'days'; readonly days: readonly number[] }
  | { readonly kind: 'last'; readonly day: number }
  | { readonly kind: 'nth'; readonly day: number; readonly nth: number };

/** `cron(...)`: the values of each field, ascending; exactly one of the two day rules is `any`. */
export interface CronExpression {
  readonly kind: 'cron';
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly dayOfMonth: DayOfMonthRule;
  /** 1-12. */
  readonly months: readonly number[];
  readonly dayOfWeek: DayOfWeekRule;
  readonly years: readonly number[];
}

export type ParsedScheduleExpression = AtExpression | RateExpression | CronExpression;

export type ParseScheduleExpressionResult =
  { ok: true; value: ParsedScheduleExpression } | { ok: false; message: string };

/** Scheduler's limit on ScheduleExpression. */
export const MAX_EXPRESSION_LENGTH = 256;

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

// ---- Parsing ----

/**
 * Parses an EventBridge Scheduler schedule expression. A refusal's message names the expression and what is
 * wrong with it, e.g.
 * `cron(0 9 * * MON *): day-of-month and day-of-week cannot both be set; use ? in one of them`.
 */
export function parseScheduleExpression(expression: string): ParseScheduleExpressionResult {
  if (expression.length > MAX_EXPRESSION_LENGTH) {
    return fail(
      `The schedule expression is ${expression.length} characters long; ` +
        `at most ${MAX_EXPRESSION_LENGTH} are allowed`,
    );
  }
  const shape = /^(at|rate|cron)\((.*)\)$/.exec(expression);
  if (shape === null) {
    return fail(
      `${JSON.stringify(expression)} is not a schedule expression; ` +
        'use at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(minutes hours day-of-month month day-of-week year)',
    );
  }
  const body = shape[2] ?? '';
  const result = shape[1] === 'at' ? parseAt(body) : shape[1] === 'rate' ? parseRate(body) : parseCron(body);
  return typeof result === 'string' ? fail(`${expression}: ${result}`) : { ok: true, value: result };
}

const fail = (message: string): ParseScheduleExpressionResult => ({ ok: false, message });

function parseAt(body: string): AtExpression | string {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body);
  if (match === null) return 'expected at(yyyy-mm-ddThh:mm:ss), e.g. at(2026-11-25T14:00:00)';
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (year < 1970) return 'the year must be 1970 or later';
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return 'no such date';
  if (hour > 23 || minute > 59 || second > 59) return 'no such time of day';
  return { kind: 'at', wall: { year, month, day, hour, minute, second } };
}

const RATE_UNITS: Record<string, { unit: RateExpression['unit']; plural: boolean }> = {
  minute: { unit: 'minute', plural: false },
  minutes: { unit: 'minute', plural: true },
  hour: { unit: 'hour', plural: false },
  hours: { unit: 'hour', plural: true },
  day: { unit: 'day', plural: false },
  days: { unit: 'day', plural: true },
};
const UNIT_MS: Record<RateExpression['unit'], number> = { minute: MINUTE_MS, hour: HOUR_MS, day: DAY_MS };

function parseRate(body: string): RateExpression | string {
  const match = /^\s*(\S+)\s+(\S+)\s*$/.exec(body);
  if (match === null) return 'expected rate(value unit), e.g. rate(5 minutes)';
  const [, valueText = '', unitText = ''] = match;
  if (!/^\d+$/.test(valueText) || Number(valueText) < 1) {
    return `the value must be a positive integer, not ${valueText}`;
  }
  const value = Number(valueText);
  const unit = RATE_UNITS[unitText];
  if (unit === undefined) return `the unit must be minute(s), hour(s) or day(s), not ${unitText}`;
  if (value === 1 && unit.plural) return `use the singular with 1: rate(1 ${unit.unit})`;
  if (value > 1 && !unit.plural) return `use the plural above 1: rate(${value} ${unit.unit}s)`;
  const periodMs = value * UNIT_MS[unit.unit];
  if (!Number.isSafeInteger(periodMs)) return `the value ${valueText} is too large`;
  return { kind: 'rate', value, unit: unit.unit, periodMs };
}

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  readonly step: boolean;
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const MINUTES: FieldSpec = { name: 'minutes', min: 0, max: 59, step: true };
const HOURS: FieldSpec = { name: 'hours', min: 0, max: 23, step: true };
const DAY_OF_MONTH: FieldSpec = { name: 'day-of-month', min: 1, max: 31, step: true };
const MONTH: FieldSpec = { name: 'month', min: 1, max: 12, names: MONTH_NAMES, step: true };
const DAY_OF_WEEK: FieldSpec = { name: 'day-of-week', min: 1, max: 7, names: DAY_NAMES, step: false };
const YEAR: FieldSpec = { name: 'year', min: 1970, max: 2199, step: true };

function parseCron(body: string): CronExpression | string {
  const fields = body.trim() === '' ? [] : body.trim().split(/\s+/);
  if (fields.length !== 6) {
    return `expected 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`;
  }
  const [minutesText, hoursText, domText, monthText, dowText, yearText] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const minutes = parseList(minutesText, MINUTES);
  if (typeof minutes === 'string') return minutes;
  const hours = parseList(hoursText, HOURS);
  if (typeof hours === 'string') return hours;
  const dayOfMonth = parseDayOfMonth(domText);
  if (typeof dayOfMonth === 'string') return dayOfMonth;
  const months = parseList(monthText, MONTH);
  if (typeof months === 'string') return months;
  const dayOfWeek = parseDayOfWeek(dowText);
  if (typeof dayOfWeek === 'string') return dayOfWeek;
  const years = parseList(yearText, YEAR);
  if (typeof years === 'string') return years;
  if (dayOfMonth.kind === 'any' && dayOfWeek.kind === 'any') {
    return 'day-of-month and day-of-week cannot both be ?; set one of them';
  }
  if (dayOfMonth.kind !== 'any' && dayOfWeek.kind !== 'any') {
    return 'day-of-month and day-of-week cannot both be set; use ? in one of them';
  }
  return { kind: 'cron', minutes, hours, dayOfMonth, months, dayOfWeek, years };
}

function parseDayOfMonth(text: string): DayOfMonthRule | string {
  if (text === '?') return { kind: 'any' };
  if (/^L$/i.test(text)) return { kind: 'last' };
  const weekday = /^(\d+)W$/i.exec(text);
  if (weekday !== null) {
    const day = parseValue(weekday[1] ?? '', DAY_OF_MONTH);
    return typeof day === 'string' ? day : { kind: 'nearestWeekday', day };
  }
  if (/[LW]/i.test(text)) {
    return (
      `day-of-month: ${text} is not supported; ` +
      'L (the last day) and nW (the weekday nearest the nth, e.g. 15W) stand alone'
    );
  }
  if (text.includes('#')) return 'day-of-month: # is only allowed in day-of-week';
  const days = parseList(text, DAY_OF_MONTH);
  return typeof days === 'string' ? days : { kind: 'days', days };
}

function parseDayOfWeek(text: string): DayOfWeekRule | string {
  if (text === '?') return { kind: 'any' };
  if (/^L$/i.test(text)) return { kind: 'days', days: [7] };
  const last = /^([^,#/-]+)L$/i.exec(text);
  if (last !== null) {
    const day = parseValue(last[1] ?? '', DAY_OF_WEEK);
    return typeof day === 'string' ? day : { kind: 'last', day };
  }
  if (text.includes('#')) {
    const nth = /^([^,#/-]+)#(\d+)$/.exec(text);
    if (nth === null) {
      return (
        `day-of-week: ${text} is not valid; ` +
        '# stands alone in the field as day#n, e.g. 3#2 (the second Tuesday)'
      );
    }
    const day = parseValue(nth[1] ?? '', DAY_OF_WEEK);
    if (typeof day === 'string') return day;
    const n = Number(nth[2]);
    if (n < 1 || n > 5) return `day-of-week: in ${text}, the week number must be 1-5`;
    return { kind: 'nth', day, nth: n };
  }
  if (text.includes('/')) return 'day-of-week: / is not allowed in day-of-week; list the days or use a range';
  if (text.split(/[,-]/).some((part) => /^\d*L$/i.test(part))) {
    return (
      `day-of-week: ${text} is not supported; ` +
      'L (Saturday) and nL (the last day n of the month, e.g. 6L) stand alone'
    );
  }
  const days = parseList(text, DAY_OF_WEEK);
  return typeof days === 'string' ? days : { kind: 'days', days };
}

/** A comma-separated list of `*`, values, ranges and steps; the sorted distinct values, or a message. */
function parseList(text: string, spec: FieldSpec): number[] | string {
  if (text === '?') return `${spec.name}: ? is only allowed in day-of-month and day-of-week`;
  const values = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '') return `${spec.name}: ${text} has an empty item in its list`;
    const parts = item.split('/');
    if (parts.length > 2) return `${spec.name}: ${item} has more than one /`;
    const [rangeText = '', stepText] = parts;
    let from: number;
    let to: number;
    if (rangeText === '*') {
      from = spec.min;
      to = spec.max;
    } else {
      const bounds = rangeText.split('-');
      if (bounds.length > 2) return `${spec.name}: ${rangeText} is not a value or a range`;
      const start = parseValue(bounds[0] ?? '', spec);
      if (typeof start === 'string') return start;
      from = start;
      to = start;
      if (bounds.length === 2) {
        const end = parseValue(bounds[1] ?? '', spec);
        if (typeof end === 'string') return end;
        if (end < start)
          return `${spec.name}: the range ${rangeText} goes backwards; write it from low to high`;
        to = end;
      } else if (stepText !== undefined) {
        to = spec.max; // `5/15`: from 5 to the end, every 15
      }
    }
    let step = 1;
    if (stepText !== undefined) {
      if (!spec.step) return `${spec.name}: / is not allowed in ${spec.name}`;
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1 || Number(stepText) > spec.max - spec.min + 1) {
        return `${spec.name}: the step in ${item} must be an integer from 1 to ${spec.max - spec.min + 1}`;
      }
      step = Number(stepText);
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

function parseValue(text: string, spec: FieldSpec): number | string {
  let value: number;
  if (/^\d+$/.test(text)) {
    value = Number(text);
  } else {
    const index = spec.names?.indexOf(text.toUpperCase()) ?? -1;
    if (index < 0) {
      const allowed = spec.names === undefined ? '' : ` or ${spec.names[0]}-${spec.names.at(-1)}`;
      return `${spec.name}: ${text === '' ? 'a value is missing' : `${text} is not a value`}; use ${spec.min}-${spec.max}${allowed}`;
    }
    value = index + spec.min;
  }
  if (value < spec.min || value > spec.max) {
    return `${spec.name}: ${text} is out of range; use ${spec.min}-${spec.max}`;
  }
  return value;
}

// ---- Time zones ----

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/**
 * Whether `timeZone` is an IANA time zone name that Intl knows (`UTC`, `Europe/Paris`, links such as
 * `US/Eastern`), spelled with its capitals. Not UTC offsets (`+01:00`), which Intl accepts but Scheduler
 * does not.
 */
export function isTimeZone(timeZone: string): boolean {
  if (!/^[A-Z][A-Za-z0-9_+-]*(\/[A-Z][A-Za-z0-9_+-]*)*$/.test(timeZone)) return false;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
  } catch {
    return false;
  }
  // `EUROPE/PARIS` resolves to `Europe/Paris`: the same name in other capitals.
  return resolved === timeZone || resolved.toLowerCase() !== timeZone.toLowerCase();
}

/** The offset of `timeZone` from UTC at the instant `utcMs` (wall clock minus UTC), in ms. */
export function zoneOffsetMs(utcMs: number, timeZone: string): number {
  if (timeZone === 'UTC') return 0;
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(utcMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const wall = Date.UTC(
    parts.year ?? 0,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return wall - Math.floor(utcMs / 1000) * 1000;
}

/**
 * The instants at which the wall clock of `timeZone` shows `wallMs` (a wall time written as if it were UTC),
 * ascending: one, two on a fall-back (the repeated hour), none in a spring-forward gap. Assumes at most one
 * offset change within 28 hours of the wall time, which holds for the tz database since 1970.
 */
function instantsOfWall(wallMs: number, timeZone: string): number[] {
  if (timeZone === 'UTC') return [wallMs];
  const offsets = new Set([
    zoneOffsetMs(wallMs - 15 * HOUR_MS, timeZone),
    zoneOffsetMs(wallMs, timeZone),
    zoneOffsetMs(wallMs + 13 * HOUR_MS, timeZone),
  ]);
  const instants: number[] = [];
  for (const offset of offsets) {
    const instant = wallMs - offset;
    if (zoneOffsetMs(instant, timeZone) === offset && !instants.includes(instant)) instants.push(instant);
  }
  return instants.sort((a, b) => a - b);
}

/**
 * The UTC instant (epoch ms) of the wall-clock time `wallMs` (written as if it were UTC) in `timeZone`. A wall
 * time that occurs twice gives the first; one in a spring-forward gap is moved forward by the gap (02:30 gives
 * the instant shown as 03:30 after a one-hour gap).
 */
export function zonedToUtc(wallMs: number, timeZone: string): number {
  const [first] = instantsOfWall(wallMs, timeZone);
  if (first !== undefined) return first;
  // In a gap: the offset before the change puts the instant after it, the gap's length later on the clock.
  return wallMs - zoneOffsetMs(wallMs - 15 * HOUR_MS, timeZone);
}

// ---- Occurrences ----

/** The instant (epoch ms) of an `at()` expression in `timeZone`, past or not. */
export function atInstant(expression: AtExpression, timeZone: string): number {
  const { year, month, day, hour, minute, second } = expression.wall;
  return zonedToUtc(Date.UTC(year, month - 1, day, hour, minute, second), timeZone);
}

/**
 * The first occurrence strictly after `afterMs` (epoch ms) of an `at()` or `cron()` expression evaluated in
 * `timeZone`; undefined if there is none (an `at()` not after `afterMs`, a cron whose years are over or whose
 * days never come, like `cron(0 0 30 2 ? *)`). Cron occurrences fall on whole minutes; daylight saving as the
 * file's comment says. Rates count from the schedule's start: see `nextRateOccurrence`.
 *
 * Cost: the search steps through the matching years, months and days, then hours and minutes, converting
 * only candidate wall times (a few Intl calls each): a far or absent occurrence costs a few thousand steps.
 */
export function nextOccurrence(
  expression: AtExpression | CronExpression,
  timeZone: string,
  afterMs: number,
): number | undefined {
  if (!Number.isFinite(afterMs))
    throw new RangeError(`nextOccurrence: afterMs must be finite, not ${afterMs}`);
  if (expression.kind === 'at') {
    const at = atInstant(expression, timeZone);
    return at > afterMs ? at : undefined;
  }
  // Every wall time up to the one shown at `afterMs` has its first instant at or before `afterMs`; later ones,
  // in order, have later first instants (skipping those of a gap), except within a repeated hour, whose first
  // instants can still be before `afterMs` when `afterMs` is in its second pass.
  const wallAfter = afterMs + zoneOffsetMs(afterMs, timeZone);
  const from = Math.floor(wallAfter / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  for (const wall of cronWallTimes(expression, from)) {
    const [first] = instantsOfWall(wall, timeZone);
    if (first !== undefined && first > afterMs) return first;
  }
  return undefined;
}

/**
 * The occurrence of a rate schedule after the one at `previousMs`: `previousMs + n × period` for the smallest
 * n ≥ 1 that is not before `notBeforeMs` (occurrences missed meanwhile are skipped, not fired in a burst). The
 * first occurrence is the caller's: EventBridge Scheduler starts at StartDate, or at once without one.
 */
export function nextRateOccurrence(
  expression: RateExpression,
  previousMs: number,
  notBeforeMs: number,
): number {
  const periods = Math.max(1, Math.ceil((notBeforeMs - previousMs) / expression.periodMs));
  return previousMs + periods * expression.periodMs;
}

/** The wall times (as if UTC, epoch ms) matching `cron`, ascending, from `fromMs` (a whole minute) on. */
function* cronWallTimes(cron: CronExpression, fromMs: number): Generator<number> {
  const start = new Date(fromMs);
  const [fromYear, fromMonth, fromDay, fromHour, fromMinute] = [
    start.getUTCFullYear(),
    start.getUTCMonth() + 1,
    start.getUTCDate(),
    start.getUTCHours(),
    start.getUTCMinutes(),
  ];
  for (const year of cron.years) {
    if (year < fromYear) continue;
    for (const month of cron.months) {
      const sameMonth = year === fromYear && month === fromMonth;
      if (year === fromYear && month < fromMonth) continue;
      for (const day of matchingDays(cron, year, month)) {
        if (sameMonth && day < fromDay) continue;
        const sameDay = sameMonth && day === fromDay;
        for (const hour of cron.hours) {
          if (sameDay && hour < fromHour) continue;
          const sameHour = sameDay && hour === fromHour;
          for (const minute of cron.minutes) {
            if (sameHour && minute < fromMinute) continue;
            yield Date.UTC(year, month - 1, day, hour, minute);
          }
        }
      }
    }
  }
}

/** The days of `month` (1-12) of `year` that the cron's day rules select, ascending. */
function matchingDays(cron: CronExpression, year: number, month: number): number[] {
  const last = daysInMonth(year, month);
  const dom = cron.dayOfMonth;
  switch (dom.kind) {
    case 'days':
      return dom.days.filter((d) => d <= last);
    case 'last':
      return [last];
    case 'nearestWeekday': {
      if (dom.day > last) return [];
      const weekday = dayOfWeek(year, month, dom.day);
      if (weekday === 7) return [dom.day === 1 ? 3 : dom.day - 1]; // Saturday: Friday, or Monday the 3rd
      if (weekday === 1) return [dom.day === last ? dom.day - 2 : dom.day + 1]; // Sunday: Monday, or Friday
      return [dom.day];
    }
    case 'any':
      break;
  }
  const dow = cron.dayOfWeek;
  const firstWeekday = dayOfWeek(year, month, 1);
  /** The first day of the month that is weekday `d` (1 = Sunday). */
  const firstOf = (d: number) => 1 + ((d - firstWeekday + 7) % 7);
  switch (dow.kind) {
    case 'days': {
      const days: number[] = [];
      for (const d of dow.days) for (let day = firstOf(d); day <= last; day += 7) days.push(day);
      return days.sort((a, b) => a - b);
    }
    case 'last': {
      const day = firstOf(dow.day);
      return [day + 7 * Math.floor((last - day) / 7)];
    }
    case 'nth': {
      const day = firstOf(dow.day) + 7 * (dow.nth - 1);
      return day <= last ? [day] : [];
    }
    case 'any':
      return [];
  }
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** 1 = Sunday ... 7 = Saturday, as in cron's day-of-week. */
function dayOfWeek(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}
