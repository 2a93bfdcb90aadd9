/**
 * The adaptive share of the account limit the send bucket aims for: additive increase, multiplicative decrease
 * (AIMD) on E113, between the configured safety factor (the floor) and a ceiling near the limit.
 *
 * A fresh bucket starts at the ceiling, so a backlog goes out near the limit from the first second. An E113 means
 * Sinch counted more than the limit in some second (jitter bunched sends, or another client shares the account):
 * the share drops to `decrease` × its current value, never below the floor, and then climbs back by
 * `increasePerSecond` per second. E113s within `cooldownMs` of a decrease belong to the same burst and do not
 * decrease it again (every worker that sees one reports it).
 *
 * The state is two numbers kept on the bucket item (`factor` set at `atMs`); the current share is a pure function
 * of them and the time, so no write is needed while it climbs.
 */

export interface AimdSettings {
  /** Lowest share of the limit: the configured TPS_SAFETY_FACTOR. */
  readonly floor: number;
  /** Highest share of the limit, where a fresh bucket starts. */
  readonly ceiling: number;
  /** Multiplier applied on an E113 (0 < decrease < 1). */
  readonly decrease: number;
  /** Share regained per second without E113. */
  readonly increasePerSecond: number;
  /** E113s this soon after a decrease do not decrease again. */
  readonly cooldownMs: number;
}

/** The share `factor` was set at `atMs` (the last decrease). */
export interface AimdState {
  readonly factor: number;
  readonly atMs: number;
}

export const DEFAULT_AIMD = {
  ceiling: 0.98,
  decrease: 0.9,
  increasePerSecond: 0.01,
  cooldownMs: 1000,
} as const satisfies Omit<AimdSettings, 'floor'>;

/** Settings with the ceiling never below the floor. */
export function aimdSettings(floor: number, ceiling: number = DEFAULT_AIMD.ceiling): AimdSettings {
  return { ...DEFAULT_AIMD, floor, ceiling: Math.max(floor, ceiling) };
}

const clamp = (value: number, s: AimdSettings) => Math.min(s.ceiling, Math.max(s.floor, value));

/** The share of the limit to pace at, at `nowMs`. */
export function currentFactor(state: AimdState | undefined, nowMs: number, s: AimdSettings): number {
  if (state === undefined) return s.ceiling;
  const climbed = state.factor + (s.increasePerSecond * Math.max(0, nowMs - state.atMs)) / 1000;
  return clamp(climbed, s);
}

/** The state after an E113 at `nowMs`, or undefined when it belongs to the burst of the last decrease. */
export function afterThrottle(
  state: AimdState | undefined,
  nowMs: number,
  s: AimdSettings,
): AimdState | undefined {
  if (state !== undefined && nowMs - state.atMs < s.cooldownMs) return undefined;
  return { factor: clamp(currentFactor(state, nowMs, s) * s.decrease, s), atMs: nowMs };
}
