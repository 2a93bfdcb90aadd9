/**
 * The accept use case: the one entry for everything a team submits (HTTP today; events and schedules go
 * through it too). Validation, idempotency, team attribution, quota, recording and enqueueing happen here, once.
 */
import { createHash } from 'node:crypto';
import { GatewayError, type Violation } from '../sinch/error-codes';
import type { SendRequest, SaveMmsRequest, SendMmsRequest, SendSavedMmsRequest } from '../sinch/mms';
import type { Clock, IdGenerator } from '../ports';
import type {
  IdempotencyStore,
  MessageRecord,
  MessageRepository,
  SendQueue,
  StoredResponse,
  MessageScheduler,
  HistoryEntry,
} from './ports';
import type { Team } from '../teams/ports';
import type { UsageLimiter } from '../pacing/ports';
import { expandGroup, parseJsonBody, validateRequest } from '../sinch/validation';
import { afterQuietHours, extractScheduling, type SchedulingRequest } from './scheduling';
import { resolveSavedTemplate, TEMPLATE_ID_PREFIX } from '../templates/templates';
import type { TemplateRecord, TemplateRepository } from '../templates/ports';
import type { SuppressionStore } from '../consent/suppression';
import { dryRunAnswer, dryRunSends, dryRunTemplate, recipientOptOuts } from '../consent/dry-run';
import { preflightRequest, type MediaGate } from '../media/preflight';
import { withRetention } from '../privacy/retention';
import { DEFAULT_VALIDITY_SECONDS, extractValidity, validUntil } from './validity';

export interface AcceptDeps {
  readonly scheduler: MessageScheduler;
  readonly messages: MessageRepository;
  readonly templates: TemplateRepository;
  readonly queue: SendQueue;
  readonly idempotency: IdempotencyStore;
  readonly usage: UsageLimiter;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly requireServiceId: boolean;
  readonly defaultServiceId?: string;
  /** Enqueue attempts before the request is answered 503. */
  readonly enqueueAttempts: number;
  /** Recipients who opted out: a send to them is refused (GW-RECIPIENT-OPTED-OUT). */
  readonly suppressions: SuppressionStore;
  /** Media preflight (media/preflight.ts); absent = off. */
  readonly media?: MediaGate;
  /** Seconds of a retention day (privacy/retention.ts); 86400 unless a local test shortens it. */
  readonly retentionDaySeconds?: number;
  /** The account's default `validity-period` (seconds); 86,400 when not set. */
  readonly defaultValidityPeriodSeconds?: number;
}

export interface AcceptInput {
  readonly team: Team;
  readonly body: string | null | undefined;
  readonly idempotencyKey?: string;
  /** Decide everything, write nothing: answer 200 with what would be queued or the violations. */
  readonly dryRun?: boolean;
  /** Set by a recurring send's firing: recorded on each message (search filter, status events). */
  readonly scheduleId?: string;
}

export const ACCEPTED_DETAILS = 'MMS request accepted and queued for processing and delivery.';
export const IDEMPOTENCY_KEY_MAX = 255;

const invalid = (violations: Violation[]): GatewayError => GatewayError.fromViolations(violations);

/** A stable hash of the request body (key order does not matter), for idempotency comparisons. */
export function requestHash(value: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : typeof v === 'object' && v !== null
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
          )
        : v;
  return createHash('sha256')
    .update(JSON.stringify(canonical(value)))
    .digest('hex');
}

