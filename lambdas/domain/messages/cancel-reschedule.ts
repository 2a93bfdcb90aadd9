/** Cancel and reschedule a team's scheduled messages (DELETE and PATCH /v2/messages/{id}). */
import { GatewayError } from '../sinch/error-codes';
import { messageView, type MessageView } from './lookup';
import type { Clock } from '../ports';
import type { MessageRepository } from './ports';
import { extractScheduling } from './scheduling';
import type { MessageScheduler } from './ports';
import { parseJsonBody } from '../sinch/validation';

export interface ManageDeps {
  readonly messages: MessageRepository;
  readonly scheduler: MessageScheduler;
  readonly clock: Clock;
}

export function manageScheduled(deps: ManageDeps) {
  const scheduledMessage = async (teamId: string, id: string) => {
    const message = await deps.messages.get(id);
    if (!message || message.teamId !== teamId)
      throw new GatewayError('GW-NOT-FOUND', `No message with tracking-id ${id}`);
    if (message.state !== 'scheduled') {
      throw new GatewayError('GW-NOT-SCHEDULED', `Message ${id} is ${message.state}, not scheduled`);
    }
    return message;
  };

  return {
    /** Cancels a scheduled message: state `canceled`, schedule deleted. A late firing then does nothing. */
    async cancel(teamId: string, id: string): Promise<MessageView> {
      const message = await scheduledMessage(teamId, id);
      const at = deps.clock.now().toISOString();
      const moved = await deps.messages.transition(
        id,
        { state: 'scheduled', attempts: message.attempts },
        { state: 'canceled', history: { at, event: 'canceled', state: 'canceled' } },
      );
      if (!moved)
        throw new GatewayError('GW-NOT-SCHEDULED', `Message ${id} is being sent; it cannot be canceled`);
      await deps.scheduler.cancel(id);
      return messageView({ ...message, state: 'canceled', updatedAt: at });
    },

    /** Moves a scheduled message to a new `send-at` (same rules as at acceptance). */
    async reschedule(teamId: string, id: string, rawBody: string | null | undefined): Promise<MessageView> {
      const parsed = parseJsonBody(rawBody);
      if (!parsed.ok) throw GatewayError.fromViolations(parsed.violations);
      const now = deps.clock.now();
      const fields = Object.keys(parsed.value ?? {}).filter((k) => k !== 'send-at');
      if (fields.length > 0) {
        throw new GatewayError('GW-UNKNOWN-FIELD', `Only send-at can be changed; not ${fields.join(', ')}`);
      }
      const scheduling = extractScheduling(parsed.value, now);
      if (scheduling.violations.length > 0) throw GatewayError.fromViolations(scheduling.violations);
      if (!scheduling.sendAt) throw new GatewayError('E100', 'Missing required field: send-at');
      const message = await scheduledMessage(teamId, id);
      const sendAt = scheduling.sendAt.toISOString();
      const moved = await deps.messages.transition(
        id,
        { state: 'scheduled', attempts: message.attempts },
        {
          state: 'scheduled',
          sendAt,
          history: { at: now.toISOString(), event: 'rescheduled', detail: `send at ${sendAt}` },
        },
      );
      if (!moved)
        throw new GatewayError('GW-NOT-SCHEDULED', `Message ${id} is being sent; it cannot be moved`);
      await deps.scheduler.reschedule(id, scheduling.sendAt);
      return messageView({ ...message, sendAt, updatedAt: now.toISOString() });
    },
  };
}
