/**
 * The send use case: one queued submission (a message, or a template to save) → at most one accepted Sinch call.
 *
 * Order of work for one queue item: load it; skip it if it is already submitted or final (SQS may deliver
 * twice); reserve a slot of the shared account bucket; claim it with a conditional write (attempts + 1) so two
 * workers never send it concurrently; read the key; sleep until the slot; call Sinch; record the classified
 * outcome. Retryable outcomes go back to the queue with back-off until the attempts run out, then the item is
 * marked failed and moved to the dead-letter queue.
 */
import { backoffSeconds, type BackoffPolicy, type SinchOutcome } from '../sinch/outcome-classification';
import type { Clock } from '../ports';
import type { HistoryEntry, MessageRepository, SendQueue } from './ports';
import type { SecretProvider, SinchApi } from '../sinch/ports';
import type { SendPacer } from '../pacing/ports';
import { isSendable } from './state-machine';
import { isTemplateId } from '../templates/templates';
import type { TemplateRepository } from '../templates/ports';
import type { SendConsent } from '../consent/suppression';
import { expireIfStale } from './validity';

export type AmbiguousTimeoutPolicy = 'retry' | 'fail';

export interface SendDeps {
  readonly messages: MessageRepository;
  readonly templates: TemplateRepository;
  readonly queue: SendQueue;
  readonly pacer: SendPacer;
  readonly sinch: SinchApi;
  readonly secrets: SecretProvider;
  readonly clock: Clock;
  readonly random: () => number;
  readonly maxAttempts: number;
  readonly backoff: BackoffPolicy;
  /**
   * A worker that wakes up later than this after its slot started takes a new slot instead of sending late:
   * a late send would crowd the next slots into the same second and draw E113 (see `maxLatenessMs`).
   */
  readonly maxLatenessMs: number;
  /** What to do when Sinch did not answer after the request was sent (it may have been accepted). */
  readonly ambiguousTimeoutPolicy: AmbiguousTimeoutPolicy;
  /** How long an attempt may be in flight (Sinch timeout plus margin); no second attempt starts meanwhile. */
  readonly inFlightGuardMs: number;
  readonly log: SendLog;
  /** Opt-outs: checked just before the call to Sinch; told about E114 (blacklisted) answers. */
  readonly consent: SendConsent;
}

export interface SendLog {
  warn(message: string, fields: Record<string, unknown>): void;
}

export interface QueueItem {
  /** A message id (`mms_…`) or a template id (`tpl_…`). */
  readonly messageId: string;
}

/**
 * What happened to one queue item. Either way the item itself is done: a retry is a new, delayed copy of the
 * queue message, so SQS's receive count (and its redrive to the DLQ) only counts crashes, never planned retries.
 */
export type SendResult =
  | {
      readonly kind: 'done';
      readonly outcome: 'submitted' | 'failed' | 'skipped' | 'dead-lettered' | 'expired';
    }
  | { readonly kind: 'retry'; readonly afterSeconds: number; readonly reason: string };

/** One thing to submit to Sinch, whatever it is: what the pipeline needs to claim it and record the outcome. */
interface Submission {
  readonly id: string;
  readonly attempts: number;
  readonly sendable: boolean;
  /**
   * When the last attempt was claimed, if its outcome was never recorded (the worker crashed, or the write of
   * the outcome failed): Sinch may have accepted it, so sending again is an ambiguous retry.
   */
  readonly unrecordedAttemptAt?: number;
  /** The Sinch JSON body: the request as the team sent it (with Sinch's mms-id for sendsavedmms). */
  readonly body: Record<string, unknown>;
  /** A message (not a template): whose it is, and from and to whom, for the opt-out check. */
  readonly recipient?: { readonly teamId: string; readonly from: string; readonly to: string };
  claim(attempts: number, entry: HistoryEntry): Promise<boolean>;
  accepted(
    attempts: number,
    trackingId: string,
    mmsId: string | undefined,
    entry: HistoryEntry,
  ): Promise<void>;
  failed(attempts: number, code: string, info: string, entry: HistoryEntry): Promise<void>;
  note(entry: HistoryEntry): Promise<void>;
  /** Messages: ends it `expired` if its validity period ran out before Sinch accepted it (true when so). */
  expireIfStale?(): Promise<boolean>;
}

/** EventBridge Scheduler fires within a second of the time; anything earlier is a stale, moved schedule. */
const SCHEDULE_EARLY_TOLERANCE_MS = 2000;

