/**
 * The status processor's use case: correlate one stored postback with its message, apply the state machine with
 * a conditional write (so concurrent or out-of-order postbacks never move a message backwards), append the
 * history, and publish one `mms.status-changed` event per real transition.
 *
 * A postback whose message is not known yet (the worker may not have recorded the Sinch tracking-id) is marked
 * pending and retried by the sweep for `correlationWindowMs`, then parked as an orphan for operators.
 */
import type { MessageRepository, Clock } from './ports';
import { isTemplatePostbackCode } from './status';
import { findMessageOfPostback } from './postbacks/correlation';
import {
  applyPostbackToMessage,
  readPostback,
  STATUS_CHANGED,
  statusChangedDetail,
  type Postback,
} from './postbacks';

export type PostbackState = 'received' | 'pending' | 'applied' | 'orphan' | 'ignored';

export interface StoredPostback {
  readonly pk: string;
  readonly body: string;
  readonly receivedAt: string;
}

export interface PostbackStore {
  mark(pk: string, state: PostbackState, detail?: string): Promise<void>;
  /** Postbacks in `state`, oldest first (or newest first); only those received before `receivedBefore` if given. */
  list(
    state: PostbackState,
    limit: number,
    options?: { newestFirst?: boolean; receivedBefore?: string },
  ): Promise<StoredPostback[]>;
}

export interface EventPublisher {
  publish(detailType: string, detail: Record<string, unknown>): Promise<void>;
}

/** Optional handler for template postbacks (N003, E002–E004) and postbacks about template submissions. */
export interface TemplatePostbackHandler {
  handle(postback: Postback, ref: string): Promise<'applied' | 'not-mine'>;
}

export interface ProcessPostbackDeps {
  readonly messages: MessageRepository;
  readonly store: PostbackStore;
  readonly events: EventPublisher;
  readonly clock: Clock;
  readonly correlationWindowMs: number;
  readonly templates?: TemplatePostbackHandler;
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
    const postback = readPostback((parsed ?? {}) as Record<string, unknown>);
    const trackingId = postback.trackingId;
    if (!trackingId || !postback.code) {
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
      const message = await findMessageOfPostback(deps.messages, { ...postback, trackingId });
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
