/**
 * Usage per team and UTC day: what was accepted and refused at the API, and every state a message reached,
 * counted as it happens (a decorator of the message repository, so no code path forgets it), plus an estimated
 * cost from per-kind prices in config. Served by `GET /v2/usage` and the console's Usage page.
 */
import { GatewayError } from '../sinch/error-codes';
import type { MessageRecord, MessageRepository } from '../messages/ports';

/** What a day's usage counts. `accepted`/`refused` are API answers; the others are states reached. */
export const USAGE_KINDS = [
  'accepted',
  'refused',
  'submitted',
  'delivered',
  'delivered-as-sms',
  'failed',
  'rejected',
  'expired',
] as const;
export type UsageKind = (typeof USAGE_KINDS)[number];

export type UsageCounts = Record<UsageKind, number>;

export interface UsageCounter {
  /** Adds `amount` to the team's counter of `kind` for the UTC day of `at`. */
  add(teamId: string, kind: UsageKind, at: Date, amount?: number): Promise<void>;
  /** The team's counters of each UTC day (`YYYY-MM-DD`) asked for; days without usage may be absent. */
  read(teamId: string, days: readonly string[]): Promise<ReadonlyMap<string, Partial<UsageCounts>>>;
}

/** Prices per billed message, by kind: `mms` for messages submitted as MMS, `sms` for those delivered as SMS. */
export interface UsagePrices {
  readonly currency: string;
  readonly mms: number;
  readonly sms: number;
}

const countedState = (state: string): UsageKind | undefined =>
  (USAGE_KINDS as readonly string[]).includes(state) && state !== 'accepted' && state !== 'refused'
    ? (state as UsageKind)
    : undefined;

/**
 * The repository, counting usage: each stored message is `accepted`, each successful transition into a counted
 * state adds one to that state. A counter failure never fails the message write (usage is an estimate).
 */
export function countingUsage<T extends MessageRepository>(
  repository: T,
  counter: UsageCounter,
  onError: (error: unknown) => void = () => undefined,
): T {
  const count = (teamId: string, kind: UsageKind) => counter.add(teamId, kind, new Date()).catch(onError);
  return new Proxy(repository, {
    get(target, property, receiver) {
      if (property === 'create') {
        return async (message: MessageRecord) => {
          const created = await target.create(message);
          if (created) await count(message.teamId, 'accepted');
          return created;
        };
      }
      if (property === 'transition') {
        return async (...[id, expected, change]: Parameters<MessageRepository['transition']>) => {
          const moved = await target.transition(id, expected, change);
          const kind = countedState(change.state);
          if (moved && kind && change.state !== expected.state) {
            const message = await target.get(id);
            if (message) await count(message.teamId, kind);
          }
          return moved;
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export const utcDay = (at: Date): string => at.toISOString().slice(0, 10);

const DAY_MS = 86_400_000;
/** The longest range one usage request covers. */
export const MAX_USAGE_DAYS = 92;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Parses `since`/`until` (dates `YYYY-MM-DD` or ISO date-times; default: the last 7 days up to today). */
export function usageDays(since: string | undefined, until: string | undefined, now: Date): string[] {
  const parse = (raw: string | undefined, fallback: Date, name: string): Date => {
    if (raw === undefined || raw === '') return fallback;
    const ms = DATE.test(raw) ? Date.parse(`${raw}T00:00:00Z`) : Date.parse(raw);
    if (!Number.isFinite(ms)) {
      throw new GatewayError(
        'GW-INVALID-DATE-RANGE',
        `${name} must be a date (YYYY-MM-DD) or an ISO 8601 date-time`,
      );
    }
    return new Date(ms);
  };
  const end = parse(until, now, 'until');
  const start = parse(since, new Date(end.getTime() - 6 * DAY_MS), 'since');
  const first = Date.parse(`${utcDay(start)}T00:00:00Z`);
  const last = Date.parse(`${utcDay(end)}T00:00:00Z`);
  if (first > last) throw new GatewayError('GW-INVALID-DATE-RANGE', 'since must not be after until');
  const count = (last - first) / DAY_MS + 1;
  if (count > MAX_USAGE_DAYS) {
    throw new GatewayError('GW-INVALID-DATE-RANGE', `at most ${MAX_USAGE_DAYS} days per request`);
  }
  return Array.from({ length: count }, (_, i) => utcDay(new Date(first + i * DAY_MS)));
}

const zero = (): UsageCounts => Object.fromEntries(USAGE_KINDS.map((k) => [k, 0])) as UsageCounts;

/**
 * Estimated cost: every message submitted to Sinch is billed as MMS, except those delivered as SMS, billed as
 * SMS. Rounded to 1/10,000 of the currency.
 */
export const estimatedCost = (counts: UsageCounts, prices: UsagePrices): number =>
  Math.round(
    (Math.max(0, counts.submitted - counts['delivered-as-sms']) * prices.mms +
      counts['delivered-as-sms'] * prices.sms) *
      10_000,
  ) / 10_000;

export interface UsageDay extends UsageCounts {
  readonly day: string;
  readonly 'estimated-cost': number;
}

export interface UsageReport {
  readonly team: string;
  readonly since: string;
  readonly until: string;
  readonly currency: string;
  readonly prices: { readonly mms: number; readonly sms: number };
  readonly days: UsageDay[];
  readonly total: UsageCounts & { readonly 'estimated-cost': number };
}

export async function usageReport(
  counter: UsageCounter,
  prices: UsagePrices,
  teamId: string,
  days: readonly string[],
): Promise<UsageReport> {
  const stored = await counter.read(teamId, days);
  const total = zero();
  const perDay = days.map((day) => {
    const counts = { ...zero(), ...stored.get(day) };
    for (const k of USAGE_KINDS) total[k] += counts[k];
    return { day, ...counts, 'estimated-cost': estimatedCost(counts, prices) };
  });
  return {
    team: teamId,
    since: days[0] ?? '',
    until: days[days.length - 1] ?? '',
    currency: prices.currency,
    prices: { mms: prices.mms, sms: prices.sms },
    days: perDay,
    total: { ...total, 'estimated-cost': estimatedCost(total, prices) },
  };
}
