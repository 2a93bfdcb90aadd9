/**
 * The ports of this capability: what its use cases need from the outside world. Adapters (lambdas/adapters/) implement them.
 */
import type { TeamLimits } from '../pacing/rate-limit';
import type { QuietHours } from '../messages/scheduling';
import type { MediaCheckMode } from '../media/preflight';

/** A team as the authorizer resolved it from its API key. */
export interface Team {
  readonly id: string;
  readonly allowedSenders: readonly string[];
  readonly limits: TeamLimits;
  readonly revoked: boolean;
  /** No message goes out inside these hours (local time), unless a request says `ignore-quiet-hours`. */
  readonly quietHours?: QuietHours;
  /** Media preflight mode (`media-check`); unset = the deployment's default. */
  readonly mediaCheck?: MediaCheckMode;
  /** Days a final message keeps its content and number (`retention-days`, 1–400); unset = 90. */
  readonly retentionDays?: number;
  /** Events carry full numbers instead of masked ones (`full-numbers-in-events`). */
  readonly fullNumbersInEvents?: boolean;
  /** The team's default `validity-period` in seconds (else the account's). */
  readonly validityPeriodSeconds?: number;
}

export interface TeamDirectory {
  /** The team a key hash belongs to, or undefined for an unknown key. */
  findByKeyHash(keyHash: string): Promise<Team | undefined>;
}