async function loadMessage(deps: SendDeps, id: string): Promise<Submission | undefined> {
  const m = await deps.messages.get(id);
  if (!m) return undefined;
  // A scheduled message is sent when its schedule fires (never early: a stale firing of a moved schedule waits).
  const due =
    m.state === 'scheduled' &&
    Date.parse(m.sendAt ?? '') <= deps.clock.now().getTime() + SCHEDULE_EARLY_TOLERANCE_MS;
  const last = m.history.at(-1);
  const unrecorded =
    m.state === 'submitting' && last?.state === 'submitting' ? Date.parse(last.at) : undefined;
  return {
    id,
    attempts: m.attempts,
    sendable: isSendable(m.state) || due,
    ...(unrecorded !== undefined ? { unrecordedAttemptAt: unrecorded } : {}),
    body: { ...m.request },
    recipient: { teamId: m.teamId, from: m.request.from, to: m.request.to },
    claim: (attempts, history) =>
      deps.messages.transition(
        id,
        { state: m.state, attempts: m.attempts },
        { state: 'submitting', attempts, history },
      ),
    accepted: async (attempts, sinchTrackingId, _mmsId, history) => {
      await deps.messages.transition(
        id,
        { state: 'submitting', attempts },
        { state: 'submitted', sinchTrackingId, history },
      );
    },
    failed: async (attempts, lastErrorCode, lastErrorInfo, history) => {
      await deps.messages.transition(
        id,
        { state: 'submitting', attempts },
        { state: 'failed', lastErrorCode, lastErrorInfo, history },
      );
    },
    note: (entry) => deps.messages.appendHistory(id, entry),
    expireIfStale: () => expireIfStale(deps.messages, m, deps.clock.now(), unrecorded !== undefined),
  };
}

async function loadTemplate(deps: SendDeps, id: string): Promise<Submission | undefined> {
  const t = await deps.templates.get(id);
  if (!t) return undefined;
  return {
    id,
    attempts: t.attempts,
    sendable: t.state === 'submitting',
    body: { ...t.request },
    claim: (attempts, history) =>
      deps.templates.transition(
        id,
        { state: 'submitting', attempts: t.attempts },
        { state: 'submitting', attempts, history },
      ),
    accepted: async (attempts, sinchTrackingId, mmsId, history) => {
      await deps.templates.transition(
        id,
        { state: 'submitting', attempts },
        {
          state: 'transcoding',
          sinchTrackingId,
          ...(mmsId ? { mmsId } : {}),
          history: { ...history, state: 'transcoding' },
        },
      );
    },
    failed: async (attempts, failureCode, failureInfo, history) => {
      await deps.templates.transition(
        id,
        { state: 'submitting', attempts },
        { state: 'failed', failureCode, failureInfo, history },
      );
    },
    note: (entry) => deps.templates.appendHistory(id, entry),
  };
}

export function sendQueuedMessage(deps: SendDeps) {
  return async (item: QueueItem): Promise<SendResult> => {
    const id = item.messageId;
    const submission = isTemplateId(id) ? await loadTemplate(deps, id) : await loadMessage(deps, id);
    if (!submission) {
      deps.log.warn('queue item for an unknown message dropped', { messageId: id });
      return { kind: 'done', outcome: 'skipped' };
    }
    if (!submission.sendable) return { kind: 'done', outcome: 'skipped' };
    if (await submission.expireIfStale?.()) return { kind: 'done', outcome: 'expired' };

    const slot = await deps.pacer.reserve(deps.clock.now().getTime());
    if (!slot.ok) {
      // The bucket is booked further ahead than this worker may wait: give the item back, no attempt used.
      const afterSeconds = Math.max(1, Math.ceil(slot.retryAfterMs / 1000));
      await deps.queue.retryLater(id, afterSeconds);
      return { kind: 'retry', afterSeconds, reason: 'pacing' };
    }
    const attempts = submission.attempts + 1;
    const unrecordedAt = submission.unrecordedAttemptAt;
    if (unrecordedAt !== undefined && deps.clock.now().getTime() - unrecordedAt < deps.inFlightGuardMs) {
      // The last attempt may still be in flight on another worker (a retry copy and a redelivered original):
      // never send concurrently; look again once that attempt must have ended.
      const afterSeconds = Math.ceil(
        (unrecordedAt + deps.inFlightGuardMs - deps.clock.now().getTime()) / 1000,
      );
      await deps.queue.retryLater(id, Math.max(1, afterSeconds));
      return { kind: 'retry', afterSeconds: Math.max(1, afterSeconds), reason: 'in-flight' };
    }
    const claimed = await submission.claim(attempts, {
      at: deps.clock.now().toISOString(),
      // A resend after an attempt whose outcome was never recorded is an ambiguous retry (decision 0006).
      event: unrecordedAt !== undefined ? 'retry-after-ambiguous-timeout' : 'attempt',
      state: 'submitting',
      detail:
        unrecordedAt !== undefined
          ? `attempt ${attempts}; the outcome of attempt ${attempts - 1} was never recorded, Sinch may have it`
          : `attempt ${attempts}`,
    });
    if (!claimed) return { kind: 'done', outcome: 'skipped' }; // another delivery of this item got it first
    const failUnsent = async (code: string, info: string, detail: string): Promise<SendResult> => {
      const at = deps.clock.now().toISOString();
      await submission.failed(attempts, code, info, { at, event: 'failed', state: 'failed', code, detail });
      return { kind: 'done', outcome: 'failed' };
    };
    if (unrecordedAt !== undefined && deps.ambiguousTimeoutPolicy === 'fail') {
      return failUnsent(
        'GW-UPSTREAM-TIMEOUT',
        'an earlier attempt may have reached Sinch',
        'not resent: AMBIGUOUS_TIMEOUT_POLICY is fail',
      );
    }
    // An opt-out that arrived while the message waited (queue, quiet hours, schedule) wins: never sent.
    const { recipient } = submission;
    const optedOut = recipient
      ? await deps.consent.blockedBy(recipient.teamId, recipient.from, recipient.to)
      : undefined;
    if (optedOut !== undefined) {
      return failUnsent(
        'GW-RECIPIENT-OPTED-OUT',
        optedOut,
        'not sent: the recipient is on the suppression list',
      );
    }

    // All I/O before the call happens before the slot starts, so the request leaves on time.
    const apiKey = await deps.secrets.sinchApiKey();
    const onTime = await sleepUntilSlot(deps, slot.sendAtMs);
    if (!onTime.ok) {
      const afterSeconds = Math.max(1, Math.ceil(onTime.retryAfterMs / 1000));
      await submission.note({
        at: deps.clock.now().toISOString(),
        event: 'deferred',
        detail: `send slot missed and the bucket is booked ahead; retry in ${afterSeconds} s`,
      });
      await deps.queue.retryLater(id, afterSeconds);
      return { kind: 'retry', afterSeconds, reason: 'pacing' };
    }
    const outcome = await submitWithKey(deps, submission.body, apiKey);
    return record(deps, submission, attempts, outcome);
  };
}

