/**
 * Recurring sends: a team defines a schedule (a `cron()` or `rate()` expression with a time zone), one message
 * (a Sinch sendmms or sendsavedmms body without `to`) and up to 1,000 recipients. EventBridge Scheduler (the
 * local scheduler on a laptop) fires it; each firing fans out through the one accept use case, one send per
 * recipient, with the idempotency key `recurring:<schedule id>:<scheduled time>:<recipient>`: a firing that is
 * delivered twice, or retried after a partial failure, never sends a recipient the same round twice.
 *
 * The schedule's record is the truth for firing: a firing of a paused or deleted schedule does nothing, so a
 * firing already on its way when the team pauses or deletes the schedule sends nothing.
 */
import type {
  FiringSummary,
  RecurringRepository,
  RecurringSchedule,
  RecurringScheduler,
  RecurringState,
} from './ports';
import { requestHash } from '../messages/accept';
import { GatewayError, type ErrorCode, type Violation } from '../sinch/error-codes';
import type { Clock, IdGenerator } from '../ports';
import type { StoredResponse } from '../messages/ports';
import type { Team } from '../teams/ports';
import { isTimeZone, nextOccurrence, parseScheduleExpression } from './schedule-expression';
import { resolveSavedTemplate } from '../templates/templates';
import type { TemplateRepository } from '../templates/ports';
import { numberProblem, parseJsonBody, validateRequest, type ValidationContext } from '../sinch/validation';
import { createHash } from 'node:crypto';

export const MAX_RECIPIENTS = 1000;
export const MAX_SCHEDULES_PER_TEAM = 100;
export const SCHEDULE_NAME_MAX = 100;
/** Accepts in flight at once while a firing fans out. */
export const FAN_OUT_CONCURRENCY = 16;
export const SCHEDULE_ID_PREFIX = 'sch_';

/** The body the scheduler puts on the events queue at each firing (`<aws.scheduler.scheduled-time>` filled in). */
export interface RecurringFiring {
  readonly recurring: { readonly scheduleId: string; readonly scheduledTime: string };
}

/** Scheduler's context attribute: the occurrence's planned time, the same on every retry of that occurrence. */
export const SCHEDULED_TIME_ATTRIBUTE = '<aws.scheduler.scheduled-time>';

export const firingInput = (scheduleId: string): string =>
  JSON.stringify({ recurring: { scheduleId, scheduledTime: SCHEDULED_TIME_ATTRIBUTE } });

export function isRecurringFiring(body: unknown): body is RecurringFiring {
  const r = (body as { recurring?: unknown } | null)?.recurring as Record<string, unknown> | undefined;
  return typeof r === 'object' && r !== null && typeof r.scheduleId === 'string';
}

export const recurringScheduleName = (id: string): string => `recurring-${id}`.slice(0, 64);

export interface ScheduleView {
  readonly 'schedule-id': string;
  readonly name?: string;
  readonly schedule: string;
  readonly timezone: string;
  readonly state: RecurringState | 'deleted';
  readonly recipients: readonly string[];
  readonly message: Readonly<Record<string, unknown>>;
  readonly 'next-firing-at'?: string;
  readonly firings: number;
  readonly 'last-firing'?: {
    readonly 'scheduled-time': string;
    readonly 'fired-at': string;
    readonly accepted: number;
    readonly rejected: number;
    readonly errors: FiringSummary['errors'];
  };
  readonly 'created-at': string;
  readonly 'updated-at': string;
}

/** The next planned firing of a cron schedule (rate schedules count from their creation: not shown). */
function nextFiring(s: RecurringSchedule, now: Date): string | undefined {
  if (s.state !== 'enabled') return undefined;
  const parsed = parseScheduleExpression(s.expression);
  if (!parsed.ok || parsed.value.kind !== 'cron') return undefined;
  const next = nextOccurrence(parsed.value, s.timeZone, now.getTime());
  return next === undefined ? undefined : new Date(next).toISOString();
}

export function scheduleView(s: RecurringSchedule, now: Date, state?: 'deleted'): ScheduleView {
  const next = state ? undefined : nextFiring(s, now);
  return {
    'schedule-id': s.id,
    ...(s.name !== undefined ? { name: s.name } : {}),
    schedule: s.expression,
    timezone: s.timeZone,
    state: state ?? s.state,
    recipients: s.recipients,
    message: s.message,
    ...(next ? { 'next-firing-at': next } : {}),
    firings: s.firings,
    ...(s.lastFiring
      ? {
          'last-firing': {
            'scheduled-time': s.lastFiring.scheduledTime,
            'fired-at': s.lastFiring.firedAt,
            accepted: s.lastFiring.accepted,
            rejected: s.lastFiring.rejected,
            errors: s.lastFiring.errors,
          },
        }
      : {}),
    'created-at': s.createdAt,
    'updated-at': s.updatedAt,
  };
}

