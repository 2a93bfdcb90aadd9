/**
 * Pacing maths for the shared send bucket: the generic cell rate algorithm (GCRA), the virtual-scheduling
 * form of a token bucket. State is one number, the theoretical arrival time (TAT) of the next request.
 *
 * Each sender reserves the next free slot with one conditional write and then waits in process until its slot
 * starts, so N concurrent workers together send at exactly `rate` per second, spread evenly inside each second
 * (not in bursts at whole seconds), and a slot is never used twice.
 */
import type { BlockPacer, BlockReservation } from './ports';

export interface PacerSettings {
  /** The Sinch account's throughput limit (requests per second). */
  readonly accountTps: number;
  /** Fraction of the limit the gateway aims for, leaving headroom for clock skew and latency jitter. */
  readonly safetyFactor: number;
  /** Requests that may go out back to back after an idle period (1 = strictly spaced). */
  readonly burst: number;
  /** Longest wait a worker accepts for a reserved slot; beyond it, it gives the message back to the queue. */
  readonly maxWaitMs: number;
}

/** Spacing between two sends, in milliseconds. */
export const emissionIntervalMs = (s: PacerSettings): number => 1000 / (s.accountTps * s.safetyFactor);

/**
 * How late a worker may wake up for its slot and still send. Slots are spaced 1 / (TPS × factor) apart, so a send
 * late by L keeps every one-second window at or under the limit while L < 1000 / factor − 1000 ms (111 ms at 0.9),
 * whatever the TPS. A quarter of that budget goes to waking up; the rest is left for the trip to Sinch.
 */
export const maxLatenessMs = (s: PacerSettings): number => (1000 / s.safetyFactor - 1000) / 4;

export type Reservation =
  | { readonly ok: true; readonly sendAtMs: number; readonly newTatMs: number }
  | { readonly ok: false; readonly retryAfterMs: number };

/**
 * Reserves the next `count` consecutive slots (default 1) given the stored TAT (undefined = never used) at time
 * `nowMs`. The first slot starts at `sendAtMs` (≥ now), the others one emission interval apart; all of them must
 * start within the longest wait. The caller must store `newTatMs` with a conditional write on the old TAT.
 */
export function reserveSlot(
  tatMs: number | undefined,
  nowMs: number,
  s: PacerSettings,
  count = 1,
): Reservation {
  const interval = emissionIntervalMs(s);
  const tolerance = interval * (Math.max(1, s.burst) - 1);
  const tat = Math.max(tatMs ?? nowMs, nowMs);
  const sendAtMs = Math.max(nowMs, tat - tolerance);
  const waitMs = sendAtMs + (count - 1) * interval - nowMs;
  if (waitMs > s.maxWaitMs) return { ok: false, retryAfterMs: Math.ceil(waitMs - s.maxWaitMs + interval) };
  return { ok: true, sendAtMs, newTatMs: tat + count * interval };
}

/**
 * The pacer of one batch of `count` records: the first record that asks books a block of `count` slots with one
 * write, and the records take its slots in the order they ask; once the block is used up, or when the bucket is
 * booked too far ahead for a whole block, each asks for one slot as before. The records of a batch ask at the
 * same moment, so a block saves `count − 1` writes and the contention of `count` writers on one item (an idle
 * bucket made each of them read it and race to restart it). A slot a record does not use (it turned out to be
 * sent already) is capacity lost, as it was before.
 */
export function batchPacer(
  pacer: BlockPacer,
  count: number,
): {
  reserve(nowMs: number): Promise<{ ok: true; sendAtMs: number } | { ok: false; retryAfterMs: number }>;
} {
  let block: Promise<BlockReservation> | undefined;
  let taken = 0;
  return {
    async reserve(nowMs) {
      if (count > 1) {
        block ??= pacer.reserveBlock(nowMs, count);
        const booked = await block;
        if (booked.ok && taken < booked.count) {
          const index = taken;
          taken += 1;
          return { ok: true, sendAtMs: booked.sendAtMs + index * booked.intervalMs };
        }
      }
      return pacer.reserve(nowMs);
    },
  };
}

/** Per-team limits of the ingest API: requests per second and messages per UTC day. */
export interface TeamLimits {
  readonly perSecond: number;
  readonly perDay: number;
}

/** Counter keys for a team's per-second and per-day windows at `nowMs`, with when each window ends. */
export function teamWindows(teamId: string, nowMs: number) {
  const second = Math.floor(nowMs / 1000);
  const day = new Date(nowMs).toISOString().slice(0, 10);
  const dayEndsMs = Date.parse(`${day}T00:00:00.000Z`) + 86_400_000;
  return {
    second: { key: `rate#${teamId}#${second}`, endsAtMs: (second + 1) * 1000 },
    day: { key: `quota#${teamId}#${day}`, endsAtMs: dayEndsMs },
  };
}