export function acceptSubmission(deps: AcceptDeps) {
  const accept = async (input: AcceptInput): Promise<StoredResponse> => {
    const { team } = input;
    const now = deps.clock.now();
    const parsed = parseJsonBody(input.body);
    if (!parsed.ok) throw invalid(parsed.violations);
    const scheduling = extractScheduling(parsed.value, now);
    const validity = extractValidity(scheduling.body, scheduling.sendAt);
    const validated = validateRequest(validity.body, {
      now,
      allowedSenders: team.allowedSenders,
      requireServiceId: deps.requireServiceId,
      ...(deps.defaultServiceId ? { defaultServiceId: deps.defaultServiceId } : {}),
    });
    if (!validated.ok || scheduling.violations.length > 0 || validity.violations.length > 0) {
      throw invalid([
        ...(validated.ok ? [] : validated.violations),
        ...scheduling.violations,
        ...validity.violations,
      ]);
    }
    const validSeconds =
      validity.validityPeriodSeconds ??
      team.validityPeriodSeconds ??
      deps.defaultValidityPeriodSeconds ??
      DEFAULT_VALIDITY_SECONDS;
    const request = validated.request;
    // A dry run takes the read-only path from here: no idempotency claim, no counter, no record, no queue.
    if (input.dryRun) {
      return request.action === 'savemms'
        ? dryRunTemplate(request)
        : dryRunSends(await planSends(deps, team, request, now, scheduling, 'check'));
    }

    const key = input.idempotencyKey;
    if (key !== undefined) {
      if (key.length === 0 || key.length > IDEMPOTENCY_KEY_MAX) {
        throw new GatewayError(
          'GW-INVALID-IDEMPOTENCY-KEY',
          `Idempotency-Key must be 1 to ${IDEMPOTENCY_KEY_MAX} characters`,
        );
      }
      const claim = await deps.idempotency.claim(team.id, key, requestHash(parsed.value), now);
      if (claim.status === 'replay') return claim.response;
      if (claim.status === 'conflict') {
        throw new GatewayError(
          'GW-IDEMPOTENCY-CONFLICT',
          'This Idempotency-Key was used with a different request body',
        );
      }
      if (claim.status === 'in-progress') {
        throw new GatewayError(
          'GW-IDEMPOTENCY-CONFLICT',
          'A request with this Idempotency-Key is still being processed; retry shortly',
          { retryAfterSeconds: 1 },
        );
      }
    }

    try {
      const mediaNotes = await preflightRequest(deps.media, team, request, now);
      const response =
        request.action === 'savemms'
          ? await acceptTemplate(deps, team, request, now, mediaNotes)
          : await acceptSends(
              deps,
              team,
              request,
              now,
              {
                ...scheduling,
                validUntil: validUntil(scheduling.sendAt ?? now, validSeconds),
                ...(input.scheduleId ? { scheduleId: input.scheduleId } : {}),
              },
              key,
              mediaNotes,
            );
      if (key !== undefined) await deps.idempotency.complete(team.id, key, response);
      return response;
    } catch (error) {
      // Nothing was accepted: let the caller retry with the same key.
      if (key !== undefined) await deps.idempotency.release(team.id, key);
      throw error;
    }
  };
  return (input: AcceptInput): Promise<StoredResponse> =>
    input.dryRun ? dryRunAnswer(() => accept(input)) : accept(input);
}

/** What accept decides for a send before it writes anything; `usage` `check` leaves the counters as they are. */
export interface SendPlan {
  readonly requests: readonly SendRequest[];
  readonly sendAt: Date | undefined;
  readonly now: Date;
}

async function planSends(
  deps: AcceptDeps,
  team: Team,
  request: SendMmsRequest | SendSavedMmsRequest,
  now: Date,
  scheduling: Pick<SchedulingRequest, 'sendAt' | 'ignoreQuietHours'>,
  usageMode: 'consume' | 'check',
): Promise<SendPlan> {
  const recipients = expandGroup(request);
  const optedOut = await recipientOptOuts(deps.suppressions, team.id, request, recipients);
  if (optedOut.length > 0) throw invalid(optedOut);
  const usage =
    usageMode === 'consume'
      ? await deps.usage.consume(team, recipients.length, now)
      : await deps.usage.check(team, recipients.length, now);
  if (!usage.ok)
    throw new GatewayError(usage.code, undefined, { retryAfterSeconds: usage.retryAfterSeconds });
  // sendsavedmms: the template must be the team's and ready; Sinch gets its own mms-id.
  const resolved = await Promise.all(
    recipients.map((r) =>
      r.action === 'sendsavedmms' ? resolveSavedTemplate(deps.templates, team.id, r) : Promise.resolve(r),
    ),
  );
  // A send goes out at send-at (or now), but never inside the team's quiet hours unless asked to.
  const requested = scheduling.sendAt ?? now;
  const goAt = scheduling.ignoreQuietHours ? requested : afterQuietHours(requested, team.quietHours);
  const sendAt = goAt.getTime() - now.getTime() > SCHEDULE_THRESHOLD_MS ? goAt : undefined;
  return { requests: resolved, sendAt, now };
}