const FIELDS = ['name', 'schedule', 'timezone', 'recipients', 'message'] as const;
/** Message fields that hold an absolute time: right for one send, wrong for every firing after it. */
const FIXED_TIME_FIELDS = ['mms-expiry-timestamp', 'fallback-sms-link-expiration'] as const;

interface ScheduleDefinition {
  readonly name?: string;
  readonly expression: string;
  readonly timeZone: string;
  readonly recipients: string[];
  readonly message: Record<string, unknown>;
}

const violation = (code: ErrorCode, path: string, message: string): Violation => ({
  code,
  path,
  message,
});

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks a `POST /v2/schedules` body: every problem is reported, with the same codes as a send (the message is
 * validated by the Sinch rules against the first recipient; each recipient by the `to` rules).
 */
export function parseScheduleDefinition(
  body: unknown,
  ctx: ValidationContext,
): { ok: true; definition: ScheduleDefinition } | { ok: false; violations: Violation[] } {
  if (!isObject(body)) {
    return { ok: false, violations: [violation('E100', '', 'The body must be a JSON object')] };
  }
  const violations: Violation[] = [];
  for (const key of Object.keys(body)) {
    if (!(FIELDS as readonly string[]).includes(key)) {
      violations.push(
        violation('GW-UNKNOWN-FIELD', key, `Unknown field ${key}; a schedule has ${FIELDS.join(', ')}`),
      );
    }
  }

  const { name, schedule, timezone = 'UTC', recipients, message } = body;
  if (
    name !== undefined &&
    (typeof name !== 'string' || name.length < 1 || name.length > SCHEDULE_NAME_MAX)
  ) {
    violations.push(
      violation('GW-INVALID-TYPE', 'name', `name must be a string of 1 to ${SCHEDULE_NAME_MAX} characters`),
    );
  }
  if (typeof schedule !== 'string') {
    violations.push(
      violation(
        schedule === undefined ? 'E100' : 'GW-INVALID-SCHEDULE',
        'schedule',
        'schedule must be a cron(…) or rate(…) expression',
      ),
    );
  } else {
    const parsed = parseScheduleExpression(schedule);
    if (!parsed.ok) violations.push(violation('GW-INVALID-SCHEDULE', 'schedule', parsed.message));
    else if (parsed.value.kind === 'at') {
      violations.push(
        violation(
          'GW-INVALID-SCHEDULE',
          'schedule',
          'A recurring send needs cron(…) or rate(…); for one send later, use send-at on POST /v2/',
        ),
      );
    } else if (parsed.value.kind === 'rate' && parsed.value.periodMs < 60_000) {
      violations.push(violation('GW-INVALID-SCHEDULE', 'schedule', 'The shortest rate is rate(1 minute)'));
    }
  }
  if (typeof timezone !== 'string' || !isTimeZone(timezone)) {
    violations.push(
      violation(
        'GW-INVALID-SCHEDULE',
        'timezone',
        'timezone must be an IANA time zone, e.g. Europe/Stockholm',
      ),
    );
  }

  const numbers: string[] = [];
  if (!Array.isArray(recipients)) {
    violations.push(
      violation(
        recipients === undefined ? 'E100' : 'GW-INVALID-TYPE',
        'recipients',
        `recipients must be an array of 1 to ${MAX_RECIPIENTS} numbers`,
      ),
    );
  } else {
    if (recipients.length < 1 || recipients.length > MAX_RECIPIENTS) {
      violations.push(
        violation(
          'GW-INVALID-RECIPIENTS',
          'recipients',
          `recipients must hold 1 to ${MAX_RECIPIENTS} numbers, got ${recipients.length}`,
        ),
      );
    }
    const seen = new Set<string>();
    recipients.forEach((entry: unknown, i) => {
      const path = `recipients[${i}]`;
      if (typeof entry !== 'string') {
        violations.push(violation('GW-INVALID-TYPE', path, `recipients[${i}] must be a string`));
        return;
      }
      const problem = numberProblem(entry);
      if (problem !== undefined)
        violations.push(violation('E110', path, `Invalid recipients[${i}]: ${problem}`));
      else if (seen.has(entry))
        violations.push(violation('GW-INVALID-RECIPIENTS', path, `recipients[${i}] repeats a number`));
      else {
        seen.add(entry);
        numbers.push(entry);
      }
    });
  }

  if (!isObject(message)) {
    violations.push(
      violation(
        message === undefined ? 'E100' : 'GW-INVALID-TYPE',
        'message',
        'message must be a sendmms or sendsavedmms body without to',
      ),
    );
  } else {
    const { 'ignore-quiet-hours': ignore, ...sinch } = message;
    if (sinch.action !== 'sendmms' && sinch.action !== 'sendsavedmms') {
      violations.push(
        violation('E100', 'message.action', 'A recurring send is a sendmms or sendsavedmms message'),
      );
    } else if ('to' in sinch) {
      violations.push(
        violation('GW-UNKNOWN-FIELD', 'message.to', 'The recipients are in recipients, not in message.to'),
      );
    } else if ('send-at' in sinch) {
      violations.push(
        violation('GW-UNKNOWN-FIELD', 'message.send-at', 'A recurring send goes out at each firing'),
      );
    } else if (FIXED_TIME_FIELDS.some((field) => field in sinch)) {
      // A fixed point in time that is valid today would make every firing after it fail.
      for (const field of FIXED_TIME_FIELDS.filter((f) => f in sinch)) {
        violations.push(
          violation(
            'GW-UNKNOWN-FIELD',
            `message.${field}`,
            `${field} is a fixed time, which later firings would pass; a recurring send cannot carry it`,
          ),
        );
      }
    } else {
      if (ignore !== undefined && typeof ignore !== 'boolean') {
        violations.push(
          violation('GW-INVALID-TYPE', 'message.ignore-quiet-hours', 'ignore-quiet-hours must be a boolean'),
        );
      }
      // The message is checked as a send to a valid number; the recipients were checked one by one above.
      const validated = validateRequest({ ...sinch, to: numbers[0] ?? '17745559144' }, ctx);
      if (!validated.ok) {
        violations.push(
          ...validated.violations
            .filter((v) => v.path !== 'to')
            .map((v) => ({ ...v, path: v.path ? `message.${v.path}` : 'message' })),
        );
      }
    }
  }

  if (violations.length > 0) return { ok: false, violations };
  return {
    ok: true,
    definition: {
      ...(typeof name === 'string' ? { name } : {}),
      expression: schedule as string,
      timeZone: timezone as string,
      recipients: numbers,
      message: message as Record<string, unknown>,
    },
  };
}

