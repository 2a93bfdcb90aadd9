/**
 * The ports of this capability: what its use cases need from the outside world. Adapters (lambdas/adapters/) implement them.
 */
import type { Team } from '../teams/ports';

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
  /** What `consume` would decide, without counting anything (dry runs). */
  check(team: Team, messages: number, now: Date): Promise<UsageDecision>;
}

export interface SendPacer {
  /** Reserves the next send slot of the account-wide bucket. */
  reserve(nowMs: number): Promise<{ ok: true; sendAtMs: number } | { ok: false; retryAfterMs: number }>;
}

/** A block of consecutive send slots: the first at `sendAtMs`, then one every `intervalMs`. */
export type BlockReservation =
  | { readonly ok: true; readonly sendAtMs: number; readonly intervalMs: number; readonly count: number }
  | { readonly ok: false; readonly retryAfterMs: number };

/** What can reserve several consecutive slots of the shared bucket at once (one write instead of one each). */
export interface BlockPacer {
  reserve(nowMs: number): Promise<{ ok: true; sendAtMs: number } | { ok: false; retryAfterMs: number }>;
  reserveBlock(nowMs: number, count: number): Promise<BlockReservation>;
}
