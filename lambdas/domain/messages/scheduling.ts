/**
 * Scheduled sends: `send-at` on a send request (HTTP or event) records the message as `scheduled`; a one-time
 * schedule (EventBridge Scheduler in AWS, the local scheduler on a laptop) puts it on the send queue at that
 * time. Validation happens at acceptance, not at firing. Scheduled messages can be canceled or moved.
 */
import { ERRORS, type Violation } from '../sinch/error-codes';
import { parseIsoDateTime } from '../sinch/validation';

/** Schedule names: letters, digits, `-`, `_`, `.`; at most 64 characters (EventBridge Scheduler's rule). */
export const scheduleName = (messageId: string): string => `send-${messageId}`.slice(0, 64);

export const MIN_LEAD_MS = 60_000;
export const MAX_LEAD_MS = 366 * 24 * 3600 * 1000;

export interface SchedulingRequest {
  /** The body without the gateway's scheduling fields, for the Sinch validation. */
  readonly body: unknown;
  readonly sendAt?: Date;
  readonly ignoreQuietHours: boolean;
  readonly violations: Violation[];
}

/**
 * Takes the gateway's scheduling extensions (`send-at`, `ignore-quiet-hours`) out of a request body and checks
 * them; the rest of the body is Sinch's and is validated by the Sinch rules.
 */
export function extractScheduling(body: unknown, now: Date): SchedulingRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { body, ignoreQuietHours: false, violations: [] };
  }
  const { 'send-at': sendAtRaw, 'ignore-quiet-hours': ignoreRaw, ...rest } = body as Record<string, unknown>;
  const violations: Violation[] = [];
  let sendAt: Date | undefined;
  if (sendAtRaw !== undefined) {
    // The one ISO 8601 date-time parser of the Sinch fields: a real date with a time zone, or nothing.
    const ms = (typeof sendAtRaw === 'string' ? parseIsoDateTime(sendAtRaw) : undefined) ?? Number.NaN;
    const lead = ms - now.getTime();
    if (!Number.isFinite(ms) || lead < MIN_LEAD_MS || lead > MAX_LEAD_MS) {
      violations.push({
        code: 'GW-INVALID-SEND-AT',
        path: 'send-at',
        message: ERRORS['GW-INVALID-SEND-AT'].message,
      });
    } else if (rest.action === 'savemms') {
      violations.push({
        code: 'GW-INVALID-SEND-AT',
        path: 'send-at',
        message: 'savemms cannot be scheduled',
      });
    } else {
      sendAt = new Date(ms);
    }
  }
  if (ignoreRaw !== undefined && typeof ignoreRaw !== 'boolean') {
    violations.push({
      code: 'GW-INVALID-TYPE',
      path: 'ignore-quiet-hours',
      message: 'ignore-quiet-hours must be a boolean',
    });
  }
  return { body: rest, ...(sendAt ? { sendAt } : {}), ignoreQuietHours: ignoreRaw === true, violations };
}

/** A team's quiet hours: no message goes out between `start` and `end` (local time of `timeZone`, `HH:MM`). */
export interface QuietHours {
  readonly timeZone: string;
  readonly start: string;
  readonly end: string;
}

const minutesOf = (hhmm: string): number => {
  const [h = '0', m = '0'] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
};

/** Minutes since local midnight of `at` in `timeZone`. */
function localMinutes(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  })
    .formatToParts(at)
    .reduce<Record<string, string>>((acc, p) => ({ ...acc, [p.type]: p.value }), {});
  return Number(parts.hour) * 60 + Number(parts.minute);
}

/**
 * When a send at `at` may go out under the team's quiet hours: `at` itself outside the window, else the end of
 * the window (found minute by minute, so daylight-saving shifts are handled by the time zone database).
 */
export function afterQuietHours(at: Date, quiet: QuietHours | undefined): Date {
  if (!quiet) return at;
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  const inside = (d: Date) => {
    const m = localMinutes(d, quiet.timeZone);
    return start <= end ? m >= start && m < end : m >= start || m < end;
  };
  if (!inside(at)) return at;
  let candidate = new Date(Math.ceil(at.getTime() / 60_000) * 60_000);
  for (let i = 0; i < 48 * 60 && inside(candidate); i += 1)
    candidate = new Date(candidate.getTime() + 60_000);
  return candidate;
}

export const isValidQuietHours = (q: QuietHours): boolean => {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: q.timeZone });
  } catch {
    return false;
  }
  return (
    /^([01]\d|2[0-3]):[0-5]\d$/.test(q.start) && /^([01]\d|2[0-3]):[0-5]\d$/.test(q.end) && q.start !== q.end
  );
};