/** sendmms / sendsavedmms, single or group: one recorded, queued message per recipient. */
async function acceptSends(
  deps: AcceptDeps,
  team: Team,
  request: SendMmsRequest | SendSavedMmsRequest,
  now: Date,
  scheduling: Pick<SchedulingRequest, 'sendAt' | 'ignoreQuietHours'> & {
    validUntil: string;
    scheduleId?: string;
  },
  idempotencyKey: string | undefined,
  notes: readonly HistoryEntry[] = [],
): Promise<StoredResponse> {
  const { requests: resolved, sendAt } = await planSends(deps, team, request, now, scheduling, 'consume');
  // With an Idempotency-Key the ids derive from it, so a retry after a failure half-way through finds the
  // messages it already recorded instead of making new ones.
  const idFor = (suffix: string) =>
    idempotencyKey === undefined ? deps.ids.messageId() : derivedMessageId(team.id, idempotencyKey, suffix);
  const groupId = resolved.length > 1 ? idFor('group') : undefined;
  const records = resolved.map((r, i) => {
    const record = {
      ...newMessage(idFor(String(i)), team, r, now, groupId, sendAt),
      validUntil: scheduling.validUntil,
      ...(scheduling.scheduleId ? { scheduleId: scheduling.scheduleId } : {}),
    };
    const noted = { ...record, history: [...record.history, ...notes] };
    return withRetention(noted, team, deps.retentionDaySeconds);
  });
  for (const record of records) {
    if (sendAt) await scheduleRecorded(deps, record, sendAt);
    else await enqueueRecorded(deps, record);
  }
  return { statusCode: 202, body: acceptedBody(records, groupId, sendAt) };
}

export const TEMPLATE_ACCEPTED_DETAILS = 'Save MMS request accepted and queued for processing.';

/** savemms: records the template and queues its submission; Sinch's mms-id arrives later. */
async function acceptTemplate(
  deps: AcceptDeps,
  team: Team,
  request: SaveMmsRequest,
  now: Date,
  notes: readonly HistoryEntry[] = [],
): Promise<StoredResponse> {
  const at = now.toISOString();
  const template: TemplateRecord = {
    id: `${TEMPLATE_ID_PREFIX}${deps.ids.messageId().replace(/^mms_/, '')}`,
    teamId: team.id,
    name: request.name,
    request,
    state: 'submitting',
    attempts: 0,
    createdAt: at,
    updatedAt: at,
    history: [{ at, event: 'accepted', state: 'submitting' }, ...notes],
  };
  await deps.templates.create(template);
  try {
    await deps.queue.enqueue(template.id);
  } catch (error) {
    await deps.templates.transition(
      template.id,
      { state: 'submitting', attempts: 0 },
      {
        state: 'failed',
        failureCode: 'GW-QUEUE-UNAVAILABLE',
        history: {
          at: deps.clock.now().toISOString(),
          event: 'enqueue-failed',
          state: 'failed',
          code: 'GW-QUEUE-UNAVAILABLE',
        },
      },
    );
    throw new GatewayError('GW-QUEUE-UNAVAILABLE', undefined, { retryAfterSeconds: 5, cause: error });
  }
  return {
    statusCode: 202,
    body: {
      status: 'success',
      'tracking-id': template.id,
      'template-id': template.id,
      'status-details': TEMPLATE_ACCEPTED_DETAILS,
    },
  };
}

/** A message id derived from the team, its Idempotency-Key and the recipient's position. */
export const derivedMessageId = (teamId: string, key: string, suffix: string): string =>
  `mms_${createHash('sha256').update(`${teamId}\n${key}\n${suffix}`).digest('hex').slice(0, 32)}`;

