/**
 * The ports the use cases depend on. Adapters (lambdas/adapters/) implement them with DynamoDB, SQS,
 * Secrets Manager, EventBridge and HTTP; tests and the local runtime use the same adapters against emulators.
 */
import type { SendRequest } from './mms';
import type { MessageState, TemplateState } from './status';
import type { SinchOutcome } from './outcome';
import type { TeamLimits } from './rate-limit';
import type { QuietHours } from './scheduling';

/** A team as the authorizer resolved it from its API key. */
export interface Team {
  readonly id: string;
  readonly allowedSenders: readonly string[];
  readonly limits: TeamLimits;
  readonly revoked: boolean;
  /** No message goes out inside these hours (local time), unless a request says `ignore-quiet-hours`. */
  readonly quietHours?: QuietHours;
}

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
  readonly sinchTrackingId?: string;
  readonly lastErrorCode?: string;
  readonly lastErrorInfo?: string;
  readonly history: readonly HistoryEntry[];
}

/** What the open-by-age index holds of a message: enough for a conditional state write. */
export type OpenMessage = Pick<MessageRecord, 'id' | 'state' | 'attempts' | 'createdAt'>;

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
  /** Messages still waiting for a final state, created before `beforeIso`, oldest first (what the sweep needs). */
  listOpen(beforeIso: string, limit: number): Promise<OpenMessage[]>;
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

export type UsageDecision =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly code: 'GW-RATE-LIMITED' | 'GW-QUOTA-EXCEEDED';
      readonly retryAfterSeconds: number;
    };

export interface UsageLimiter {
  /** Counts `messages` against the team's per-second and per-day limits. */
  consume(team: Team, messages: number, now: Date): Promise<UsageDecision>;
}

export interface SinchApi {
  /** Sends one Sinch JSON body and classifies the answer. */
  submit(body: Record<string, unknown>, apiKey: string): Promise<SinchOutcome>;
}

export interface SecretProvider {
  /** The Sinch account API key; `forceRefresh` re-reads it (after an E104). */
  sinchApiKey(options?: { forceRefresh?: boolean }): Promise<string>;
}

export interface SendPacer {
  /** Reserves the next send slot of the account-wide bucket. */
  reserve(nowMs: number): Promise<{ ok: true; sendAtMs: number } | { ok: false; retryAfterMs: number }>;
}

export interface Clock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

export interface IdGenerator {
  messageId(): string;
}
