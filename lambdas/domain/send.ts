/**
 * The send use case: one queued message → at most one accepted Sinch submission.
 *
 * Order of work for one queue item: load the message; skip it if it is already submitted or final (SQS may
 * deliver twice); reserve a slot of the shared account bucket and wait for it; claim the message with a
 * conditional write (`submitting`, attempts + 1) so two workers never send it concurrently; call Sinch; record
 * the classified outcome. Retryable outcomes go back to the queue with back-off until the attempts run out,
 * then the message is marked failed and moved to the dead-letter queue.
 */
import { backoffSeconds, type BackoffPolicy, type SinchOutcome } from './outcome';
import type {
  Clock,
  MessageRecord,
  MessageRepository,
  SecretProvider,
  SendPacer,
  SendQueue,
  SinchApi,
} from './ports';
import { isSendable } from './status';

export type AmbiguousTimeoutPolicy = 'retry' | 'fail';

export interface SendDeps {
  readonly messages: MessageRepository;
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
   * a late send would crowd the next slots into the same second and draw E113 (a quarter of the send interval).
   */
  readonly maxLatenessMs: number;
  /** What to do when Sinch did not answer after the request was sent (it may have been accepted). */
  readonly ambiguousTimeoutPolicy: AmbiguousTimeoutPolicy;
  readonly log: SendLog;
}

export interface SendLog {
  warn(message: string, fields: Record<string, unknown>): void;
}

export interface QueueItem {
  readonly messageId: string;
}

/**
 * What happened to one queue item. Either way the item itself is done: a retry is a new, delayed copy of the
 * queue message, so SQS's receive count (and its redrive to the DLQ) only counts crashes, never planned retries.
 */
export type SendResult =
  | { readonly kind: 'done'; readonly outcome: 'submitted' | 'failed' | 'skipped' | 'dead-lettered' }
  | { readonly kind: 'retry'; readonly afterSeconds: number; readonly reason: string };

/** The Sinch body of a stored request: the request as the team sent it, minus gateway-only fields. */
export function sinchBody(message: MessageRecord): Record<string, unknown> {
  return { ...message.request };
}

export function sendQueuedMessage(deps: SendDeps) {
  return async (item: QueueItem): Promise<SendResult> => {
    const message = await deps.messages.get(item.messageId);
    if (!message) {
      deps.log.warn('queue item for an unknown message dropped', { messageId: item.messageId });
      return { kind: 'done', outcome: 'skipped' };
    }
    if (!isSendable(message.state)) return { kind: 'done', outcome: 'skipped' };

    const slot = await deps.pacer.reserve(deps.clock.now().getTime());
    if (!slot.ok) {
      // The bucket is booked further ahead than this worker may wait: give the item back, no attempt used.
      const afterSeconds = Math.max(1, Math.ceil(slot.retryAfterMs / 1000));
      await deps.queue.retryLater(item.messageId, afterSeconds);
      return { kind: 'retry', afterSeconds, reason: 'pacing' };
    }
    const attempts = message.attempts + 1;
    const claimed = await deps.messages.transition(
      message.id,
      { state: message.state, attempts: message.attempts },
      {
        state: 'submitting',
        attempts,
        history: {
          at: deps.clock.now().toISOString(),
          event: 'attempt',
          state: 'submitting',
          detail: `attempt ${attempts}`,
        },
      },
    );
    if (!claimed) return { kind: 'done', outcome: 'skipped' }; // another delivery of this item got it first

    // All I/O before the call happens before the slot starts, so the request leaves on time.
    const apiKey = await deps.secrets.sinchApiKey();
    const onTime = await sleepUntilSlot(deps, slot.sendAtMs);
    if (!onTime.ok) {
      const afterSeconds = Math.max(1, Math.ceil(onTime.retryAfterMs / 1000));
      await deps.messages.appendHistory(message.id, {
        at: deps.clock.now().toISOString(),
        event: 'deferred',
        detail: `send slot missed and the bucket is booked ahead; retry in ${afterSeconds} s`,
      });
      await deps.queue.retryLater(item.messageId, afterSeconds);
      return { kind: 'retry', afterSeconds, reason: 'pacing' };
    }
    const outcome = await submitWithKey(deps, sinchBody(message), apiKey);
    return record(deps, message, attempts, item, outcome);
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
  message: MessageRecord,
  attempts: number,
  item: QueueItem,
  outcome: SinchOutcome,
): Promise<SendResult> {
  const at = deps.clock.now().toISOString();
  const expected = { state: 'submitting' as const, attempts };
  if (outcome.kind === 'accepted') {
    await deps.messages.transition(message.id, expected, {
      state: 'submitted',
      sinchTrackingId: outcome.trackingId,
      history: {
        at,
        event: 'submitted',
        state: 'submitted',
        detail: outcome.statusDetails ?? 'accepted by Sinch',
      },
    });
    return { kind: 'done', outcome: 'submitted' };
  }
  const permanent =
    outcome.kind === 'permanent' || (outcome.ambiguous && deps.ambiguousTimeoutPolicy === 'fail');
  if (permanent) {
    await deps.messages.transition(message.id, expected, {
      state: 'failed',
      lastErrorCode: outcome.code,
      lastErrorInfo: outcome.info,
      history: { at, event: 'failed', state: 'failed', code: outcome.code, detail: outcome.info },
    });
    return { kind: 'done', outcome: 'failed' };
  }
  if (attempts >= deps.maxAttempts) {
    await deps.messages.transition(message.id, expected, {
      state: 'failed',
      lastErrorCode: outcome.code,
      lastErrorInfo: `gave up after ${attempts} attempts: ${outcome.info}`,
      history: {
        at,
        event: 'dead-lettered',
        state: 'failed',
        code: outcome.code,
        detail: `attempts exhausted (${attempts})`,
      },
    });
    await deps.queue.deadLetter(message.id, `attempts exhausted after ${outcome.code}`);
    return { kind: 'done', outcome: 'dead-lettered' };
  }
  const afterSeconds = backoffSeconds(attempts, deps.random(), deps.backoff, outcome.retryAfterSeconds ?? 0);
  await deps.messages.appendHistory(message.id, {
    at,
    event: outcome.ambiguous ? 'retry-after-ambiguous-timeout' : 'retry',
    code: outcome.code,
    detail: `${outcome.info}; retry in ${afterSeconds} s`,
  });
  await deps.queue.retryLater(item.messageId, afterSeconds);
  return { kind: 'retry', afterSeconds, reason: outcome.code };
}
