import { describe, expect, it } from 'vitest';
import {
  batchPacer,
  emissionIntervalMs,
  maxLatenessMs,
  reserveSlot,
  teamWindows,
  type PacerSettings,
} from '../../lambdas/domain/pacing/rate-limit';
import type { BlockPacer } from '../../lambdas/domain/pacing/ports';

const settings: PacerSettings = { accountTps: 10, safetyFactor: 0.9, burst: 1, maxWaitMs: 2000 };

describe('reserveSlot (GCRA)', () => {
  it('spaces sends evenly at the account TPS times the safety factor', () => {
    expect(emissionIntervalMs(settings)).toBeCloseTo(111.11, 1);
    let tat: number | undefined;
    const sendTimes: number[] = [];
    for (let i = 0; i < 10; i += 1) {
      const slot = reserveSlot(tat, 1000, settings);
      if (!slot.ok) throw new Error('unexpected refusal');
      sendTimes.push(slot.sendAtMs);
      tat = slot.newTatMs;
    }
    const gaps = sendTimes.slice(1).map((t, i) => t - (sendTimes[i] ?? 0));
    for (const gap of gaps) expect(gap).toBeCloseTo(111.11, 1);
  });

  it('never puts more than the account TPS into any one-second window', () => {
    let tat: number | undefined;
    const times: number[] = [];
    for (let now = 0; times.length < 200; now += 7) {
      const slot = reserveSlot(tat, now, settings);
      if (slot.ok) {
        times.push(slot.sendAtMs);
        tat = slot.newTatMs;
      }
    }
    for (const start of times) {
      expect(times.filter((t) => t >= start && t < start + 1000).length).toBeLessThanOrEqual(
        settings.accountTps,
      );
    }
  });

  it('refuses a slot beyond the longest wait, with a retry hint', () => {
    const slot = reserveSlot(10_000, 1000, settings);
    expect(slot.ok).toBe(false);
    if (!slot.ok) expect(slot.retryAfterMs).toBeGreaterThan(7000);
  });

  it('an idle bucket sends at once', () => {
    const slot = reserveSlot(500, 1000, settings);
    expect(slot).toMatchObject({ ok: true, sendAtMs: 1000 });
  });

  it('a burst allowance lets that many go back to back after idling', () => {
    const bursty = { ...settings, burst: 3 };
    let tat: number | undefined = 0;
    const sends: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const slot = reserveSlot(tat, 5000, bursty);
      if (!slot.ok) throw new Error('refused');
      sends.push(slot.sendAtMs);
      tat = slot.newTatMs;
    }
    expect(sends).toEqual([5000, 5000, 5000]);
    const fourth = reserveSlot(tat, 5000, bursty);
    expect(fourth.ok && fourth.sendAtMs).toBeGreaterThan(5000);
  });
});

describe('block reservations', () => {
  it('reserveSlot with a count books that many consecutive slots, all within the longest wait', () => {
    const block = reserveSlot(1000, 1000, settings, 5);
    expect(block).toMatchObject({ ok: true, sendAtMs: 1000 });
    if (block.ok) expect(block.newTatMs).toBeCloseTo(1000 + 5 * 111.11, 1);
    // The same slots as five single reservations.
    let tat: number | undefined = 1000;
    for (let i = 0; i < 5; i += 1) {
      const one = reserveSlot(tat, 1000, settings);
      if (!one.ok) throw new Error('refused');
      tat = one.newTatMs;
    }
    expect(block.ok && block.newTatMs).toBeCloseTo(tat, 6);
    // 2,000 ms of wait allows the 19th slot (at 2,000 ms) but not a 20th.
    expect(reserveSlot(1000, 1000, settings, 19).ok).toBe(true);
    expect(reserveSlot(1000, 1000, settings, 20).ok).toBe(false);
  });

  const fakePacer = (blockOk = true) => {
    const calls: string[] = [];
    let single = 5000;
    const pacer: BlockPacer = {
      reserve: () => {
        calls.push('one');
        single += 100;
        return Promise.resolve({ ok: true, sendAtMs: single });
      },
      reserveBlock: (_now, count) => {
        calls.push(`block ${count}`);
        return Promise.resolve(
          blockOk ? { ok: true, sendAtMs: 1000, intervalMs: 20, count } : { ok: false, retryAfterMs: 500 },
        );
      },
    };
    return { pacer, calls };
  };

  it('batchPacer books one block for the batch and hands its slots out in the order asked, then one by one', async () => {
    const { pacer, calls } = fakePacer();
    const batch = batchPacer(pacer, 3);
    const slots = await Promise.all([0, 1, 2, 3].map(() => batch.reserve(0)));
    expect(slots.map((s) => s.ok && s.sendAtMs)).toEqual([1000, 1020, 1040, 5100]);
    expect(calls).toEqual(['block 3', 'one']);
  });

  it('batchPacer falls back to single slots when the bucket cannot take the whole block', async () => {
    const { pacer, calls } = fakePacer(false);
    const batch = batchPacer(pacer, 4);
    await batch.reserve(0);
    await batch.reserve(0);
    expect(calls).toEqual(['block 4', 'one', 'one']);
  });

  it('a batch of one asks for one slot', async () => {
    const { pacer, calls } = fakePacer();
    await batchPacer(pacer, 1).reserve(0);
    expect(calls).toEqual(['one']);
  });
});

describe('teamWindows', () => {
  it('names the second and the UTC day, with when each ends', () => {
    const w = teamWindows('t1', Date.parse('2026-11-25T23:59:59.500Z'));
    expect(w.second.key).toBe(`rate#t1#${Math.floor(Date.parse('2026-11-25T23:59:59.500Z') / 1000)}`);
    expect(w.second.endsAtMs).toBe(Date.parse('2026-11-26T00:00:00.000Z'));
    expect(w.day.key).toBe('quota#t1#2026-11-25');
    expect(w.day.endsAtMs).toBe(Date.parse('2026-11-26T00:00:00.000Z'));
  });
});

describe('maxLatenessMs', () => {
  it('leaves every second within the limit when each send is late by up to the whole budget, at any TPS', () => {
    for (const accountTps of [5, 10, 50, 100]) {
      const s: PacerSettings = { accountTps, safetyFactor: 0.9, burst: 1, maxWaitMs: 60_000 };
      const budget = maxLatenessMs(s) * 4; // wake-up lateness plus the trip to Sinch
      expect(budget).toBeCloseTo(111.1, 0);
      let tat: number | undefined;
      const arrivals: number[] = [];
      for (let i = 0; i < accountTps * 20; i += 1) {
        const slot = reserveSlot(tat, 0, s);
        if (!slot.ok) throw new Error('refused');
        tat = slot.newTatMs;
        // Worst case: alternate sends exactly on time and as late as the budget allows.
        arrivals.push(slot.sendAtMs + (i % 2 === 0 ? budget - 0.001 : 0));
      }
      arrivals.sort((a, b) => a - b);
      for (const start of arrivals) {
        expect(arrivals.filter((t) => t >= start && t < start + 1000).length).toBeLessThanOrEqual(accountTps);
      }
    }
  });
});
