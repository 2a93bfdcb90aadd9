/**
 * Options of the Sinch simulator: their types, defaults, and the one function that checks a patch and merges it
 * into the effective options (used at start, by `configure()` and by `POST /_sim/config`).
 */
import { randomInt } from 'node:crypto';

export type StatusCasing = 'lower' | 'capitalized';
export type MmsIdMode = 'sync' | 'postback';
export type FaultKind = 'e503' | 'http500' | 'http502' | 'slow' | 'drop';

/** Order in which fault bands are laid on the unit interval (see `pickFault`). */
export const FAULT_KINDS: readonly FaultKind[] = ['drop', 'http502', 'http500', 'e503', 'slow'];

/** Rate (0..1) of each injected fault, applied to requests that passed auth, JSON parsing and the throughput limit. */
export interface SimulatorFaults {
  /** Answer `{status: failure, error-code: E503}` (HTTP 200); the request is not processed. */
  e503: number;
  /** Answer HTTP 500 with an HTML body; the request is not processed. */
  http500: number;
  /** Answer HTTP 502 with an HTML body (a load balancer's answer); the request is not processed. */
  http502: number;
  /** Process the request normally but answer only after `slowMs`. */
  slow: number;
  /** Destroy the socket without answering; the request is not processed. */
  drop: number;
}

export interface PostbackDelays {
  /** Delay from acceptance to the N101 postback. */
  sentMs: number;
  /** Delay from acceptance to the final postback (N102, N202, E101, E102, N103). */
  finalMs: number;
}

export interface SimulatorOptions {
  /** Port on 127.0.0.1; 0 = a free port. Fixed at start. */
  port: number;
  /** Expected value of the `x-api-key` header. Never echoed by the control endpoints. */
  apiKey: string;
  /** Requests per second per action (sliding 1 s window); 0 = unlimited. */
  tps: number;
  /** When true, requests rejected with E113 also occupy the throughput window (stricter; default false). */
  countThrottledRequests: boolean;
  statusCasing: StatusCasing;
  /** Base latency added to every API answer. */
  latencyMs: number;
  /** Extra delay of an answer hit by the `slow` fault. */
  slowMs: number;
  faults: SimulatorFaults;
  /** Seed of the random source used for faults, duplicate and reorder decisions. */
  seed: number;
  /** When true, `service-id` is required on sendmms/sendsavedmms (E627). */
  requireServiceId: boolean;
  /** Where postbacks go (loopback http:// URLs only); null = no postbacks. */
  postbackUrl: string | null;
  postbackDelays: PostbackDelays;
  /** A postback without an HTTP answer within this time counts as failed and is retried. */
  postbackTimeoutMs: number;
  /** Delay before retrying a failed postback. */
  postbackRetryDelayMs: number;
  /** Retries per postback after the first attempt. */
  postbackMaxRetries: number;
  /** Rate (0..1) at which a postback is sent twice. */
  duplicatePostbacks: number;
  /** true/false or a rate (0..1) at which the final postback of a message is sent before its N101. */
  reorderPostbacks: boolean | number;
  /** 'sync': savemms answers carry `mms-id`; 'postback': the mms-id only arrives in N003. */
  mmsIdMode: MmsIdMode;
  /** Time from savemms to the N003 (or E002) postback; the template is unusable (E626) until then. */
  transcodeMs: number;
  /** Most recent API requests kept in the request log. */
  requestLogLimit: number;
}

/** What callers pass: any subset, with `faults` and `postbackDelays` merged key by key. */
export type SimulatorOptionsInput = Partial<Omit<SimulatorOptions, 'faults' | 'postbackDelays'>> & {
  faults?: Partial<SimulatorFaults>;
  postbackDelays?: Partial<PostbackDelays>;
};

/** Effective options as shown outside the process (no api key). */
export type PublicSimulatorOptions = Omit<SimulatorOptions, 'apiKey'>;

export const DEFAULT_OPTIONS: Readonly<Omit<SimulatorOptions, 'seed'>> = Object.freeze({
  port: 0,
  apiKey: 'sim-key',
  tps: 10,
  countThrottledRequests: false,
  statusCasing: 'lower',
  latencyMs: 0,
  slowMs: 15_000,
  faults: Object.freeze({ e503: 0, http500: 0, http502: 0, slow: 0, drop: 0 }),
  requireServiceId: false,
  postbackUrl: null,
  postbackDelays: Object.freeze({ sentMs: 200, finalMs: 500 }),
  postbackTimeoutMs: 10_000,
  postbackRetryDelayMs: 300_000,
  postbackMaxRetries: 5,
  duplicatePostbacks: 0,
  reorderPostbacks: false,
  mmsIdMode: 'postback',
  transcodeMs: 1_000,
  requestLogLimit: 10_000,
});

export class SimulatorConfigError extends Error {
  override readonly name = 'SimulatorConfigError';
}

export function defaultOptions(): SimulatorOptions {
  return {
    ...DEFAULT_OPTIONS,
    faults: { ...DEFAULT_OPTIONS.faults },
    postbackDelays: { ...DEFAULT_OPTIONS.postbackDelays },
    seed: randomInt(1, 2 ** 31),
  };
}

export function publicOptions(options: SimulatorOptions): PublicSimulatorOptions {
  const { apiKey: _apiKey, ...rest } = options;
  return { ...rest, faults: { ...rest.faults }, postbackDelays: { ...rest.postbackDelays } };
}

