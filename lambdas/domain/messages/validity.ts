/**
 * Validity period (gateway extension `validity-period`, seconds): a message that Sinch has not accepted within
 * that time of its intended send time (its `send-at`, or its acceptance) is never sent; it ends `expired` with
 * `GW-EXPIRED-BEFORE-SEND` (and so its status event). Waiting behind pacing, quiet hours, retries or the team's
 * rate all count. The period comes from the request, else the team's default, else the account's (86,400 s).
 */
import { ERRORS, type Violation } from '../sinch/error-codes';
import type { MessageRecord, MessageRepository } from './ports';

export const VALIDITY_MIN_SECONDS = 60;
export const VALIDITY_MAX_SECONDS = 259_200;
export const DEFAULT_VALIDITY_SECONDS = 86_400;
export const EXPIRED_BEFORE_SEND = 'GW-EXPIRED-BEFORE-SEND';

export const isValidityPeriod = (n: unknown): n is number =>
  typeof n === 'number' && Number.isInteger(n) && n >= VALIDITY_MIN_SECONDS && n <= VALIDITY_MAX_SECONDS;

export interface ValidityRequest {
  /** The body without `validity-period`, for the Sinch validation. */
  readonly body: unknown;
  readonly validityPeriodSeconds?: number;
  readonly violations: Violation[];
}

/**
 * Takes `validity-period` out of a request body and checks it, and checks that a given `mms-expiry-timestamp`
 * lies after `send-at` (a message that would expire before it is sent is refused).
 */
export function extractValidity(body: unknown, sendAt: Date | undefined): ValidityRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { body, violations: [] };
  const { 'validity-period': raw, ...rest } = body as Record<string, unknown>;
  const violations: Violation[] = [];
  if (raw !== undefined && (!isValidityPeriod(raw) || rest.action === 'savemms')) {
    violations.push({
      code: 'GW-INVALID-VALIDITY-PERIOD',
      path: 'validity-period',
      message:
        rest.action === 'savemms'
          ? 'savemms cannot have a validity-period'
          : ERRORS['GW-INVALID-VALIDITY-PERIOD'].message,
    });
  }
  const expiry = rest['mms-expiry-timestamp'];
  if (sendAt && typeof expiry === 'string' && Date.parse(expiry) <= sendAt.getTime()) {
    violations.push({
      code: 'GW-EXPIRY-BEFORE-SEND-AT',
      path: 'mms-expiry-timestamp',
      message: ERRORS['GW-EXPIRY-BEFORE-SEND-AT'].message,
    });
  }
  return { body: rest, ...(isValidityPeriod(raw) ? { validityPeriodSeconds: raw } : {}), violations };
}

/** When a message accepted now (or scheduled for `sendAt`) stops being worth sending (ISO 8601). */
export const validUntil = (intendedAt: Date, seconds: number): string =>
  new Date(intendedAt.getTime() + seconds * 1000).toISOString();

/**
 * Expires `message` if its validity has run out and it may not have reached Sinch yet; true when it is (now)
 * expired. A message whose last attempt has no recorded outcome is left alone: Sinch may have it.
 */
export async function expireIfStale(
  messages: Pick<MessageRepository, 'transition'>,
  message: MessageRecord & { validUntil?: string },
  now: Date,
  attemptInDoubt: boolean,
): Promise<boolean> {
  if (!message.validUntil || attemptInDoubt || Date.parse(message.validUntil) > now.getTime()) return false;
  if (!['scheduled', 'queued', 'submitting'].includes(message.state)) return false;
  const info = `not accepted by Sinch before its validity ended at ${message.validUntil}; never sent`;
  return messages.transition(
    message.id,
    { state: message.state, attempts: message.attempts },
    {
      state: 'expired',
      lastErrorCode: EXPIRED_BEFORE_SEND,
      lastErrorInfo: info,
      history: {
        at: now.toISOString(),
        event: 'expired',
        state: 'expired',
        code: EXPIRED_BEFORE_SEND,
        detail: info,
      },
    },
  );
}