function newMessage(
  id: string,
  team: Team,
  request: SendRequest,
  now: Date,
  groupId: string | undefined,
  sendAt: Date | undefined,
): MessageRecord {
  const at = now.toISOString();
  const clientReference = request['client-reference'];
  const state = sendAt ? 'scheduled' : 'queued';
  return {
    id,
    teamId: team.id,
    request,
    state,
    ...(sendAt ? { sendAt: sendAt.toISOString() } : {}),
    createdAt: at,
    updatedAt: at,
    attempts: 0,
    ...(clientReference ? { clientReference } : {}),
    ...(groupId ? { groupId } : {}),
    history: [
      { at, event: 'accepted', state, ...(sendAt ? { detail: `send at ${sendAt.toISOString()}` } : {}) },
    ],
  };
}

/** Sends closer than this to now go to the queue at once instead of through a schedule. */
const SCHEDULE_THRESHOLD_MS = 1000;

/** Writes the record first, then the schedule; a message whose schedule cannot be made is failed and 503. */
async function scheduleRecorded(deps: AcceptDeps, record: MessageRecord, sendAt: Date): Promise<void> {
  // Already recorded by an earlier try with the same Idempotency-Key: scheduling it again is harmless.
  await deps.messages.create(record);
  try {
    await deps.scheduler.schedule(record.id, sendAt);
  } catch (error) {
    await deps.messages.transition(
      record.id,
      { state: 'scheduled', attempts: 0 },
      {
        state: 'failed',
        lastErrorCode: 'GW-QUEUE-UNAVAILABLE',
        lastErrorInfo: 'The schedule could not be created; the message will not be sent',
        history: {
          at: deps.clock.now().toISOString(),
          event: 'schedule-failed',
          state: 'failed',
          code: 'GW-QUEUE-UNAVAILABLE',
        },
      },
    );
    throw new GatewayError('GW-QUEUE-UNAVAILABLE', undefined, { retryAfterSeconds: 5, cause: error });
  }
}

/** Writes the record first, then enqueues; a message that cannot be queued is marked failed and answered 503. */
async function enqueueRecorded(deps: AcceptDeps, record: MessageRecord): Promise<void> {
  // Already recorded by an earlier try with the same Idempotency-Key: queue it again; the send worker's
  // conditional claim makes a second queue item for one message harmless.
  await deps.messages.create(record);
  let lastError: unknown;
  for (let attempt = 1; attempt <= deps.enqueueAttempts; attempt += 1) {
    try {
      await deps.queue.enqueue(record.id);
      return;
    } catch (error) {
      lastError = error;
      if (attempt < deps.enqueueAttempts) await deps.clock.sleep(50 * 2 ** attempt);
    }
  }
  const at = deps.clock.now().toISOString();
  await deps.messages.transition(
    record.id,
    { state: 'queued', attempts: 0 },
    {
      state: 'failed',
      lastErrorCode: 'GW-QUEUE-UNAVAILABLE',
      lastErrorInfo: 'The send queue did not accept the message; it was never sent',
      history: { at, event: 'enqueue-failed', state: 'failed', code: 'GW-QUEUE-UNAVAILABLE' },
    },
  );
  throw new GatewayError('GW-QUEUE-UNAVAILABLE', undefined, { retryAfterSeconds: 5, cause: lastError });
}

export const SCHEDULED_DETAILS = 'MMS request accepted and scheduled for delivery.';

function acceptedBody(
  records: MessageRecord[],
  groupId: string | undefined,
  sendAt: Date | undefined,
): Record<string, unknown> {
  const [first] = records;
  const details = sendAt ? SCHEDULED_DETAILS : ACCEPTED_DETAILS;
  const scheduled = sendAt ? { 'send-at': sendAt.toISOString() } : {};
  if (records.length === 1 && first) {
    return {
      status: 'success',
      'tracking-id': first.id,
      to: first.request.to,
      'status-details': details,
      ...scheduled,
    };
  }
  return {
    status: 'success',
    'group-id': groupId,
    'status-details': details,
    ...scheduled,
    messages: records.map((r) => ({ to: r.request.to, 'tracking-id': r.id })),
  };
}
