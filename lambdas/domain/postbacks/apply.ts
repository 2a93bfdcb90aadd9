/**
 * The status processor's use case: correlate one stored postback with its message, apply the state machine with
 * a conditional write (so concurrent or out-of-order postbacks never move a message backwards), append the
 * history, and publish one `mms.status-changed` event per real transition.
 *
 * A postback whose message is not known yet (the worker may not have recorded the Sinch tracking-id) is marked
 * pending and retried by the sweep for `correlationWindowMs`, then parked as an orphan for operators.
 */
import type {
  EventPublisher,
  PostbackState,
  PostbackStore,
  StoredPostback,
  TemplatePostbackHandler,
} from './ports';
import type { Clock } from '../ports';
import type { MessageRepository } from '../messages/ports';
import { isTemplatePostbackCode } from '../messages/state-machine';
import {
  applyPostbackToMessage,
  readPostback,
  STATUS_CHANGED,
  statusChangedDetail,
} from './parsing';
import { isInboundPostback, type InboundResult } from '../consent/inbound';

export interface ProcessPostbackDeps {
  readonly messages: MessageRepository;
  readonly store: PostbackStore;
  readonly events: EventPublisher;
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
      const transitioned = application.duplicate
        ? message.history.find((h) => h.ref === stored.pk)?.state !== undefined
        : application.changed;
      if (transitioned) {
        // On a redelivery the event is published again with the same event-id, so consumers can de-duplicate.
        const from = application.duplicate ? previousState(message, stored.pk) : message.state;
        await deps.events.publish(STATUS_CHANGED, statusChangedDetail(message, from, postback, stored.pk));
      }
      await deps.store.mark(stored.pk, 'applied');
      return 'applied';
    }
    throw new Error(`postback ${stored.pk}: message kept changing; retry`);
  };
}

/** The state a message had before the history entry `ref` moved it. */
function previousState(message: { history: ReadonlyArray<{ ref?: string; state?: string }> }, ref: string) {
  let state = 'queued';
  for (const entry of message.history) {
    if (entry.ref === ref) break;
    if (entry.state) state = entry.state;
  }
  return state as Parameters<typeof statusChangedDetail>[1];
}
