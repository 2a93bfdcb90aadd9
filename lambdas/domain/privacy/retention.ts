/**
 * Personal data kept only as long as a team configures (`retention-days`, default 90, 1–400): once a message
 * is final and its retention has passed, its content (slide texts and URLs, subject, fallback text) and its
 * numbers are redacted (numbers masked to the last four digits); state, codes, timestamps, team, attempts and
 * history stay for statistics and search. Its raw postbacks are deleted with it. A team may also erase one
 * message at once (`DELETE /v2/messages/{id}/content`), leaving an audit entry in its history.
 *
 * The sweep runs the redaction (decision 0015): DynamoDB TTL only deletes whole items, and late (up to 48 h),
 * so it cannot redact fields; the sweep finds due messages through a sparse index (`redact-due`).
 * What is stored where and for how long: docs/privacy.md.
 */
import { GatewayError } from '../sinch/error-codes';
import type { SendRequest } from '../sinch/mms';
import { maskNumber } from '../sinch/phone';
import type { Clock } from '../ports';
import type { HistoryEntry, MessageRecord } from '../messages/ports';
import type { Team } from '../teams/ports';
import { isTerminal } from '../messages/state-machine';

export const DEFAULT_RETENTION_DAYS = 90;
export const MIN_RETENTION_DAYS = 1;
export const MAX_RETENTION_DAYS = 400;
export const DAY_SECONDS = 86_400;
export const REDACTED = '[redacted]';

export const isRetentionDays = (value: unknown): value is number =>
  typeof value === 'number' &&
  Number.isInteger(value) &&
  value >= MIN_RETENTION_DAYS &&
  value <= MAX_RETENTION_DAYS;

export const retentionDaysOf = (team: Pick<Team, 'retentionDays'>): number =>
  team.retentionDays ?? DEFAULT_RETENTION_DAYS;

/**
 * The retention fields of a new message: it is redacted `retention-days` after it went out (send-at, or now),
 * and its events carry full numbers only if the team asked for it.
 */
export function withRetention(
  record: MessageRecord,
  team: Pick<Team, 'retentionDays' | 'fullNumbersInEvents'>,
  daySeconds = DAY_SECONDS,
): MessageRecord {
  const from = Date.parse(record.sendAt ?? record.createdAt);
  return {
    ...record,
    redactAfter: new Date(from + retentionDaysOf(team) * daySeconds * 1000).toISOString(),
    ...(team.fullNumbersInEvents ? { fullNumbersInEvents: true } : {}),
  };
}

/** A number as events and redacted records show it. */
export const maskedNumber = (number: string): string => maskNumber(number);

/** A number as an event carries it: masked unless the message's team asked for full numbers. */
export const eventNumber = (message: Pick<MessageRecord, 'fullNumbersInEvents'>, number: string): string =>
  message.fullNumbersInEvents ? number : maskNumber(number);

const NUMBER_FIELDS = ['to', 'to-displayonly'] as const;
const TEXT_FIELDS = ['message-subject', 'fallback-sms-text'] as const;

/** The request without its content and with masked numbers; its shape (slide kinds, options) stays. */
export function redactRequest(request: SendRequest): SendRequest {
  const out: Record<string, unknown> = { ...request };
  for (const key of NUMBER_FIELDS) {
    const v = out[key];
    if (typeof v === 'string') out[key] = maskNumber(v);
    else if (Array.isArray(v))
      out[key] = (v as unknown[]).map((n) => (typeof n === 'string' ? maskNumber(n) : n));
  }
  for (const key of TEXT_FIELDS) if (typeof out[key] === 'string') out[key] = REDACTED;
  if (Array.isArray(out.slide)) {
    out.slide = (out.slide as Record<string, unknown>[]).map((slide) =>
      Object.fromEntries(
        Object.keys(slide).map((k) => [k, k === 'message-text' ? REDACTED : { url: REDACTED }]),
      ),
    );
  }
  if (Array.isArray(out['custom-slides'])) {
    out['custom-slides'] = (out['custom-slides'] as Record<string, unknown>[]).map((s) => ({
      ...s,
      'custom-message-text': REDACTED,
    }));
  }
  return out as SendRequest;
}

