/**
 * Sinch postbacks: how a raw postback is keyed (so a retried or duplicated one is stored once), read, and
 * applied to its message. The postback endpoint only stores; the status processor applies, asynchronously.
 */
import { createHash } from 'node:crypto';
import type { HistoryEntry, MessageRecord } from '../messages/ports';
import { applyPostback, isMessagePostbackCode, type MessageState } from '../messages/state-machine';

export interface Postback {
  readonly trackingId?: string;
  readonly code?: string;
  readonly status?: string;
  readonly statusDetails?: string;
  readonly sentAs?: string;
  readonly timestamp?: string;
  readonly clientReference?: string;
  readonly mmsId?: string;
  readonly to?: string;
  /** Name (URL) of the media that failed to transcode (E002/E003/E004). */
  readonly failedMedia?: string;
}

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.length > 0 ? v : typeof v === 'number' ? String(v) : undefined;

/** Reads the fields the gateway uses from a parsed postback body (Sinch's kebab-case keys). */
export function readPostback(body: Record<string, unknown>): Postback {
  const fields: Record<string, string | undefined> = {
    trackingId: str(body['tracking-id']) ?? str(body.trackingid),
    code: str(body.code),
    status: str(body.status),
    statusDetails: str(body['status-details']),
    sentAs: str(body['sent-as']),
    timestamp: str(body.timestamp),
    clientReference: str(body['client-reference']),
    mmsId: str(body['mms-id']),
    to: str(body.to),
    failedMedia: str(body['audio-name']) ?? str(body['video-name']) ?? str(body['image-name']),
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

/**
 * The storage key of a postback: tracking-id, code and timestamp, so that Sinch's retries and duplicates of one
 * notification share it. A body without them is keyed by its content hash (still stored once).
 */
export function postbackKey(postback: Postback, rawBody: string): string {
  if (postback.trackingId && postback.code && postback.timestamp) {
    const natural = `${postback.trackingId}#${postback.code}#${postback.timestamp}`;
    // DynamoDB keys hold at most 2,048 bytes: an oversized one is stored under its hash, still once.
    if (Buffer.byteLength(natural) <= MAX_NATURAL_KEY_BYTES) return natural;
    return `hash#${createHash('sha256').update(natural).digest('hex')}`;
  }
  return `raw#${createHash('sha256').update(rawBody).digest('hex')}`;
}

const MAX_NATURAL_KEY_BYTES = 1024;

/** A postback body larger than this cannot be stored (DynamoDB's 400 KB item limit, with room for the rest). */
export const MAX_POSTBACK_BYTES = 300 * 1024;

export interface PostbackApplication {
  readonly next: MessageState;
  readonly changed: boolean;
  readonly entry: HistoryEntry;
  /** Already applied (a redelivered stream record): nothing to write or publish. */
  readonly duplicate: boolean;
}

/** What a postback does to a message: its new state, whether it changed, and the history entry to append. */
export function applyPostbackToMessage(
  message: MessageRecord,
  postback: Postback,
  ref: string,
  at: string,
): PostbackApplication {
  const duplicate = message.history.some((h) => h.ref === ref);
  const code = postback.code ?? 'unknown';
  const decision = applyPostback(message.state, code);
  const entry: HistoryEntry = {
    at,
    event: 'postback',
    code,
    ref,
    ...(decision.changed ? { state: decision.next } : {}),
    ...(postback.status ? { detail: postback.status } : {}),
    ...(postback.sentAs ? { sentAs: postback.sentAs } : {}),
    ...(postback.timestamp ? { eventTime: postback.timestamp } : {}),
  };
  return { ...decision, entry, duplicate };
}

export const isKnownMessageCode = isMessagePostbackCode;

/** The detail-type of the status events (published by the status publisher, never by the postback path). */
export const STATUS_CHANGED = 'mms.status-changed';
