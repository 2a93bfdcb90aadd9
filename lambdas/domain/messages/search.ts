/**
 * Message search (`GET /v2/messages`) and counts per state (`GET /v2/messages/stats`) for one team, served by
 * the `by-team-accepted` index (team + accepted time): a Query, never a Scan, and the team always comes from
 * the caller's key, never from the query or the cursor. Bad parameters are all reported at once (400).
 *
 * `GET /v2/messages?client-reference=…` with no other parameter keeps its earlier answer (every message with
 * that reference, full views with history, oldest first): see docs/api.md and decision 0012.
 */
import { GatewayError, type ErrorCode, type Violation } from '../sinch/error-codes';
import { messageView } from './lookup';
import type { MessageRecord } from './ports';
import { isInternationalNumber, isShortCode } from '../sinch/phone';
import { MESSAGE_STATES, type MessageState } from './state-machine';

export const SEARCH_LIMIT_DEFAULT = 25;
export const SEARCH_LIMIT_MAX = 100;
/** `stats` counts at most this span (its default is the last 24 hours). */
export const STATS_MAX_SPAN_DAYS = 31;

export interface SearchFilters {
  readonly states?: readonly MessageState[];
  /** Accepted at or after (ISO 8601, UTC). */
  readonly since?: string;
  /** Accepted at or before (ISO 8601, UTC). */
  readonly until?: string;
  readonly to?: string;
  readonly clientReference?: string;
  readonly groupId?: string;
  readonly scheduleId?: string;
}

/** Where a page ends: the last message returned (its index key). */
export interface SearchPosition {
  readonly id: string;
  readonly createdAt: string;
}

export interface SearchQuery {
  readonly filters: SearchFilters;
  readonly limit: number;
  readonly after?: SearchPosition;
}

export interface SearchPage {
  readonly messages: readonly MessageRecord[];
  /** Absent on the last page. */
  readonly next?: SearchPosition;
}

/** The port: a team's messages newest first from the team + accepted-time index. */
export interface MessageSearchRepository {
  search(teamId: string, query: SearchQuery): Promise<SearchPage>;
  /** Messages accepted in [since, until] per state. */
  countByState(teamId: string, since: string, until: string): Promise<Partial<Record<MessageState, number>>>;
}

const SEARCH_PARAMETERS = [
  'state',
  'since',
  'until',
  'to',
  'client-reference',
  'group-id',
  'schedule-id',
  'limit',
  'cursor',
] as const;

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const ID_VALUE = /^[A-Za-z0-9_.:-]{1,128}$/;

type Params = Readonly<Record<string, string | undefined>>;

const violation = (code: ErrorCode, path: string, message: string): Violation => ({ code, path, message });

/** Reads an ISO 8601 time parameter to UTC ISO, or records why it is bad. */
function time(params: Params, name: string, violations: Violation[]): string | undefined {
  const raw = params[name];
  if (raw === undefined) return undefined;
  const ms = ISO_WITH_OFFSET.test(raw) ? Date.parse(raw) : Number.NaN;
  if (Number.isNaN(ms)) {
    violations.push(
      violation(
        'GW-INVALID-FILTER',
        name,
        `${name} must be an ISO 8601 date-time with an offset, e.g. 2026-01-31T00:00:00Z`,
      ),
    );
    return undefined;
  }
  return new Date(ms).toISOString();
}

const encodeCursor = (p: SearchPosition): string =>
  Buffer.from(JSON.stringify({ v: 1, id: p.id, at: p.createdAt }), 'utf8').toString('base64url');

function decodeCursor(raw: string): SearchPosition | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Record<string, unknown>;
    const { v, id, at } = parsed;
    if (v !== 1 || typeof id !== 'string' || !ID_VALUE.test(id) || typeof at !== 'string') return undefined;
    if (Number.isNaN(Date.parse(at)) || new Date(Date.parse(at)).toISOString() !== at) return undefined;
    return { id, createdAt: at };
  } catch {
    return undefined;
  }
}