/** Where redaction reads and writes (the messages table through its `redact-due` index, and the postbacks). */
export interface RedactionStore {
  /** Messages whose `redactAfter` is before `beforeIso`, oldest first. */
  listDue(beforeIso: string, limit: number): Promise<MessageRecord[]>;
  /**
   * Replaces the request with `redacted`, appends `entry`, marks the message redacted and takes it out of the
   * due index; only if it is still in `expected.state`. False when it moved meanwhile.
   */
  redact(
    id: string,
    expected: { state: MessageRecord['state'] },
    redacted: SendRequest,
    entry: HistoryEntry,
  ): Promise<boolean>;
  /** Moves a message that is not final yet further down the due index. */
  postpone(id: string, redactAfter: string): Promise<void>;
  /** Deletes raw postbacks by key. */
  deletePostbacks(keys: readonly string[]): Promise<void>;
}

export interface RedactionDeps {
  readonly store: RedactionStore;
  readonly clock: Clock;
  readonly batchLimit: number;
  /** Seconds of a retention day (86400; shorter only in local tests). */
  readonly daySeconds: number;
}

/** Final (or parked by the sweep as unknown): nothing will change the content any more. */
const isSettled = (m: MessageRecord) => isTerminal(m.state) || m.state === 'unknown';

async function redactMessage(
  deps: RedactionDeps,
  message: MessageRecord,
  entry: HistoryEntry,
): Promise<boolean> {
  const done = await deps.store.redact(
    message.id,
    { state: message.state },
    redactRequest(message.request),
    entry,
  );
  if (done) {
    const refs = message.history.flatMap((h) => (h.ref ? [h.ref] : []));
    await deps.store.deletePostbacks([...new Set(refs)]);
  }
  return done;
}

/** The retention job (run by the sweep): redacts every settled message whose retention has passed. */
export function redactExpired(deps: RedactionDeps) {
  return async (): Promise<{ redacted: number; postponed: number }> => {
    const now = deps.clock.now();
    let redacted = 0;
    let postponed = 0;
    for (const message of await deps.store.listDue(now.toISOString(), deps.batchLimit)) {
      if (message.redactedAt) continue;
      if (!isSettled(message)) {
        // Not final yet (a late postback, a far send-at): look again a day later.
        await deps.store.postpone(message.id, new Date(now.getTime() + deps.daySeconds * 1000).toISOString());
        postponed += 1;
        continue;
      }
      const entry: HistoryEntry = {
        at: now.toISOString(),
        event: 'redacted',
        detail: 'retention passed: content removed, numbers masked',
      };
      if (await redactMessage(deps, message, entry)) redacted += 1;
    }
    return { redacted, postponed };
  };
}

export const ERASED_DETAILS = 'Message content and number erased.';

export interface EraseDeps {
  readonly messages: { get(id: string): Promise<MessageRecord | undefined> };
  readonly store: RedactionStore;
  readonly clock: Clock;
}

/** `DELETE /v2/messages/{id}/content`: erases a final or canceled message's content and number now. */
export function eraseContent(deps: EraseDeps) {
  return async (teamId: string, id: string): Promise<Record<string, unknown>> => {
    const message = await deps.messages.get(id);
    if (!message || message.teamId !== teamId) throw new GatewayError('GW-NOT-FOUND');
    const answer = { status: 'success', 'tracking-id': id, 'status-details': ERASED_DETAILS };
    if (message.redactedAt) return answer;
    if (!isTerminal(message.state)) throw new GatewayError('GW-NOT-FINAL');
    const entry: HistoryEntry = {
      at: deps.clock.now().toISOString(),
      event: 'content-erased',
      detail: 'erased on request of the team (DELETE /v2/messages/{id}/content)',
    };
    const done = await redactMessage(
      { store: deps.store, clock: deps.clock, batchLimit: 1, daySeconds: DAY_SECONDS },
      message,
      entry,
    );
    if (!done) throw new GatewayError('GW-NOT-FINAL', 'The message changed meanwhile; retry');
    return answer;
  };
}

/** An accept answer as an event carries it (`mms.send-accepted`): numbers masked unless the team asked. */
export function eventAcceptedBody(body: unknown, team: Pick<Team, 'fullNumbersInEvents'>): object {
  const answer = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (team.fullNumbersInEvents) return answer;
  const mask = (v: unknown) => (typeof v === 'string' ? maskNumber(v) : v);
  return {
    ...answer,
    ...('to' in answer ? { to: mask(answer.to) } : {}),
    ...(Array.isArray(answer.messages)
      ? {
          messages: (answer.messages as Record<string, unknown>[]).map((m) => ({ ...m, to: mask(m.to) })),
        }
      : {}),
  };
}
