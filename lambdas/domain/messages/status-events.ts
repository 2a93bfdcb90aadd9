/**
 * Status events from the transactional outbox (docs/decisions/0012-status-outbox.md). The messages and templates
 * tables' streams carry every write; this module decides which writes are real state changes and what event
 * each one publishes. No use case publishes a status event itself: writing the state IS publishing it, so no code
 * path (accept, send worker, retries, dead-letter, sweep, postback, cancel, reschedule, expiry, and any state a
 * later feature writes) can forget it, and an event exists only if its state was written.
 *
 * One event per state-changing write, identified by `<tracking-id>:<history length>:<new state>`: the write
 * appends exactly one history entry, so the id names the transition. The publisher de-duplicates on it, so a
 * stream record delivered again (retries, bisected batches) publishes nothing twice.
 */
import type { EventPublisher } from '../postbacks/ports';
import type { HistoryEntry, MessageRecord } from './ports';
import { STATUS_CHANGED } from '../postbacks/parsing';
import { eventNumber } from '../privacy/retention';
import { isTemplatePostbackCode, TEMPLATE_POSTBACK_CODES, type MessageState } from './state-machine';
import { isTemplateId } from '../templates/templates';
import type { TemplateRecord } from '../templates/ports';

export { STATUS_CHANGED };
export const TEMPLATE_STATUS_CHANGED = 'mms.template-status-changed';
/** The detail-types the outbox publishes; the webhook rule (and the local bus) routes exactly these. */
export const STATUS_EVENT_TYPES: readonly string[] = [STATUS_CHANGED, TEMPLATE_STATUS_CHANGED];

/** A one-line reason for changes whose history entry carries none. */
const DEFAULT_REASON: Record<MessageState, string> = {
  accepted: 'Accepted by the gateway',
  scheduled: 'Accepted and scheduled for its send-at time',
  queued: 'Accepted and queued for sending',
  submitting: 'Being submitted to Sinch',
  submitted: 'Accepted by Sinch',
  sent: 'Sent by Sinch to the operator',
  unknown: 'No final status arrived from Sinch in time',
  delivered: 'Delivered to the handset',
  'delivered-as-sms': 'Delivered as the fallback SMS',
  failed: 'The message could not be delivered',
  rejected: 'Rejected by the operator',
  expired: 'Expired before it could be delivered',
  canceled: 'Canceled by the team before it was sent',
};

/**
 * States a team is not told about: `submitting` is a worker's claim on the message (repeated on every retry),
 * not an outcome; the move out of it (submitted, failed, expired) is published.
 */
const SILENT_STATES: readonly MessageState[] = ['submitting'];

export interface OutboxEvent {
  readonly detailType: string;
  readonly detail: Readonly<Record<string, unknown>> & { readonly 'event-id': string };
}

/** The entry the state-changing write appended: the last one that names the new state (or a reschedule). */
function transitionEntry(item: { history: readonly HistoryEntry[]; state: string }, rescheduled: boolean) {
  const history = item.history;
  for (let i = history.length - 1; i >= 0; i -= 1) {
    const entry = history[i];
    if (!entry) continue;
    if (rescheduled ? entry.event === 'rescheduled' : entry.state === item.state) return entry;
  }
  return history.at(-1);
}

const lastSentAs = (history: readonly HistoryEntry[]): string | undefined =>
  [...history].reverse().find((h) => h.sentAs)?.sentAs;

/**
 * The `mms.status-changed` event of one write to a message, or undefined when the write changed no state
 * (history notes, webhook records, retries) or only a silent one. A reschedule (new `send-at`, still
 * `scheduled`) is a change too. Code and reason come from the history entry the write appended (the Sinch or
 * `GW-` code), else from the message's last error.
 */
export function messageStatusEvent(
  before: MessageRecord | undefined,
  after: MessageRecord | undefined,
): OutboxEvent | undefined {
  if (!after?.history) return undefined; // deleted (TTL), or not a message item
  const changed = before === undefined || before.state !== after.state;
  const rescheduled =
    !changed && after.state === 'scheduled' && before.sendAt !== after.sendAt && after.sendAt !== undefined;
  if (!changed && !rescheduled) return undefined;
  if (SILENT_STATES.includes(after.state)) return undefined;
  const entry = transitionEntry(after, rescheduled);
  const failing = ['failed', 'rejected', 'expired', 'unknown'].includes(after.state);
  const code = entry?.code ?? (failing ? after.lastErrorCode : undefined);
  const reason = entry?.detail ?? (failing ? after.lastErrorInfo : undefined) ?? DEFAULT_REASON[after.state];
  const sentAs = entry?.sentAs ?? lastSentAs(after.history);
  const { scheduleId } = after;
  const newState = after.state;
  return {
    detailType: STATUS_CHANGED,
    detail: {
      'event-id': `${after.id}:${after.history.length}:${rescheduled ? 'rescheduled' : newState}`,
      'tracking-id': after.id,
      team: after.teamId,
      cause: entry?.event ?? (before ? 'updated' : 'accepted'),
      ...(before ? { 'old-state': before.state } : {}),
      'new-state': newState,
      ...(code ? { code } : {}),
      reason,
      attempts: after.attempts,
      ...(sentAs ? { 'sent-as': sentAs } : {}),
      // Masked to the last 4 digits unless the team asked for full numbers (privacy/retention.ts).
      to: eventNumber(after, after.request.to),
      ...(after.clientReference ? { 'client-reference': after.clientReference } : {}),
      ...(after.groupId ? { 'group-id': after.groupId } : {}),
      ...(scheduleId ? { 'schedule-id': scheduleId } : {}),
      ...(after.sendAt ? { 'send-at': after.sendAt } : {}),
      ...(after.sinchTrackingId ? { 'sinch-tracking-id': after.sinchTrackingId } : {}),
      timestamp: entry?.eventTime ?? entry?.at ?? after.updatedAt,
    },
  };
}

