/** Counters, sliding one-second windows (throughput limit and peak rate) and a per-second timeline. */
import type { FaultKind } from './options';
import type { Action } from './validation';
import { ACTIONS } from './validation';

const WINDOW_MS = 1000;
const TIMELINE_SECONDS = 3600;

/**
 * Timestamps of the last second. A timestamp `t` is inside the window at time `now` while `now - t < 1000`,
 * so at most `limit` entries are admitted in any half-open interval of 1000 ms.
 */
export class SlidingWindow {
  private stamps: number[] = [];
  private head = 0;

  private prune(now: number): void {
    while (this.head < this.stamps.length && now - (this.stamps[this.head] ?? now) >= WINDOW_MS)
      this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.stamps.length) {
      this.stamps = this.stamps.slice(this.head);
      this.head = 0;
    }
  }

  count(now: number): number {
    this.prune(now);
    return this.stamps.length - this.head;
  }

  add(now: number): number {
    this.prune(now);
    this.stamps.push(now);
    return this.stamps.length - this.head;
  }

  clear(): void {
    this.stamps = [];
    this.head = 0;
  }
}

/** The throughput limit: per action, at most `tps` admitted requests in any sliding 1 s window. */
export class ThroughputLimiter {
  private readonly windows = new Map<Action, SlidingWindow>(
    ACTIONS.map((action) => [action, new SlidingWindow()]),
  );

  tryAdmit(action: Action, now: number, tps: number, countRejected: boolean): boolean {
    if (!(tps > 0) || !Number.isFinite(tps)) return true;
    const window = this.windows.get(action);
    if (!window) return true;
    if (window.count(now) < tps) {
      window.add(now);
      return true;
    }
    if (countRejected) window.add(now);
    return false;
  }

  clear(): void {
    for (const window of this.windows.values()) window.clear();
  }
}

export interface PostbackStats {
  /** Postbacks whose first delivery attempt was made (duplicate copies included). */
  sent: number;
  /** Postbacks acknowledged with HTTP 200. */
  delivered: number;
  /** Retry attempts made. */
  retried: number;
  /** Postbacks given up after the last retry. */
  failed: number;
  /** Extra copies sent by `duplicatePostbacks`. */
  duplicated: number;
  /** Messages whose final postback was sent before their N101 (`reorderPostbacks`). */
  reordered: number;
  /** Postbacks scheduled or in flight right now. */
  pending: number;
}

export interface SecondStats {
  /** Whole seconds since the simulator started (or since the last reset). */
  second: number;
  /** API requests received in that second. */
  requests: number;
  /** Requests answered with success. */
  accepted: number;
  /** Requests answered with E113. */
  e113: number;
}

export interface SimulatorStats {
  /** API requests received per action (any outcome; a body without a known action counts as `other`). */
  requests: Record<Action | 'other', number>;
  /** All API requests received. */
  total: number;
  /** Requests answered `status: success`. */
  accepted: number;
  /** Requests answered with a validation or template failure (E100, E11x, E2xx, E3xx, E6xx). */
  rejected: number;
  /** E104 answers. */
  unauthorized: number;
  /** E108 answers. */
  invalidJson: number;
  /** E113 answers. */
  e113: number;
  /** Synchronous failures caused by the magic numbers 15550000007 (E110) and 15550000008 (E503). */
  magic: { e110: number; e503: number };
  /** Injected faults, by kind. */
  faults: Record<FaultKind, number>;
  /** Highest number of API requests seen in any sliding 1 s window. */
  maxPerSecond: number;
  /** The same, per action. */
  maxPerSecondByAction: Record<Action, number>;
  postbacks: PostbackStats;
  /** Per-second timeline (last hour), for charts. */
  perSecond: SecondStats[];
}

export type CountedOutcome = 'accepted' | 'rejected' | 'unauthorized' | 'invalidJson' | 'e113';

const zeroFaults = (): Record<FaultKind, number> => ({ e503: 0, http500: 0, http502: 0, slow: 0, drop: 0 });
const zeroActions = (): Record<Action, number> => ({ sendmms: 0, savemms: 0, sendsavedmms: 0 });

export class StatsCollector {
  private requests: Record<Action | 'other', number> = { ...zeroActions(), other: 0 };
  private total = 0;
  private counts: Record<CountedOutcome, number> = {
    accepted: 0,
    rejected: 0,
    unauthorized: 0,
    invalidJson: 0,
    e113: 0,
  };
  private magic = { e110: 0, e503: 0 };
  private faults = zeroFaults();
  private maxPerSecond = 0;
  private maxByAction = zeroActions();
  private readonly allWindow = new SlidingWindow();
  private readonly actionWindows = new Map<Action, SlidingWindow>(
    ACTIONS.map((action) => [action, new SlidingWindow()]),
  );
  private timeline = new Map<number, SecondStats>();
  private epoch: number;

  constructor(private readonly clock: () => number) {
    this.epoch = clock();
  }

  private second(now: number): SecondStats {
    const second = Math.max(0, Math.floor((now - this.epoch) / WINDOW_MS));
    let entry = this.timeline.get(second);
    if (!entry) {
      entry = { second, requests: 0, accepted: 0, e113: 0 };
      this.timeline.set(second, entry);
      if (this.timeline.size > TIMELINE_SECONDS) {
        const oldest = this.timeline.keys().next();
        if (oldest.done !== true) this.timeline.delete(oldest.value);
      }
    }
    return entry;
  }

  /** Every API request, as it arrives (before auth). */
  arrival(action: Action | undefined, now: number): void {
    this.total += 1;
    this.requests[action ?? 'other'] += 1;
    this.second(now).requests += 1;
    this.maxPerSecond = Math.max(this.maxPerSecond, this.allWindow.add(now));
    if (action) {
      const inWindow = this.actionWindows.get(action)?.add(now) ?? 0;
      this.maxByAction[action] = Math.max(this.maxByAction[action], inWindow);
    }
  }

  outcome(outcome: CountedOutcome, now: number): void {
    this.counts[outcome] += 1;
    if (outcome === 'accepted') this.second(now).accepted += 1;
    if (outcome === 'e113') this.second(now).e113 += 1;
  }

  fault(kind: FaultKind): void {
    this.faults[kind] += 1;
  }

  magicFailure(code: 'e110' | 'e503'): void {
    this.magic[code] += 1;
  }

  snapshot(postbacks: PostbackStats): SimulatorStats {
    return {
      requests: { ...this.requests },
      total: this.total,
      ...this.counts,
      magic: { ...this.magic },
      faults: { ...this.faults },
      maxPerSecond: this.maxPerSecond,
      maxPerSecondByAction: { ...this.maxByAction },
      postbacks,
      perSecond: [...this.timeline.values()]
        .map((entry) => ({ ...entry }))
        .sort((a, b) => a.second - b.second),
    };
  }

  reset(): void {
    this.requests = { ...zeroActions(), other: 0 };
    this.total = 0;
    this.counts = { accepted: 0, rejected: 0, unauthorized: 0, invalidJson: 0, e113: 0 };
    this.magic = { e110: 0, e503: 0 };
    this.faults = zeroFaults();
    this.maxPerSecond = 0;
    this.maxByAction = zeroActions();
    this.allWindow.clear();
    for (const window of this.actionWindows.values()) window.clear();
    this.timeline = new Map();
    this.epoch = this.clock();
  }
}
