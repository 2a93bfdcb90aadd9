/**
 * A local stand-in for the Sinch MMS JSON API (`POST /ep/v2/`), for `npm start`, the integration tests and the
 * benchmarks. Its validation is its own (docs/decisions/0002-independent-simulator-validation.md): it must not
 * import from lambdas/. Documentation: docs/sinch-simulator.md.
 */
import type { PublicSimulatorOptions, SimulatorOptions, SimulatorOptionsInput } from './options';
import type { RecordedRequest } from './request-log';
import type { SimulatorStartOptions } from './server';
import { HOST, SimulatorServer } from './server';
import type { SimulatorStats } from './stats';

export type {
  FaultKind,
  MmsIdMode,
  PostbackDelays,
  PublicSimulatorOptions,
  SimulatorFaults,
  SimulatorOptions,
  SimulatorOptionsInput,
  StatusCasing,
} from './options';
export { DEFAULT_OPTIONS, SimulatorConfigError } from './options';
export type { Outcome } from './api';
export { MAGIC } from './api';
export type { PublicRecordedRequest, RecordedRequest } from './request-log';
export type { SimulatorStartOptions } from './server';
export type { PostbackStats, SecondStats, SimulatorStats } from './stats';

export interface SinchSimulator {
  /** Base URL of the API, e.g. `http://127.0.0.1:PORT/ep/v2/`. */
  url: string;
  /** `http://127.0.0.1:PORT`, where the `/_sim/*` control endpoints live. */
  origin: string;
  port: number;
  stats(): SimulatorStats;
  /** Changes options at run time (not `port`); throws SimulatorConfigError and changes nothing on a bad value. */
  configure(patch: SimulatorOptionsInput): void;
  /** The effective options, api key included. */
  options(): SimulatorOptions;
  /** The effective options without the api key (what `GET /_sim/config` serves). */
  publicOptions(): PublicSimulatorOptions;
  /** Every API request received since start or the last reset (bounded by `requestLogLimit`). */
  requests(): RecordedRequest[];
  /** Clears stats, the request log, the throughput windows and the 15550000008 counter. */
  resetStats(): void;
  /** Closes all sockets and cancels every pending answer, postback and timer. Idempotent. */
  stop(): Promise<void>;
}

export async function startSinchSimulator(options: SimulatorStartOptions = {}): Promise<SinchSimulator> {
  const simulator = new SimulatorServer(options);
  const port = await simulator.listen();
  const origin = `http://${HOST}:${port}`;
  return {
    url: `${origin}/ep/v2/`,
    origin,
    port,
    stats: () => simulator.stats(),
    configure: (patch) => simulator.configure(patch),
    options: () => simulator.options(),
    publicOptions: () => simulator.publicOptions(),
    requests: () => simulator.requests(),
    resetStats: () => simulator.resetStats(),
    stop: () => simulator.stop(),
  };
}
