/**
 * The status processor's use case: correlate one stored postback with its message, apply the state machine with
 * a conditional write (so concurrent or out-of-order postbacks never move a message backwards), append the
 * history. It publishes nothing itself: the state write is the event (the messages table's stream feeds the
 * status publisher, lambdas/domain/messages/status-events.ts), so a transition is published exactly once.
 *
 * A postback whose message is not known yet (the worker may not have recorded the Sinch tracking-id) is marked
 * pending and retried by the sweep for `correlationWindowMs`, then parked as an orphan for operators.
 */
import type { PostbackState, PostbackStore, StoredPostback, TemplatePostbackHandler } from './ports';
import type { Clock } from '../ports';
import type { MessageRepository } from '../messages/ports';
import { isTemplatePostbackCode } from '../messages/state-machine';
import { applyPostbackToMessage, readPostback } from './parsing';
import { isInboundPostback, type InboundResult } from '../consent/inbound';

export interface ProcessPostbackDeps {
  readonly messages: MessageRepository;
  readonly store: PostbackStore;
  readonly clock: Clock;
  readonly correlationWindowMs: number;
  readonly templates?: TemplatePostbackHandler;
  /** Inbound messages (MO, N401): routed to the owning teams; never orphans. */
  readonly inbound?: InboundPostbackHandler;
}

export interface InboundPostbackHandler {
  handle(body: Record<string, unknown>, ref: string): Promise<InboundResult>;
}

export function processPostback(deps: ProcessPostbackDeps) {
  return async (stored: StoredPostback): Promise<PostbackState> => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(stored.body);
    } catch {
      await deps.store.mark(stored.pk, 'ignored', 'not JSON');
      return 'ignored';
    }
    const record = (parsed ?? {}) as Record<string, unknown>;
    if (deps.inbound && isInboundPostback(record)) {
      const result = await deps.inbound.handle(record, stored.pk);
      await deps.store.mark(stored.pk, result.state, result.state === 'ignored' ? result.detail : undefined);
      return result.state;
    }
    const postback = readPostback(record);
    if (!postback.trackingId || !postback.code) {
      await deps.store.mark(stored.pk, 'ignored', 'no tracking-id or code');
      return 'ignored';
    }
    // N003 / E002–E004 are about templates (savemms); every other code is about a message.
    if (
      deps.templates &&
      isTemplatePostbackCode(postback.code) &&
      (await deps.templates.handle(postback, stored.pk)) === 'applied'
    ) {
      await deps.store.mark(stored.pk, 'applied');
      return 'applied';
    }

    for (let round = 0; round < 10; round += 1) {
      const message = await deps.messages.findBySinchTrackingId(postback.trackingId);
      if (!message) {
        const ageMs = deps.clock.now().getTime() - Date.parse(stored.receivedAt);
        const state = ageMs >= deps.correlationWindowMs ? 'orphan' : 'pending';
        await deps.store.mark(stored.pk, state, 'no message with this Sinch tracking-id');
        return state;
      }
      const at = deps.clock.now().toISOString();
      const application = applyPostbackToMessage(message, postback, stored.pk, at);
      if (!application.duplicate) {
        if (application.changed) {
          const written = await deps.messages.transition(
            message.id,
            { state: message.state, attempts: message.attempts },
            { state: application.next, history: application.entry },
          );
          if (!written) continue; // moved meanwhile: read it again and re-decide
        } else {
          await deps.messages.appendHistory(message.id, application.entry);
        }
      }
      await deps.store.mark(stored.pk, 'applied');
      return 'applied';
    }
    throw new Error(`postback ${stored.pk}: message kept changing; retry`);
  };
}