export interface RecurringDeps {
  readonly schedules: RecurringRepository;
  readonly scheduler: RecurringScheduler;
  readonly templates: TemplateRepository;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly requireServiceId: boolean;
  readonly defaultServiceId?: string;
}

/** A schedule id derived from the team and its Idempotency-Key, so a retried creation finds the first. */
const derivedScheduleId = (teamId: string, key: string): string =>
  `${SCHEDULE_ID_PREFIX}${createHash('sha256').update(`schedule\n${teamId}\n${key}`).digest('hex').slice(0, 32)}`;

/** Create, list, read, pause, resume and delete a team's recurring sends. */
export function manageRecurring(deps: RecurringDeps) {
  const owned = async (teamId: string, id: string): Promise<RecurringSchedule> => {
    const found = await deps.schedules.get(id);
    if (!found || found.teamId !== teamId)
      throw new GatewayError('GW-NOT-FOUND', `No schedule with id ${id}`);
    return found;
  };

  const setState = async (teamId: string, id: string, state: RecurringState): Promise<ScheduleView> => {
    const current = await owned(teamId, id);
    const now = deps.clock.now();
    if (current.state === state) return scheduleView(current, now);
    // The scheduler first: if it fails, nothing changed. A firing between the two steps sees the old record
    // state: at most the one occurrence in between is skipped (resume) or still sent (pause).
    await deps.scheduler.upsert({ ...current, state }).catch((error: unknown) => {
      throw new GatewayError('GW-QUEUE-UNAVAILABLE', 'The scheduler did not accept the change; retry', {
        retryAfterSeconds: 5,
        cause: error,
      });
    });
    const updated = await deps.schedules.setState(id, state, now.toISOString());
    if (!updated) throw new GatewayError('GW-NOT-FOUND', `No schedule with id ${id}`);
    return scheduleView(updated, now);
  };

  return {
    async create(
      team: Team,
      rawBody: string | null | undefined,
      idempotencyKey?: string,
    ): Promise<StoredResponse> {
      const parsed = parseJsonBody(rawBody);
      if (!parsed.ok) throw GatewayError.fromViolations(parsed.violations);
      const now = deps.clock.now();
      const result = parseScheduleDefinition(parsed.value, {
        now,
        allowedSenders: team.allowedSenders,
        requireServiceId: deps.requireServiceId,
        ...(deps.defaultServiceId ? { defaultServiceId: deps.defaultServiceId } : {}),
      });
      if (!result.ok) throw GatewayError.fromViolations(result.violations);
      const { definition } = result;
      if (definition.message.action === 'sendsavedmms') {
        // The template must be the team's; one still being transcoded is fine, it will be ready by then.
        const request = { ...definition.message, to: definition.recipients[0] } as unknown as Parameters<
          typeof resolveSavedTemplate
        >[2];
        await resolveSavedTemplate(deps.templates, team.id, request).catch((error: unknown) => {
          if (!(error instanceof GatewayError && error.code === 'E626')) throw error;
        });
      }
      const hash = requestHash(parsed.value);
      if (idempotencyKey !== undefined && (idempotencyKey.length === 0 || idempotencyKey.length > 255)) {
        throw new GatewayError('GW-INVALID-IDEMPOTENCY-KEY', 'Idempotency-Key must be 1 to 255 characters');
      }
      const id =
        idempotencyKey === undefined
          ? `${SCHEDULE_ID_PREFIX}${deps.ids.messageId().replace(/^mms_/, '')}`
          : derivedScheduleId(team.id, idempotencyKey);
      if (idempotencyKey !== undefined) {
        const existing = await deps.schedules.get(id);
        if (existing) return replay(existing, hash, now);
      }
      if ((await deps.schedules.countByTeam(team.id)) >= MAX_SCHEDULES_PER_TEAM) {
        throw new GatewayError(
          'GW-TOO-MANY-SCHEDULES',
          `A team may have ${MAX_SCHEDULES_PER_TEAM} recurring sends; delete one first`,
        );
      }
      const at = now.toISOString();
      const schedule: RecurringSchedule = {
        id,
        teamId: team.id,
        ...(definition.name !== undefined ? { name: definition.name } : {}),
        expression: definition.expression,
        timeZone: definition.timeZone,
        recipients: definition.recipients,
        message: definition.message,
        state: 'enabled',
        requestHash: hash,
        createdAt: at,
        updatedAt: at,
        firings: 0,
      };
      if (!(await deps.schedules.create(schedule))) {
        const existing = await deps.schedules.get(id);
        if (existing) return replay(existing, hash, now);
      }
      try {
        await deps.scheduler.upsert(schedule);
      } catch (error) {
        await deps.schedules.delete(id);
        throw new GatewayError('GW-QUEUE-UNAVAILABLE', 'The schedule could not be created; retry', {
          retryAfterSeconds: 5,
          cause: error,
        });
      }
      return { statusCode: 201, body: { status: 'success', ...scheduleView(schedule, now) } };
    },

    async list(teamId: string): Promise<{ schedules: ScheduleView[] }> {
      const now = deps.clock.now();
      const all = await deps.schedules.listByTeam(teamId);
      return {
        schedules: all
          .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
          .map((s) => scheduleView(s, now)),
      };
    },

    async get(teamId: string, id: string): Promise<ScheduleView> {
      return scheduleView(await owned(teamId, id), deps.clock.now());
    },

    pause: (teamId: string, id: string) => setState(teamId, id, 'paused'),
    resume: (teamId: string, id: string) => setState(teamId, id, 'enabled'),

    /** Deletes the schedule: no firing after this sends anything. */
    async delete(teamId: string, id: string): Promise<ScheduleView> {
      const current = await owned(teamId, id);
      await deps.scheduler.delete(id).catch((error: unknown) => {
        throw new GatewayError('GW-QUEUE-UNAVAILABLE', 'The scheduler did not accept the change; retry', {
          retryAfterSeconds: 5,
          cause: error,
        });
      });
      await deps.schedules.delete(id);
      return scheduleView(current, deps.clock.now(), 'deleted');
    },
  };
}

