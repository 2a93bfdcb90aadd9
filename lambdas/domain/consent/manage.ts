/**
 * A team's own suppression list over the API: `GET /v2/suppressions` (paged, `?sender=`), `PUT
 * /v2/suppressions/{number}` (optional `sender`, `reason`) and `DELETE /v2/suppressions/{number}` (`?sender=`:
 * only that entry). Every call works inside the calling team's partition: no team sees another's entries.
 */
import { GatewayError } from '../sinch/error-codes';
import { isInternationalNumber } from '../sinch/phone';
import type { Clock } from '../ports';
import type { Team } from '../teams/ports';
import { parseJsonBody } from '../sinch/validation';
import {
  ALL_SENDERS,
  SUPPRESSION_REASONS,
  type SuppressionEntry,
  type SuppressionReason,
  type SuppressionStore,
} from './suppression';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

/** An entry as the API shows it. */
export const suppressionView = (entry: SuppressionEntry) => ({
  number: entry.recipient,
  scope: entry.sender === ALL_SENDERS ? ('team' as const) : ('sender' as const),
  ...(entry.sender === ALL_SENDERS ? {} : { sender: entry.sender }),
  reason: entry.reason,
  source: entry.source,
  'created-at': entry.createdAt,
});

export interface ManageSuppressionsDeps {
  readonly store: SuppressionStore;
  readonly clock: Pick<Clock, 'now'>;
}

function checkNumber(number: string | undefined): string {
  if (!number || !isInternationalNumber(number)) {
    throw new GatewayError(
      'E110',
      'The number must be in international format, digits only, e.g. 17745559144',
    );
  }
  return number;
}

function checkSender(team: Team, sender: unknown): string | undefined {
  if (sender === undefined) return undefined;
  if (typeof sender !== 'string' || !team.allowedSenders.includes(sender)) {
    throw new GatewayError('E111', 'sender must be one of your team\u2019s senders');
  }
  return sender;
}

export function manageSuppressions(deps: ManageSuppressionsDeps) {
  return {
    async list(team: Team, query: Record<string, string | undefined>) {
      const sender = checkSender(team, query.sender);
      const limit = query.limit === undefined ? DEFAULT_PAGE_SIZE : Number(query.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
        throw new GatewayError('GW-INVALID-TYPE', `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
      }
      const page = await deps.store.list(team.id, {
        limit,
        ...(sender !== undefined ? { sender } : {}),
        ...(query.cursor ? { cursor: query.cursor } : {}),
      });
      return {
        status: 'success',
        suppressions: page.entries.map(suppressionView),
        ...(page.cursor ? { cursor: page.cursor } : {}),
      };
    },

    /** Adds (or replaces) the entry of the number for `sender`, or team-wide without one. */
    async put(team: Team, number: string | undefined, rawBody: string | null | undefined) {
      const recipient = checkNumber(number);
      const parsed = rawBody ? parseJsonBody(rawBody) : { ok: true as const, value: {} };
      if (!parsed.ok) throw GatewayError.fromViolations(parsed.violations);
      const body = (parsed.value ?? {}) as Record<string, unknown>;
      if (typeof body !== 'object' || Array.isArray(body)) {
        throw new GatewayError('E100', 'The body must be a JSON object: { "sender"?, "reason"? }');
      }
      const unknown = Object.keys(body).filter((k) => k !== 'sender' && k !== 'reason');
      if (unknown.length > 0)
        throw new GatewayError('GW-UNKNOWN-FIELD', `Unknown field: ${unknown.join(', ')}`);
      const sender = checkSender(team, body.sender);
      const reason = body.reason ?? 'manual';
      if (!SUPPRESSION_REASONS.includes(reason as SuppressionReason)) {
        throw new GatewayError('GW-INVALID-TYPE', `reason must be one of ${SUPPRESSION_REASONS.join(', ')}`);
      }
      const entry: SuppressionEntry = {
        teamId: team.id,
        recipient,
        sender: sender ?? ALL_SENDERS,
        reason: reason as SuppressionReason,
        source: 'api',
        createdAt: deps.clock.now().toISOString(),
      };
      await deps.store.put(entry);
      return { status: 'success', suppression: suppressionView(entry) };
    },

    /** Removes the number's entry for `sender`, or every entry of the number (all senders and team-wide). */
    async remove(team: Team, number: string | undefined, query: Record<string, string | undefined>) {
      const recipient = checkNumber(number);
      const sender = checkSender(team, query.sender);
      const senders = sender !== undefined ? [sender] : [ALL_SENDERS, ...team.allowedSenders];
      const removed: SuppressionEntry[] = [];
      for (const s of senders) {
        const entry = await deps.store.remove(team.id, recipient, s);
        if (entry) removed.push(entry);
      }
      if (removed.length === 0) {
        throw new GatewayError('GW-NOT-FOUND', `${recipient} is not on your suppression list`);
      }
      return { status: 'success', removed: removed.map(suppressionView) };
    },
  };
}
