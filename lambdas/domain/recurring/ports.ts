/**
 * The ports of this capability: what its use cases need from the outside world. Adapters (lambdas/adapters/) implement them.
 */

export type RecurringState = 'enabled' | 'paused';

/** What the last firing did. */
export interface FiringSummary {
  /** The occurrence's planned time (Scheduler's `scheduled-time`). */
  readonly scheduledTime: string;
  readonly firedAt: string;
  readonly accepted: number;
  readonly rejected: number;
  /** The first rejections (at most 10): recipient and Sinch-shaped code. */
  readonly errors: ReadonlyArray<{ readonly to: string; readonly code: string; readonly info: string }>;
}

export interface RecurringSchedule {
  readonly id: string;
  readonly teamId: string;
  readonly name?: string;
  /** `cron(…)` or `rate(…)`, as EventBridge Scheduler reads it. */
  readonly expression: string;
  /** IANA time zone the expression is read in. */
  readonly timeZone: string;
  readonly recipients: readonly string[];
  /** The Sinch body (sendmms or sendsavedmms) without `to`; may hold `ignore-quiet-hours`. */
  readonly message: Readonly<Record<string, unknown>>;
  readonly state: RecurringState;
  /** Hash of the creating request, to answer a retried creation with the same Idempotency-Key. */
  readonly requestHash: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly firings: number;
  readonly lastFiring?: FiringSummary;
}

export interface RecurringRepository {
  /** Creates the schedule; false when one with this id exists already. */
  create(schedule: RecurringSchedule): Promise<boolean>;
  get(id: string): Promise<RecurringSchedule | undefined>;
  listByTeam(teamId: string): Promise<RecurringSchedule[]>;
  /** How many schedules the team has (without reading them). */
  countByTeam(teamId: string): Promise<number>;
  /** Sets the state if the schedule exists; returns the updated schedule, undefined if gone. */
  setState(id: string, state: RecurringState, at: string): Promise<RecurringSchedule | undefined>;
  /** Records a firing unless a later occurrence is recorded already. */
  recordFiring(id: string, summary: FiringSummary): Promise<void>;
  delete(id: string): Promise<void>;
}

/** The recurring schedules in the scheduler (EventBridge Scheduler), one per recurring send. */
export interface RecurringScheduler {
  /** Creates (or, when it exists, updates) the schedule that fires `id`. */
  upsert(schedule: Pick<RecurringSchedule, 'id' | 'expression' | 'timeZone' | 'state'>): Promise<void>;
  /** Deletes it; a schedule already gone is not an error. */
  delete(id: string): Promise<void>;
}