function replay(existing: RecurringSchedule, hash: string, now: Date): StoredResponse {
  if (existing.requestHash !== hash) {
    throw new GatewayError(
      'GW-IDEMPOTENCY-CONFLICT',
      'This Idempotency-Key was used with a different schedule',
    );
  }
  return { statusCode: 201, body: { status: 'success', ...scheduleView(existing, now) } };
}

export interface FiringDeps {
  readonly schedules: RecurringRepository;
  readonly teams: { getTeam(id: string): Promise<Team | undefined> };
  readonly accept: (input: {
    team: Team;
    body: string;
    idempotencyKey: string;
    scheduleId?: string;
  }) => Promise<StoredResponse>;
  readonly clock: Clock;
  readonly concurrency?: number;
  /**
   * Puts the firing back on its queue, to be continued after `delaySeconds`: used when the team's per-second rate
   * leaves recipients for after this invocation's deadline. Without it, the firing fails and the queue retries it.
   */
  readonly continueLater?: (firing: RecurringFiring['recurring'], delaySeconds: number) => Promise<void>;
}

export type FiringOutcome =
  | { readonly outcome: 'fired'; readonly summary: FiringSummary }
  | { readonly outcome: 'continued'; readonly accepted: number; readonly remaining: number }
  | { readonly outcome: 'skipped'; readonly reason: 'deleted' | 'paused' | 'team-revoked' };