/** Parses the query string of `GET /v2/messages`; throws one 400 listing every bad parameter. */
export function parseSearchQuery(params: Params): SearchQuery {
  const violations: Violation[] = [];
  for (const name of Object.keys(params)) {
    if (!(SEARCH_PARAMETERS as readonly string[]).includes(name)) {
      violations.push(
        violation(
          'GW-INVALID-FILTER',
          name,
          `Unknown parameter ${name}; use ${SEARCH_PARAMETERS.join(', ')}`,
        ),
      );
    }
  }
  let states: MessageState[] | undefined;
  if (params.state !== undefined) {
    const given = params.state.split(',').map((s) => s.trim());
    const bad = given.filter((s) => !(MESSAGE_STATES as readonly string[]).includes(s));
    if (bad.length > 0 || given.length === 0) {
      violations.push(
        violation(
          'GW-INVALID-FILTER',
          'state',
          `Unknown state ${bad.join(', ')}; use ${MESSAGE_STATES.join(', ')}`,
        ),
      );
    } else states = [...new Set(given)] as MessageState[];
  }
  const since = time(params, 'since', violations);
  const until = time(params, 'until', violations);
  if (since && until && since > until) {
    violations.push(violation('GW-INVALID-FILTER', 'until', 'until must not be before since'));
  }
  const to = params.to;
  if (to !== undefined && !isInternationalNumber(to) && !isShortCode(to)) {
    violations.push(
      violation('GW-INVALID-FILTER', 'to', 'to must be a number in international format, e.g. 15551234567'),
    );
  }
  const clientReference = params['client-reference'];
  if (clientReference !== undefined && (clientReference.length === 0 || clientReference.length > 64)) {
    violations.push(
      violation('GW-INVALID-FILTER', 'client-reference', 'client-reference must be 1 to 64 characters'),
    );
  }
  for (const name of ['group-id', 'schedule-id'] as const) {
    const value = params[name];
    if (value !== undefined && !ID_VALUE.test(value)) {
      violations.push(violation('GW-INVALID-FILTER', name, `${name} is not an id the gateway gives`));
    }
  }
  let limit = SEARCH_LIMIT_DEFAULT;
  if (params.limit !== undefined) {
    const n = /^\d{1,3}$/.test(params.limit) ? Number(params.limit) : Number.NaN;
    if (!(n >= 1 && n <= SEARCH_LIMIT_MAX)) {
      violations.push(
        violation('GW-INVALID-FILTER', 'limit', `limit must be a whole number from 1 to ${SEARCH_LIMIT_MAX}`),
      );
    } else limit = n;
  }
  let after: SearchPosition | undefined;
  if (params.cursor !== undefined) {
    after = decodeCursor(params.cursor);
    if (!after) {
      violations.push(
        violation(
          'GW-INVALID-CURSOR',
          'cursor',
          'cursor must be the next-cursor of an earlier answer, unchanged',
        ),
      );
    }
  }
  if (violations.length > 0) throw GatewayError.fromViolations(violations);
  const filters: SearchFilters = {
    ...(states ? { states } : {}),
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
    ...(to ? { to } : {}),
    ...(clientReference ? { clientReference } : {}),
    ...(params['group-id'] ? { groupId: params['group-id'] } : {}),
    ...(params['schedule-id'] ? { scheduleId: params['schedule-id'] } : {}),
  };
  return { filters, limit, ...(after ? { after } : {}) };
}

/** True for `?client-reference=…` alone: the earlier lookup by reference, answered as before. */
export const isLegacyReferenceLookup = (params: Params): boolean =>
  Object.keys(params).length === 1 && params['client-reference'] !== undefined;

/** A message in a search answer: the lookup view without its history (and Sinch's id, error detail). */
export function messageSummary(m: MessageRecord) {
  const {
    history: _history,
    'sinch-tracking-id': _sinch,
    'last-error-info': _info,
    ...summary
  } = messageView(m);
  return summary;
}

export function searchMessages(repository: MessageSearchRepository, clock: { now(): Date }) {
  return {
    async search(teamId: string, params: Params) {
      const page = await repository.search(teamId, parseSearchQuery(params));
      return {
        messages: page.messages.map(messageSummary),
        ...(page.next ? { 'next-cursor': encodeCursor(page.next) } : {}),
      };
    },

    /** Counts per state of the messages accepted in [since, until] (default: the last 24 hours). */
    async stats(teamId: string, params: Params) {
      const violations: Violation[] = [];
      for (const name of Object.keys(params)) {
        if (name !== 'since' && name !== 'until') {
          violations.push(
            violation('GW-INVALID-FILTER', name, `Unknown parameter ${name}; use since, until`),
          );
        }
      }
      const now = clock.now();
      const until = time(params, 'until', violations) ?? now.toISOString();
      const since =
        time(params, 'since', violations) ?? new Date(Date.parse(until) - 24 * 3600_000).toISOString();
      if (since > until)
        violations.push(violation('GW-INVALID-FILTER', 'until', 'until must not be before since'));
      else if (Date.parse(until) - Date.parse(since) > STATS_MAX_SPAN_DAYS * 24 * 3600_000) {
        violations.push(
          violation(
            'GW-INVALID-FILTER',
            'since',
            `since and until may be at most ${STATS_MAX_SPAN_DAYS} days apart`,
          ),
        );
      }
      if (violations.length > 0) throw GatewayError.fromViolations(violations);
      const counts = await repository.countByState(teamId, since, until);
      const states = Object.fromEntries(MESSAGE_STATES.map((s) => [s, counts[s] ?? 0]));
      const total = Object.values(states).reduce((a, b) => a + b, 0);
      return { since, until, total, states };
    },
  };
}
