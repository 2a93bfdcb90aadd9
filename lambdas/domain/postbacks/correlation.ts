/**
 * Correlating a Sinch postback with its message without an index lookup. Sinch echoes the request's
 * `client-reference` in every postback of the transaction (reference §2), so the send worker gives Sinch the
 * gateway's own message id there; the status processor then reads the message by its key (one GetItem) instead
 * of querying the Sinch tracking-id index and reading the item again. The team's own `client-reference` stays on
 * the message record (lookups, status events); Sinch never needed it.
 *
 * A postback whose client-reference is not a message id (a message sent before this change, a template), or whose
 * message does not carry that Sinch tracking-id yet (the worker has not recorded the acceptance), falls back to
 * the tracking-id index, so the behaviour for those is the one from before.
 */
import type { MessageRecord, MessageRepository } from '../messages/ports';
import type { Postback } from './parsing';

const MESSAGE_ID = /^mms_[0-9a-f]{32}$/;

/** The Sinch body of a message: the team's request with the gateway's message id as `client-reference`. */
export const withCorrelationReference = (
  request: Readonly<Record<string, unknown>>,
  messageId: string,
): Record<string, unknown> => ({ ...request, 'client-reference': messageId });

/** The message a postback is about, by its echoed client-reference when it can, else by the tracking-id index. */
export async function findMessageOfPostback(
  messages: Pick<MessageRepository, 'get' | 'findBySinchTrackingId'>,
  postback: Postback & { readonly trackingId: string },
): Promise<MessageRecord | undefined> {
  const reference = postback.clientReference;
  if (reference !== undefined && MESSAGE_ID.test(reference)) {
    const message = await messages.get(reference);
    if (message?.sinchTrackingId === postback.trackingId) return message;
  }
  return messages.findBySinchTrackingId(postback.trackingId);
}