/**
 * Errors a later try may not have: the firing is retried (through the queue), not counted as rejected. A template
 * still being transcoded (E626) will be ready soon.
 */
const isTransient = (error: unknown) =>
  !(error instanceof GatewayError) ||
  error.httpStatus >= 500 ||
  error.code === 'GW-RATE-LIMITED' ||
  error.code === 'E626';

/**
 * One firing: every recipient through the accept use case. The fan-out keeps to the team's per-second rate:
 * a recipient refused with GW-RATE-LIMITED is tried again after the `Retry-After` delay, while `deadlineMs`
 * allows; past it, the firing stops and is continued by a copy of it put back on the queue (`continueLater`).
 * Permanent refusals (a template deleted since, a used-up quota) are counted in the summary. Another transient
 * failure fails the firing after the other recipients were tried; the queue retries it. A continuation or a retry
 * only sends to the recipients still missing: the idempotency keys replay the rest (and count them again, so the
 * summary of the last pass covers every recipient).
 */
export function fireRecurring(deps: FiringDeps) {
  return async (firing: RecurringFiring['recurring'], deadlineMs = Infinity): Promise<FiringOutcome> => {
    const scheduled = Date.parse(firing.scheduledTime);
    if (!Number.isFinite(scheduled)) {
      throw new Error(`Recurring firing of ${firing.scheduleId} without a valid scheduled time`);
    }
    const scheduledTime = new Date(scheduled).toISOString();
    const schedule = await deps.schedules.get(firing.scheduleId);
    if (!schedule) return { outcome: 'skipped', reason: 'deleted' };
    if (schedule.state !== 'enabled') return { outcome: 'skipped', reason: 'paused' };
    const team = await deps.teams.getTeam(schedule.teamId);
    if (!team || team.revoked) return { outcome: 'skipped', reason: 'team-revoked' };

    let accepted = 0;
    let rejected = 0;
    const errors: { to: string; code: string; info: string }[] = [];
    let transient: Error | undefined;
    let deferred: GatewayError | undefined;
    const acceptOne = async (to: string): Promise<void> => {
      for (;;) {
        try {
          await deps.accept({
            team,
            body: JSON.stringify({ ...schedule.message, to }),
            idempotencyKey: `recurring:${schedule.id}:${scheduledTime}:${to}`,
            scheduleId: schedule.id,
          });
          accepted += 1;
          return;
        } catch (error) {
          if (!isTransient(error)) {
            rejected += 1;
            const body = (error as GatewayError).toBody();
            if (errors.length < 10) errors.push({ to, code: body['error-code'], info: body['error-info'] });
            return;
          }
          if (!(error instanceof GatewayError && error.code === 'GW-RATE-LIMITED')) {
            transient ??= error instanceof Error ? error : new Error(String(error));
            return;
          }
          const waitMs = (error.retryAfterSeconds ?? 1) * 1000;
          if (deps.clock.now().getTime() + waitMs > deadlineMs) {
            deferred ??= error; // out of time: the rest goes to a continuation
            return;
          }
          await deps.clock.sleep(waitMs);
        }
      }
    };
    let next = 0;
    const worker = async () => {
      while (next < schedule.recipients.length && deferred === undefined) {
        await acceptOne(schedule.recipients[next++] as string);
      }
    };
    const width = Math.min(deps.concurrency ?? FAN_OUT_CONCURRENCY, schedule.recipients.length);
    await Promise.all(Array.from({ length: width }, worker));
    if (transient !== undefined) throw transient;
    if (deferred !== undefined) {
      if (!deps.continueLater) throw deferred;
      await deps.continueLater(firing, deferred.retryAfterSeconds ?? 1);
      return { outcome: 'continued', accepted, remaining: schedule.recipients.length - accepted - rejected };
    }
    const summary: FiringSummary = {
      scheduledTime,
      firedAt: deps.clock.now().toISOString(),
      accepted,
      rejected,
      errors,
    };
    await deps.schedules.recordFiring(schedule.id, summary);
    return { outcome: 'fired', summary };
  };
}
