import { describe, expect, it } from 'vitest';
import {
  afterThrottle,
  aimdSettings,
  currentFactor,
  type AimdState,
} from '../../lambdas/domain/pacing/adaptive';

const s = aimdSettings(0.9, 0.98);

describe('adaptive share of the account limit (AIMD)', () => {
  it('starts a fresh bucket at the ceiling, not at the safety factor', () => {
    expect(currentFactor(undefined, 0, s)).toBe(0.98);
  });

  it('never lets the ceiling fall below the configured floor', () => {
    const fixed = aimdSettings(0.95, 0.9);
    expect(fixed.ceiling).toBe(0.95);
    expect(currentFactor(undefined, 0, fixed)).toBe(0.95);
    expect(currentFactor(afterThrottle(undefined, 0, fixed), 10, fixed)).toBe(0.95);
  });

  it('decreases multiplicatively on an E113 and climbs back additively with time', () => {
    const wide = aimdSettings(0.5, 1);
    const down = afterThrottle(undefined, 10_000, wide);
    expect(down?.factor).toBeCloseTo(0.9, 10);
    expect(currentFactor(down, 12_000, wide)).toBeCloseTo(0.92, 10);
    // With the floor at 0.9, 0.98 × 0.9 = 0.882 stops at the floor.
    expect(afterThrottle(undefined, 10_000, s)?.factor).toBe(0.9);
    expect(currentFactor({ factor: 0.92, atMs: 0 }, 3_000, s)).toBeCloseTo(0.95, 10);
    expect(currentFactor({ factor: 0.92, atMs: 0 }, 60_000, s)).toBe(0.98);
  });

  it('uses the configured factor as a floor, however many E113s come', () => {
    let state: AimdState | undefined;
    for (let t = 0; t < 20_000; t += 1_500) state = afterThrottle(state, t, s) ?? state;
    expect(state?.factor).toBe(0.9);
    expect(currentFactor(state, 20_000, s)).toBeGreaterThanOrEqual(0.9);
  });

  it('counts the E113s of one burst once (cooldown), and the next burst again', () => {
    const first = afterThrottle({ factor: 0.98, atMs: 0 }, 5_000, s);
    expect(first).toEqual({ factor: 0.9, atMs: 5_000 });
    expect(afterThrottle(first, 5_400, s)).toBeUndefined();
    const wide = aimdSettings(0.5, 1);
    const a = afterThrottle(undefined, 0, wide);
    const b = afterThrottle(a, 999, wide);
    const c = afterThrottle(a, 1_000, wide);
    expect(b).toBeUndefined();
    expect(c?.factor).toBeCloseTo((0.9 + 0.01) * 0.9, 10);
  });

  it('decreases from the share reached by climbing, not from the share at the last decrease', () => {
    const wide = aimdSettings(0.5, 1);
    const next = afterThrottle({ factor: 0.6, atMs: 0 }, 10_000, wide);
    expect(next?.factor).toBeCloseTo(0.7 * 0.9, 10);
  });
});
