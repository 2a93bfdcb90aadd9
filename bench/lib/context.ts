/** What every benchmark gets from bench/run.ts: its settings, how to report progress, and where to write. */
import { Progress } from './progress';

export interface Flags {
  readonly quick: boolean;
  /** Repetitions of the noisy measurements (accept, postback); medians are taken over them. */
  readonly runs?: number;
  /** Pacing: account limits to measure. */
  readonly tps?: readonly number[];
  /** Pacing: send worker counts to measure. */
  readonly workers?: readonly number[];
  /** Pacing: the simulator's answer latency. */
  readonly latencyMs?: number;
  /** Accept: seconds per autocannon run. */
  readonly durationS?: number;
}

export interface BenchContext {
  readonly flags: Flags;
  /** The command line that reproduces this benchmark's figures. */
  readonly command: string;
  readonly progress: Progress;
  /** Prints a line that stays (warnings, notes). */
  readonly note: (line: string) => void;
}

export interface Benchmark {
  readonly name: string;
  readonly summary: string;
  run(context: BenchContext): Promise<void>;
}

export const createContext = (flags: Flags, command: string): BenchContext => {
  const progress = new Progress();
  return { flags, command, progress, note: (line) => progress.note(line) };
};