/** Rate of reordering as a number in 0..1. */
export function reorderRate(options: SimulatorOptions): number {
  const value = options.reorderPostbacks;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function fail(message: string): never {
  throw new SimulatorConfigError(message);
}

function nonNegative(name: string, value: unknown, allowInfinity = false): number {
  if (
    typeof value !== 'number' ||
    Number.isNaN(value) ||
    value < 0 ||
    (!allowInfinity && !Number.isFinite(value))
  ) {
    fail(`${name} must be a non-negative number`);
  }
  return value;
}

function integer(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(`${name} must be an integer between ${min} and ${max}`);
  }
  return value;
}

function rate(name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1))
    fail(`${name} must be a number between 0 and 1`);
  return value;
}

function bool(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') fail(`${name} must be a boolean`);
  return value;
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  const match = allowed.find((candidate) => candidate === value);
  if (match === undefined) fail(`${name} must be one of ${allowed.join(', ')}`);
  return match;
}

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]']);

/** Postbacks may only go to loopback http:// URLs: the simulator never sends traffic off the machine. */
function postbackUrl(value: unknown): string | null {
  if (value === null) return null;
  if (typeof value !== 'string') fail('postbackUrl must be a URL string or null');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail('postbackUrl must be an absolute URL');
  }
  if (url.protocol !== 'http:') fail('postbackUrl must use http://');
  const host = url.hostname;
  if (!LOOPBACK_HOSTS.has(host) && !/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) {
    fail('postbackUrl must point to a loopback address (127.0.0.0/8, localhost or [::1])');
  }
  return url.href;
}

type Checker = (options: SimulatorOptions, value: unknown) => void;

const CHECKERS: Record<keyof SimulatorOptions, Checker> = {
  port: (o, v) => (o.port = integer('port', v, 0, 65_535)),
  apiKey: (o, v) => {
    if (typeof v !== 'string' || v.length === 0) fail('apiKey must be a non-empty string');
    o.apiKey = v;
  },
  tps: (o, v) => {
    // JSON cannot carry Infinity: null also means unlimited. Stored as 0.
    const tps = v === null ? 0 : nonNegative('tps', v, true);
    o.tps = Number.isFinite(tps) ? tps : 0;
  },
  countThrottledRequests: (o, v) => (o.countThrottledRequests = bool('countThrottledRequests', v)),
  statusCasing: (o, v) => (o.statusCasing = oneOf('statusCasing', v, ['lower', 'capitalized'] as const)),
  latencyMs: (o, v) => (o.latencyMs = nonNegative('latencyMs', v)),
  slowMs: (o, v) => (o.slowMs = nonNegative('slowMs', v)),
  faults: (o, v) => {
    if (!isRecord(v)) fail('faults must be an object');
    const next = { ...o.faults };
    for (const [key, rateValue] of Object.entries(v)) {
      const kind = oneOf('faults key', key, FAULT_KINDS);
      next[kind] = rate(`faults.${kind}`, rateValue);
    }
    o.faults = next;
  },
  seed: (o, v) => (o.seed = integer('seed', v, 0, 2 ** 32 - 1)),
  requireServiceId: (o, v) => (o.requireServiceId = bool('requireServiceId', v)),
  postbackUrl: (o, v) => (o.postbackUrl = postbackUrl(v)),
  postbackDelays: (o, v) => {
    if (!isRecord(v)) fail('postbackDelays must be an object');
    const next = { ...o.postbackDelays };
    for (const [key, delay] of Object.entries(v)) {
      const name = oneOf('postbackDelays key', key, ['sentMs', 'finalMs'] as const);
      next[name] = nonNegative(`postbackDelays.${name}`, delay);
    }
    o.postbackDelays = next;
  },
  postbackTimeoutMs: (o, v) => (o.postbackTimeoutMs = nonNegative('postbackTimeoutMs', v)),
  postbackRetryDelayMs: (o, v) => (o.postbackRetryDelayMs = nonNegative('postbackRetryDelayMs', v)),
  postbackMaxRetries: (o, v) => (o.postbackMaxRetries = integer('postbackMaxRetries', v, 0, 100)),
  duplicatePostbacks: (o, v) => (o.duplicatePostbacks = rate('duplicatePostbacks', v)),
  reorderPostbacks: (o, v) => (o.reorderPostbacks = typeof v === 'boolean' ? v : rate('reorderPostbacks', v)),
  mmsIdMode: (o, v) => (o.mmsIdMode = oneOf('mmsIdMode', v, ['sync', 'postback'] as const)),
  transcodeMs: (o, v) => (o.transcodeMs = nonNegative('transcodeMs', v)),
  requestLogLimit: (o, v) => (o.requestLogLimit = integer('requestLogLimit', v, 0, 1_000_000)),
};

const isOptionKey = (key: string): key is keyof SimulatorOptions => Object.hasOwn(CHECKERS, key);

/**
 * Checks `patch` (typed input or raw JSON) and returns `base` with it applied; throws SimulatorConfigError on
 * the first bad key, leaving `base` untouched. Keys whose value is `undefined` are ignored.
 */
export function applyOptionsPatch(
  base: SimulatorOptions,
  patch: unknown,
  { allowPort }: { allowPort: boolean },
): SimulatorOptions {
  if (!isRecord(patch)) fail('options must be a JSON object');
  const next: SimulatorOptions = {
    ...base,
    faults: { ...base.faults },
    postbackDelays: { ...base.postbackDelays },
  };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (!isOptionKey(key)) fail(`unknown option: ${key}`);
    if (key === 'port' && !allowPort) {
      if (value === base.port) continue;
      fail('port cannot be changed at run time');
    }
    CHECKERS[key](next, value);
  }
  return next;
}
