/**
 * The ports of this capability: what its use cases need from the outside world. Adapters (lambdas/adapters/) implement them.
 */
import type { SendRequest } from '../sinch/mms';
import type { MessageState, TemplateState } from './state-machine';

export interface HistoryEntry {
  readonly at: string;
  /** What happened: accepted, queued, attempt, retry, submitted, postback, failed, dead-lettered, swept... */
  readonly event: string;
  readonly state?: MessageState | TemplateState;
  readonly code?: string;
  readonly detail?: string;
  readonly sentAs?: string;
  /** When the event itself happened upstream (postback timestamp). */
  readonly eventTime?: string;
  /** Reference of the raw record (postback key) this entry came from. */
  readonly ref?: string;
}

export interface MessageRecord {
  readonly id: string;
  readonly teamId: string;
  readonly request: SendRequest;
  readonly state: MessageState;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly attempts: number;
  readonly clientReference?: string;
  readonly groupId?: string;
  /** When a scheduled message goes out (ISO 8601, UTC). */
  readonly sendAt?: string;
  /** Not sent after this (ISO 8601): its validity period from the intended send time. */
  readonly validUntil?: string;
  /** The recurring send (`sch_…`) whose firing made this message. */
  readonly scheduleId?: string;
  readonly sinchTrackingId?: string;
  readonly lastErrorCode?: string;
  readonly lastErrorInfo?: string;
  readonly history: readonly HistoryEntry[];
  /** When the retention of its content ends (privacy/retention.ts); set at accept. */
  readonly redactAfter?: string;
  /** Set once its content and numbers were redacted or erased. */
  readonly redactedAt?: string;
  /** Its events carry the full number (the team's `full-numbers-in-events`). */
  readonly fullNumbersInEvents?: boolean;
}

export interface StateChange {
  readonly state: MessageState;
  readonly history: HistoryEntry;
  readonly sendAt?: string;
  readonly attempts?: number;
  readonly sinchTrackingId?: string;
  readonly lastErrorCode?: string;
  readonly lastErrorInfo?: string;
}

export interface MessageRepository {
  /** Stores a new message; false (and nothing written) when a message with this id exists already. */
  create(message: MessageRecord): Promise<boolean>;
  get(id: string): Promise<MessageRecord | undefined>;
  findByClientReference(teamId: string, clientReference: string): Promise<MessageRecord[]>;
  findBySinchTrackingId(sinchTrackingId: string): Promise<MessageRecord | undefined>;
  /**
   * Conditional write: applies `change` only if the message is still in `expected.state` with
   * `expected.attempts` attempts. Returns false when someone else moved it first.
   */
  transition(
    id: string,
    expected: { state: MessageState; attempts: number },
    change: StateChange,
  ): Promise<boolean>;
  /** Messages still waiting for a final state, created before `beforeIso`, oldest first. */
  listOpen(beforeIso: string, limit: number): Promise<MessageRecord[]>;
  /** Appends to the history without changing the state. */
  appendHistory(id: string, entry: HistoryEntry): Promise<void>;
}

export interface SendQueue {
  /** Enqueues a message for the send workers. */
  enqueue(messageId: string, delaySeconds?: number): Promise<void>;
  /** Queues the message again, delivered after `seconds` (retry with back-off; at most 900 s). */
  retryLater(messageId: string, seconds: number): Promise<void>;
  /** Moves a message that exhausted its attempts to the dead-letter queue. */
  deadLetter(messageId: string, reason: string): Promise<void>;
}

export type IdempotencyClaim =
  | { readonly status: 'new' }
  | { readonly status: 'replay'; readonly response: StoredResponse }
  | { readonly status: 'conflict' }
  | { readonly status: 'in-progress' };

export interface StoredResponse {
  readonly statusCode: number;
  readonly body: unknown;
}

export interface IdempotencyStore {
  /** Claims `key` for `requestHash`, or tells what a previous request with this key got. */
  claim(teamId: string, key: string, requestHash: string, now: Date): Promise<IdempotencyClaim>;
  complete(teamId: string, key: string, response: StoredResponse): Promise<void>;
  /** Frees a claim whose request failed without effect, so a retry can run. */
  release(teamId: string, key: string): Promise<void>;
}

/** A one-time schedule per scheduled message, named after it. */
export interface MessageScheduler {
  /** Creates the schedule that puts `messageId` on the send queue at `at`. */
  schedule(messageId: string, at: Date): Promise<void>;
  /** Moves the schedule to `at`. */
  reschedule(messageId: string, at: Date): Promise<void>;
  /** Deletes the schedule; a schedule already gone (fired, deleted) is not an error. */
  cancel(messageId: string): Promise<void>;
}