/**
 * Sleeps until the reserved slot starts. A worker that wakes up too late for its slot (a busy event loop, a
 * slow host) takes the next free slot instead of sending late and crowding its neighbours' second.
 */
async function sleepUntilSlot(
  deps: SendDeps,
  sendAtMs: number,
): Promise<{ ok: true } | { ok: false; retryAfterMs: number }> {
  let slotStart = sendAtMs;
  for (let round = 0; ; round += 1) {
    const wait = slotStart - deps.clock.now().getTime();
    if (wait > 0) await deps.clock.sleep(wait);
    const lateness = deps.clock.now().getTime() - slotStart;
    if (lateness <= deps.maxLatenessMs || round >= 3) return { ok: true };
    const next = await deps.pacer.reserve(deps.clock.now().getTime());
    if (!next.ok) return next;
    slotStart = next.sendAtMs;
  }
}

async function submitWithKey(
  deps: SendDeps,
  body: Record<string, unknown>,
  apiKey: string,
): Promise<SinchOutcome> {
  const outcome = await deps.sinch.submit(body, apiKey);
  if (outcome.kind === 'permanent' && outcome.code === 'E104') {
    // The key may have been rotated: read it again once before giving up.
    return deps.sinch.submit(body, await deps.secrets.sinchApiKey({ forceRefresh: true }));
  }
  return outcome;
}

async function record(
  deps: SendDeps,
  submission: Submission,
  attempts: number,
  outcome: SinchOutcome,
): Promise<SendResult> {
  const at = deps.clock.now().toISOString();
  if (outcome.kind === 'accepted') {
    await submission.accepted(attempts, outcome.trackingId, outcome.mmsId, {
      at,
      event: 'submitted',
      state: 'submitted',
      detail: outcome.statusDetails ?? 'accepted by Sinch',
    });
    return { kind: 'done', outcome: 'submitted' };
  }
  const permanent =
    outcome.kind === 'permanent' || (outcome.ambiguous && deps.ambiguousTimeoutPolicy === 'fail');
  if (permanent) {
    await submission.failed(attempts, outcome.code, outcome.info, {
      at,
      event: 'failed',
      state: 'failed',
      code: outcome.code,
      detail: outcome.info,
    });
    // Sinch says the number is blacklisted: later sends are refused by the gateway itself.
    if (outcome.code === 'E114' && submission.recipient) {
      const { teamId, to } = submission.recipient;
      await deps.consent.blacklisted(teamId, to, submission.id, deps.clock.now());
    }
    return { kind: 'done', outcome: 'failed' };
  }
  if (attempts >= deps.maxAttempts) {
    await submission.failed(attempts, outcome.code, `gave up after ${attempts} attempts: ${outcome.info}`, {
      at,
      event: 'dead-lettered',
      state: 'failed',
      code: outcome.code,
      detail: `attempts exhausted (${attempts})`,
    });
    await deps.queue.deadLetter(submission.id, `attempts exhausted after ${outcome.code}`);
    return { kind: 'done', outcome: 'dead-lettered' };
  }
  const afterSeconds = backoffSeconds(attempts, deps.random(), deps.backoff, outcome.retryAfterSeconds ?? 0);
  await submission.note({
    at,
    event: outcome.ambiguous ? 'retry-after-ambiguous-timeout' : 'retry',
    code: outcome.code,
    detail: `${outcome.info}; retry in ${afterSeconds} s`,
  });
  await deps.queue.retryLater(submission.id, afterSeconds);
  return { kind: 'retry', afterSeconds, reason: outcome.code };
}
