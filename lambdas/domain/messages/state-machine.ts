/**
 * The message and template state machines (docs/architecture.md) and the meaning of Sinch's postback codes.
 *
 * Messages move forward only: accepted → (scheduled) → queued → submitting → submitted → sent → one terminal
 * state. `unknown` is where the sweep parks a message that never got a final postback; a real final postback
 * that arrives later still moves it to its terminal state. A late, repeated or out-of-order event never moves
 * a message backwards or out of a terminal state: it is only added to the history.
 */

export const MESSAGE_STATES = [
  'accepted',
  'scheduled',
  'queued',
  'submitting',
  'submitted',
  'sent',
  'unknown',
  'delivered',
  'delivered-as-sms',
  'failed',
  'rejected',
  'expired',
  'canceled',
] as const;
export type MessageState = (typeof MESSAGE_STATES)[number];

export const TERMINAL_STATES = [
  'delivered',
  'delivered-as-sms',
  'failed',
  'rejected',
  'expired',
  'canceled',
] as const satisfies readonly MessageState[];
export type TerminalState = (typeof TERMINAL_STATES)[number];

const RANK: Record<MessageState, number> = {
  accepted: 0,
  scheduled: 1,
  queued: 2,
  submitting: 3,
  submitted: 4,
  sent: 5,
  unknown: 6,
  delivered: 7,
  'delivered-as-sms': 7,
  failed: 7,
  rejected: 7,
  expired: 7,
  canceled: 7,
};

export const isTerminal = (state: MessageState): state is TerminalState =>
  (TERMINAL_STATES as readonly MessageState[]).includes(state);

/** States in which a send worker may (re)submit the message to Sinch. */
export const SENDABLE_STATES = ['queued', 'submitting'] as const satisfies readonly MessageState[];
export const isSendable = (state: MessageState): boolean =>
  (SENDABLE_STATES as readonly MessageState[]).includes(state);

/**
 * Whether `from → to` is a forward move. A state may repeat itself only for `submitting` (a retried attempt).
 * Terminal states never change.
 */
export function canTransition(from: MessageState, to: MessageState): boolean {
  if (isTerminal(from)) return false;
  if (from === to) return from === 'submitting';
  // A worker gives a submission back to the queue only by retrying it, never by moving it backwards.
  return RANK[to] > RANK[from];
}

/** Sinch MT postback codes (reference §4.3) and what each means for a message. */
export const POSTBACK_CODES = {
  N101: { status: 'Sent', state: 'sent' },
  N013: { status: 'Transcoding successful and sending triggered', state: 'sent' },
  N102: { status: 'Delivered', state: 'delivered' },
  N202: { status: 'Delivered as SMS', state: 'delivered-as-sms' },
  N103: { status: 'Expired', state: 'expired' },
  E101: { status: 'Failed', state: 'failed' },
  E102: { status: 'Rejected', state: 'rejected' },
  E202: { status: 'Fallback SMS delivery failure', state: 'failed' },
  E011: { status: 'Content validation failed', state: 'failed' },
  E012: { status: 'Audio transcoding failed', state: 'failed' },
  E013: { status: 'Video transcoding failed', state: 'failed' },
  E999: { status: 'Queue processing error', state: 'failed' },
  E100: { status: 'Invalid request', state: 'failed' },
} as const satisfies Record<string, { status: string; state: MessageState }>;
export type MessagePostbackCode = keyof typeof POSTBACK_CODES;

/** Template (savemms) postback codes: transcoding done, or failed for the named media type. */
export const TEMPLATE_POSTBACK_CODES = {
  N003: { outcome: 'ready', media: undefined },
  E002: { outcome: 'failed', media: 'audio' },
  E003: { outcome: 'failed', media: 'video' },
  E004: { outcome: 'failed', media: 'image' },
} as const;
export type TemplatePostbackCode = keyof typeof TEMPLATE_POSTBACK_CODES;

export const isMessagePostbackCode = (code: string): code is MessagePostbackCode => code in POSTBACK_CODES;
export const isTemplatePostbackCode = (code: string): code is TemplatePostbackCode =>
  code in TEMPLATE_POSTBACK_CODES;

export interface PostbackDecision {
  /** The state after the event; equal to `current` when the event changes nothing but history. */
  readonly next: MessageState;
  /** True when the state really changed (one status event is published per real transition). */
  readonly changed: boolean;
}

/** Applies a postback code to a message in state `current`. Unknown codes change nothing. */
export function applyPostback(current: MessageState, code: string): PostbackDecision {
  if (!isMessagePostbackCode(code)) return { next: current, changed: false };
  const target = POSTBACK_CODES[code].state;
  // A postback proves Sinch accepted the message, even if the worker has not recorded `submitted` yet.
  if (canTransition(current, target)) return { next: target, changed: true };
  return { next: current, changed: false };
}

export const TEMPLATE_STATES = ['submitting', 'transcoding', 'ready', 'failed'] as const;
export type TemplateState = (typeof TEMPLATE_STATES)[number];

/** Templates: submitting → transcoding (Sinch accepted) → ready (N003) | failed (E002–E004 or a permanent error). */
export function canTransitionTemplate(from: TemplateState, to: TemplateState): boolean {
  const rank: Record<TemplateState, number> = { submitting: 0, transcoding: 1, ready: 2, failed: 2 };
  return rank[to] > rank[from];
}