/**
 * The `mms.template-status-changed` event of one write to a template: only its outcomes, `ready` (N003) and
 * `failed` (E002–E004 with the media that failed, or a permanent error on submission).
 */
export function templateStatusEvent(
  before: TemplateRecord | undefined,
  after: TemplateRecord | undefined,
): OutboxEvent | undefined {
  if (!after?.history || before?.state === after.state) return undefined;
  if (after.state !== 'ready' && after.state !== 'failed') return undefined;
  const entry = [...after.history].reverse().find((h) => h.state === after.state);
  const code = entry?.code ?? after.failureCode;
  const failedMedia = after.state === 'failed' ? mediaOf(entry?.detail ?? after.failureInfo) : undefined;
  const mediaType = code && isTemplatePostbackCode(code) ? TEMPLATE_POSTBACK_CODES[code].media : undefined;
  return {
    detailType: TEMPLATE_STATUS_CHANGED,
    detail: {
      'event-id': `${after.id}:${after.history.length}:${after.state}`,
      'template-id': after.id,
      team: after.teamId,
      name: after.name,
      ...(before ? { 'old-state': before.state } : {}),
      'new-state': after.state,
      ...(code ? { code } : {}),
      reason:
        (after.state === 'failed' ? after.failureInfo : undefined) ??
        entry?.detail ??
        (after.state === 'ready' ? 'Transcoded by Sinch: ready to send' : 'The template could not be saved'),
      ...(mediaType ? { 'failed-media-type': mediaType } : {}),
      ...(failedMedia ? { 'failed-media': failedMedia } : {}),
      ...(after.mmsId ? { 'mms-id': after.mmsId } : {}),
      timestamp: entry?.eventTime ?? entry?.at ?? after.updatedAt,
    },
  };
}

/** The media named in a template failure's text (`<type> transcoding failed for <name>`), if any. */
const mediaOf = (info: string | undefined): string | undefined => / failed for (.+)$/.exec(info ?? '')?.[1];

/** One write as the stream shows it: the item before and after (either may be missing). */
export interface ItemChange {
  readonly before?: Record<string, unknown>;
  readonly after?: Record<string, unknown>;
}

/** The outbox event of a write to either table (messages `mms_…`, templates `tpl_…`). */
export function outboxEvent(change: ItemChange): OutboxEvent | undefined {
  const raw = change.after?.id ?? change.before?.id;
  const id = typeof raw === 'string' ? raw : '';
  if (isTemplateId(id)) {
    return templateStatusEvent(
      change.before as TemplateRecord | undefined,
      change.after as TemplateRecord | undefined,
    );
  }
  return messageStatusEvent(
    change.before as MessageRecord | undefined,
    change.after as MessageRecord | undefined,
  );
}

/** Remembers published event ids (for a week), so a redelivered stream record publishes nothing twice. */
export interface PublishedEventLog {
  wasPublished(eventId: string): Promise<boolean>;
  markPublished(eventId: string, at: Date): Promise<void>;
}

export interface StatusPublisherDeps {
  readonly events: EventPublisher;
  readonly log: PublishedEventLog;
  readonly clock: { now(): Date };
}

export type PublishOutcome = 'published' | 'duplicate' | 'none';

/**
 * Publishes the event of one write, at least once and, unless the process dies between publishing and
 * recording it, exactly once: checked, published, then recorded (a failure to publish leaves nothing recorded,
 * so the stream's retry publishes it).
 */
export function publishStatusChange(deps: StatusPublisherDeps) {
  return async (change: ItemChange): Promise<PublishOutcome> => {
    const event = outboxEvent(change);
    if (!event) return 'none';
    const id = event.detail['event-id'];
    if (await deps.log.wasPublished(id)) return 'duplicate';
    await deps.events.publish(event.detailType, { ...event.detail });
    await deps.log.markPublished(id, deps.clock.now());
    return 'published';
  };
}
