/**
 * What one pacing run measured, from the simulator's request log (arrival times and outcomes of every send
 * request). The steady state is the stretch between the 10th and the 90th percentile of the accepted
 * requests' arrival times: it leaves out the ramp (first polls, cold code paths) and the tail (the last
 * messages, retries), and it scales with the run, so short and long runs are measured the same way.
 */
import type { LoggedRequest } from '../hosts/gateway-host';

export interface SteadyState {
  /** Seconds from the run's start (send workers started). */
  readonly fromS: number;
  readonly toS: number;
  /** Accepted requests per second: the useful send rate. */
  readonly acceptedPerS: number;
  /** All send requests per second (accepted + E113 + anything else). */
  readonly requestsPerS: number;
  /** acceptedPerS ÷ the account limit. */
  readonly ratio: number;
  readonly e113Share: number;
}

export interface SecondBin {
  readonly second: number;
  readonly requests: number;
  readonly accepted: number;
  readonly e113: number;
}

export interface RunAnalysis {
  readonly requests: number;
  readonly accepted: number;
  readonly e113: number;
  /** E113 answers ÷ all send requests of the run. */
  readonly e113Share: number;
  readonly steady: SteadyState | null;
  /** Most send requests in any sliding 1 s window (what the simulator's limit looks at). */
  readonly peakPerSlidingSecond: number;
  readonly perSecond: SecondBin[];
}

const isE113 = (r: LoggedRequest) => r[1] === 'throttled' || r[2] === 'E113';

export function peakSlidingWindow(times: readonly number[], windowMs = 1000): number {
  let peak = 0;
  let start = 0;
  for (let end = 0; end < times.length; end += 1) {
    while ((times[end] ?? 0) - (times[start] ?? 0) >= windowMs) start += 1;
    peak = Math.max(peak, end - start + 1);
  }
  return peak;
}

export function analyseRun(
  log: readonly LoggedRequest[],
  { startMs, tps }: { startMs: number; tps: number },
): RunAnalysis {
  const requests = [...log].sort((a, b) => a[0] - b[0]);
  const accepted = requests.filter((r) => r[1] === 'accepted').map((r) => r[0]);
  const e113 = requests.filter(isE113).length;

  let steady: SteadyState | null = null;
  if (accepted.length >= 20) {
    const i10 = Math.floor(accepted.length * 0.1);
    const i90 = Math.ceil(accepted.length * 0.9) - 1;
    const from = accepted[i10] ?? 0;
    const to = accepted[i90] ?? 0;
    const seconds = (to - from) / 1000;
    if (seconds > 0) {
      const inWindow = requests.filter((r) => r[0] >= from && r[0] <= to);
      const acceptedPerS = (i90 - i10) / seconds;
      steady = {
        fromS: (from - startMs) / 1000,
        toS: (to - startMs) / 1000,
        acceptedPerS,
        requestsPerS: inWindow.length / seconds,
        ratio: acceptedPerS / tps,
        e113Share: inWindow.length === 0 ? 0 : inWindow.filter(isE113).length / inWindow.length,
      };
    }
  }

  const bins = new Map<number, { requests: number; accepted: number; e113: number }>();
  for (const r of requests) {
    const second = Math.max(0, Math.floor((r[0] - startMs) / 1000));
    const bin = bins.get(second) ?? { requests: 0, accepted: 0, e113: 0 };
    bin.requests += 1;
    if (r[1] === 'accepted') bin.accepted += 1;
    if (isE113(r)) bin.e113 += 1;
    bins.set(second, bin);
  }
  const last = Math.max(-1, ...bins.keys());
  const perSecond: SecondBin[] = Array.from({ length: last + 1 }, (_, second) => ({
    second,
    ...(bins.get(second) ?? { requests: 0, accepted: 0, e113: 0 }),
  }));

  return {
    requests: requests.length,
    accepted: accepted.length,
    e113,
    e113Share: requests.length === 0 ? 0 : e113 / requests.length,
    steady,
    peakPerSlidingSecond: peakSlidingWindow(requests.map((r) => r[0])),
    perSecond,
  };
}
