/**
 * Classification of one Sinch answer into accepted / retryable / permanent, and the retry back-off.
 * One function decides for every caller (send worker, template submission, client tests).
 */

/** What the transport saw. `body` is the raw text; it may be anything, including not JSON at all. */
export type SinchExchange =
  | { readonly kind: 'response'; readonly httpStatus: number; readonly body: string }
  | {
      readonly kind: 'transport-error';
      /** `timeout`: no answer in time after the request was sent (the outcome upstream is unknown). */
      readonly reason: 'timeout' | 'connection';
      /** True when the request may have reached Sinch (ambiguous: it may have been accepted). */
      readonly requestSent: boolean;
      readonly detail: string;
    };

export type SinchOutcome =
  | {
      readonly kind: 'accepted';
      readonly trackingId: string;
      readonly mmsId?: string;
      readonly statusDetails?: string;
    }
  | {
      readonly kind: 'retryable';
      readonly code: string;
      readonly info: string;
      /** Minimum wait in seconds Sinch asked for (E106), if any. */
      readonly retryAfterSeconds?: number;
      /** The request may have been accepted upstream (timeout after sending). */
      readonly ambiguous: boolean;
    }
  | { readonly kind: 'permanent'; readonly code: string; readonly info: string };

/** Sinch codes that mean "try again later" (reference §3); every other E code is permanent. */
export const RETRYABLE_SINCH_CODES: ReadonlySet<string> = new Set(['E113', 'E106', 'E503', 'E618', 'E626']);

const asRecord = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;

export function classifySinchExchange(exchange: SinchExchange): SinchOutcome {
  if (exchange.kind === 'transport-error') {
    return {
      kind: 'retryable',
      code: exchange.reason === 'timeout' ? 'GW-UPSTREAM-TIMEOUT' : 'GW-UPSTREAM-CONNECTION',
      info: exchange.detail,
      ambiguous: exchange.requestSent,
    };
  }
  const { httpStatus, body } = exchange;
  if (httpStatus >= 500) {
    return {
      kind: 'retryable',
      code: `HTTP${httpStatus}`,
      info: `Sinch answered HTTP ${httpStatus}`,
      ambiguous: false,
    };
  }
  if (httpStatus === 429) {
    return { kind: 'retryable', code: 'E113', info: 'Sinch answered HTTP 429', ambiguous: false };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return {
      kind: 'retryable',
      code: 'GW-UPSTREAM-BAD-RESPONSE',
      info: `Sinch answered HTTP ${httpStatus} with a body that is not JSON`,
      ambiguous: false,
    };
  }
  const answer = asRecord(parsed);
  const status = text(answer?.status)?.toLowerCase();
  if (answer && status === 'success') {
    const trackingId = text(answer['tracking-id']);
    if (trackingId) {
      const mmsId = text(answer['mms-id']);
      const statusDetails = text(answer['status-details']);
      return {
        kind: 'accepted',
        trackingId,
        ...(mmsId ? { mmsId } : {}),
        ...(statusDetails ? { statusDetails } : {}),
      };
    }
  }
  if (answer && status === 'failure') {
    const code = text(answer['error-code']) ?? 'GW-UPSTREAM-BAD-RESPONSE';
    const info = text(answer['error-info']) ?? '';
    if (RETRYABLE_SINCH_CODES.has(code)) {
      const seconds = code === 'E106' ? Number(/(\d+)/.exec(info)?.[1]) : Number.NaN;
      return {
        kind: 'retryable',
        code,
        info,
        ambiguous: false,
        ...(Number.isFinite(seconds) && seconds > 0 ? { retryAfterSeconds: seconds } : {}),
      };
    }
    return { kind: 'permanent', code, info };
  }
  // 2xx/4xx without a Sinch-shaped answer: a proxy or load balancer spoke, not Sinch; try again.
  return {
    kind: 'retryable',
    code: 'GW-UPSTREAM-BAD-RESPONSE',
    info: `Sinch answered HTTP ${httpStatus} without a Sinch-shaped body`,
    ambiguous: false,
  };
}

export interface BackoffPolicy {
  readonly baseSeconds: number;
  readonly maxSeconds: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseSeconds: 1, maxSeconds: 300 };

/**
 * Exponential back-off with full jitter for attempt `attempt` (1 = the first retry), never shorter than a
 * wait the upstream asked for. `random` is in [0, 1).
 */
export function backoffSeconds(
  attempt: number,
  random: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  atLeastSeconds = 0,
): number {
  const ceiling = Math.min(policy.maxSeconds, policy.baseSeconds * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.ceil(ceiling * (0.5 + random / 2));
  return Math.max(1, Math.min(policy.maxSeconds, Math.max(jittered, Math.ceil(atLeastSeconds))));
}
