/**
 * Status webhooks: a team may register an HTTPS URL; the gateway POSTs each of its events there, signed with an
 * HMAC-SHA256 over `<unix seconds>.<body>` with the team's secret (two secrets while one is being rotated), and
 * retries failed deliveries with back-off for up to 24 hours. Every failure, the give-up and the first success
 * are written to the message's history. Teams' view: docs/webhooks.md.
 *
 * Pure rules and the delivery use case; the HTTP client, the SQS retry queue and the teams-table storage are
 * adapters behind the ports below.
 */
import type {
  WebhookConfig,
  WebhookDirectory,
  WebhookRetryQueue,
  WebhookSecret,
  WebhookSender,
} from './ports';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../ports';
import type { HistoryEntry, MessageRepository } from '../messages/ports';
import { standardWebhookHeaders } from './standard-webhooks';
import type { DeliveryAttempt, DeliveryLog } from './delivery-log';
import {
  checkOutboundUrl,
  isNonPublicAddress,
  MAX_OUTBOUND_URL_LENGTH,
  type OutboundUrlCheck,
  type OutboundUrlRules,
} from './address-rules';

// ---------------------------------------------------------------------------------------------------------
// Configuration of a team's webhook and secret rotation
// ---------------------------------------------------------------------------------------------------------

/** How long the previous secret keeps signing after a rotation, unless the rotation is finished earlier. */
export const ROTATION_GRACE_SECONDS = 24 * 3600;

/**
 * A new signing secret: `whsec_` + 32 random bytes in standard base64 (the Standard Webhooks form). Shown once,
 * stored in the teams table.
 */
export const generateWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

export const newWebhookConfig = (url: string, secret: string, now: Date): WebhookConfig => ({
  url,
  secrets: [{ secret, createdAt: now.toISOString() }],
  updatedAt: now.toISOString(),
});

/**
 * Makes `newSecret` the current secret and keeps the current one signing for `graceSeconds` (or until the
 * rotation is finished). At most two secrets are valid: a secret older than the current one is dropped.
 */
export function rotateWebhookSecret(
  config: WebhookConfig,
  newSecret: string,
  now: Date,
  graceSeconds = ROTATION_GRACE_SECONDS,
): WebhookConfig {
  const current = currentSecret(config);
  const expiresAt = new Date(now.getTime() + graceSeconds * 1000).toISOString();
  return {
    url: config.url,
    secrets: [
      { secret: newSecret, createdAt: now.toISOString() },
      ...(current ? [{ secret: current.secret, createdAt: current.createdAt, expiresAt }] : []),
    ],
    updatedAt: now.toISOString(),
  };
}

/** Ends a rotation: only the current secret signs from now on. */
export function finishWebhookRotation(config: WebhookConfig, now: Date): WebhookConfig {
  const current = currentSecret(config);
  return { url: config.url, secrets: current ? [current] : [], updatedAt: now.toISOString() };
}

const currentSecret = (config: WebhookConfig): WebhookSecret | undefined =>
  config.secrets.find((s) => s.expiresAt === undefined) ?? config.secrets[0];

/** The secrets that sign a delivery at `now`: the current one, and the previous one while its grace lasts. */
export function signingSecrets(config: WebhookConfig, now: Date): string[] {
  return config.secrets
    .filter((s) => s.expiresAt === undefined || Date.parse(s.expiresAt) > now.getTime())
    .map((s) => s.secret);
}

/** Whether a rotation is in progress (two secrets sign). */
export const isRotating = (config: WebhookConfig, now: Date): boolean =>
  signingSecrets(config, now).length > 1;

// ---------------------------------------------------------------------------------------------------------
// Signature
// ---------------------------------------------------------------------------------------------------------

export const SIGNATURE_HEADER = 'x-mms-gateway-signature';
export const EVENT_ID_HEADER = 'x-mms-gateway-event-id';
export const EVENT_TYPE_HEADER = 'x-mms-gateway-event-type';
export const ATTEMPT_HEADER = 'x-mms-gateway-delivery-attempt';

/** Receivers should refuse signatures whose timestamp is further than this from their clock. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** Hex HMAC-SHA256 of `<timestamp>.<body>` (UTF-8) with `secret`. */
export const computeSignature = (secret: string, timestampSeconds: number, body: string): string =>
  createHmac('sha256', secret).update(`${timestampSeconds}.`, 'utf8').update(body, 'utf8').digest('hex');

/** The signature header: `t=<unix seconds>,v1=<hex>` with one `v1` per signing secret (current first). */
export function signatureHeader(secrets: readonly string[], body: string, timestampSeconds: number): string {
  if (secrets.length === 0) throw new Error('a webhook needs at least one signing secret');
  const t = Math.floor(timestampSeconds);
  return [`t=${t}`, ...secrets.map((secret) => `v1=${computeSignature(secret, t, body)}`)].join(',');
}

// The region below is shown verbatim in docs/webhooks.md (a unit test checks that the two are the same), so
// receivers copy exactly the code the tests run. It must depend on nothing but node:crypto.
// #region verifyWebhookSignature
/**
 * Checks an `x-mms-gateway-signature` header against the raw request body (the exact bytes received, not
 * re-serialised JSON) and your webhook secret. True when the timestamp is within `toleranceSeconds` of
 * `nowSeconds` and one of the `v1` signatures is the HMAC-SHA256 of `<t>.<body>` with `secret`.
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | undefined,
  body: string | Buffer,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  if (!header) return false;
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const [key, value = ''] = part.trim().split('=', 2);
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) signatures.push(Buffer.from(value, 'hex'));
  }
  if (timestamp === undefined || signatures.length === 0) return false;
  // Refuses replays of old deliveries (and timestamps from the future).
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(body).digest();
  // Constant-time comparison, so the answer time tells an attacker nothing about the expected signature.
  return signatures.some((signature) => timingSafeEqual(signature, expected));
}
// #endregion verifyWebhookSignature

// ---------------------------------------------------------------------------------------------------------
// Webhook URL rules (SSRF)
// ---------------------------------------------------------------------------------------------------------

/** The webhook URL rules are the gateway's outbound address rules (webhooks/address-rules.ts). */
export type UrlRules = OutboundUrlRules;
export type UrlCheck = OutboundUrlCheck;
export const MAX_WEBHOOK_URL_LENGTH = MAX_OUTBOUND_URL_LENGTH;
export { isNonPublicAddress };

/**
 * Whether `raw` may be a webhook URL: see `checkOutboundUrl` (HTTPS only, no user info, no localhost or
 * non-public IP literal; the HTTP client also refuses host names that resolve into those ranges). With
 * `allowInsecureLocal`, http:// and https:// to loopback are allowed too, and nothing else changes.
 */
export const checkWebhookUrl = (raw: string, rules: UrlRules): UrlCheck => checkOutboundUrl(raw, rules);

// ---------------------------------------------------------------------------------------------------------
// Retries
// ---------------------------------------------------------------------------------------------------------

export interface RetryPolicy {
  /** Delay before retry n (1-based) is `delaysSeconds[n-1]`; the last one repeats. Each 0–900 (SQS's limit). */
  readonly delaysSeconds: readonly number[];
  /** No attempt is made later than this after the first one. */
  readonly maxAgeSeconds: number;
}

/** 10 s, 30 s, 1 min, 5 min, 15 min, then every 15 min, for 24 h: about 100 attempts at most. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  delaysSeconds: [10, 30, 60, 300, 900],
  maxAgeSeconds: 24 * 3600,
};

/** SQS accepts a delivery delay of at most 15 minutes. */
export const MAX_RETRY_DELAY_SECONDS = 900;

/**
 * The delay before the next attempt after `attempts` failed attempts, the first of which was at
 * `firstAttemptAt`; undefined when that attempt would come more than `maxAgeSeconds` after the first (give up).
 */
export function nextDelaySeconds(
  attempts: number,
  firstAttemptAt: Date,
  now: Date,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): number | undefined {
  const { delaysSeconds } = policy;
  if (delaysSeconds.length === 0 || attempts < 1) return undefined;
  const delay = delaysSeconds[Math.min(attempts, delaysSeconds.length) - 1] ?? 0;
  const nextAtMs = now.getTime() + delay * 1000;
  if (nextAtMs > firstAttemptAt.getTime() + policy.maxAgeSeconds * 1000) return undefined;
  return delay;
}

/** Checks a retry policy (from configuration); throws naming the problem. */
export function checkRetryPolicy(policy: RetryPolicy): RetryPolicy {
  if (policy.delaysSeconds.length === 0) throw new Error('the retry schedule needs at least one delay');
  for (const d of policy.delaysSeconds) {
    if (!Number.isInteger(d) || d < 0 || d > MAX_RETRY_DELAY_SECONDS) {
      throw new Error(`retry delays must be whole seconds from 0 to ${MAX_RETRY_DELAY_SECONDS}, got ${d}`);
    }
  }
  if (!Number.isInteger(policy.maxAgeSeconds) || policy.maxAgeSeconds <= 0) {
    throw new Error(`the retry window must be a positive number of seconds, got ${policy.maxAgeSeconds}`);
  }
  return policy;
}

// ---------------------------------------------------------------------------------------------------------
// Delivery outcomes
// ---------------------------------------------------------------------------------------------------------

/** What the HTTP client saw: a response status, or a transport error (`timeout`, `ECONNREFUSED`, ...). */
export type DeliveryResult =
  | { readonly kind: 'response'; readonly status: number; readonly answer?: string }
  | { readonly kind: 'error'; readonly code: string; readonly message: string };

export type DeliveryOutcome =
  | { readonly kind: 'delivered'; readonly code: string }
  | { readonly kind: 'failed'; readonly code: string; readonly detail: string; readonly retryable: boolean };

/** Transport errors that no retry can fix: the target itself is refused. */
const PERMANENT_ERRORS = new Set(['invalid-url', 'blocked-address', 'no-secret']);

/**
 * 2xx: delivered. 410 Gone: failed, and retries of this event stop (the endpoint says it is gone; the webhook
 * stays registered for the next events). Any other status (3xx included: redirects are never followed),
 * timeouts and connection errors: failed, retried.
 */
export function classifyDelivery(result: DeliveryResult): DeliveryOutcome {
  if (result.kind === 'error') {
    return {
      kind: 'failed',
      code: result.code,
      detail: result.message,
      retryable: !PERMANENT_ERRORS.has(result.code),
    };
  }
  const { status } = result;
  const code = String(status);
  if (status >= 200 && status < 300) return { kind: 'delivered', code };
  if (status === 410) return { kind: 'failed', code, detail: 'HTTP 410 Gone: not retried', retryable: false };
  if (status >= 300 && status < 400) {
    return {
      kind: 'failed',
      code,
      detail: `HTTP ${status}: redirects are not followed; register the final URL`,
      retryable: true,
    };
  }
  return { kind: 'failed', code, detail: `HTTP ${status}`, retryable: true };
}

// ---------------------------------------------------------------------------------------------------------
// Jobs: what the webhook queue carries
// ---------------------------------------------------------------------------------------------------------

/** An event to push to a team: its type (EventBridge detail-type), when it was published, and its detail. */
export interface WebhookEvent {
  readonly type: string;
  readonly time: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface WebhookJob {
  readonly event: WebhookEvent;
  /** The attempt this delivery is, from 1. */
  readonly attempt: number;
  /** When attempt 1 was made (ISO 8601); absent on attempt 1. */
  readonly firstAttemptAt?: string;
}

/** An event as the local EventBridge endpoint reports it (local/infra/aws-endpoints.ts LocalEvent). */
export interface PublishedEvent {
  readonly id: string;
  readonly source: string;
  readonly detailType: string;
  readonly detail: unknown;
  readonly time: string;
  readonly resources?: readonly string[];
}

/**
 * The webhook-queue body for a published event: the EventBridge event envelope, exactly what an EventBridge
 * rule with an SQS target delivers in AWS. The local runtime enqueues this for each `mms.status-changed`.
 */
export const webhookQueueBody = (event: PublishedEvent): string =>
  JSON.stringify({
    version: '0',
    id: event.id,
    'detail-type': event.detailType,
    source: event.source,
    time: event.time,
    resources: event.resources ?? [],
    detail: event.detail,
  });

const RETRY_KIND = 'webhook-retry';

/** The body of a retry: the event, the attempt it will be and when the first one was. */
export const webhookRetryBody = (job: WebhookJob): string =>
  JSON.stringify({
    kind: RETRY_KIND,
    attempt: job.attempt,
    firstAttemptAt: job.firstAttemptAt,
    event: job.event,
  });

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads a webhook-queue body: an EventBridge event (attempt 1) or a retry. Throws on anything else. */
export function parseWebhookQueueBody(body: string): WebhookJob {
  const parsed: unknown = JSON.parse(body);
  if (!isRecord(parsed)) throw new Error('webhook queue item is not a JSON object');
  if (parsed.kind === RETRY_KIND) {
    const { attempt, firstAttemptAt, event } = parsed;
    if (
      typeof attempt !== 'number' ||
      !Number.isInteger(attempt) ||
      attempt < 1 ||
      typeof firstAttemptAt !== 'string' ||
      Number.isNaN(Date.parse(firstAttemptAt)) ||
      !isRecord(event) ||
      typeof event.type !== 'string' ||
      typeof event.time !== 'string' ||
      !isRecord(event.detail)
    ) {
      throw new Error('malformed webhook retry item');
    }
    return { attempt, firstAttemptAt, event: { type: event.type, time: event.time, detail: event.detail } };
  }
  const type = parsed['detail-type'];
  if (typeof type !== 'string' || !isRecord(parsed.detail)) {
    throw new Error('webhook queue item is neither an EventBridge event nor a retry');
  }
  const time = typeof parsed.time === 'string' ? parsed.time : '';
  return { attempt: 1, event: { type, time, detail: parsed.detail } };
}

/** The id receivers de-duplicate on: the detail's `event-id` (status events always carry one). */
export const eventIdOf = (event: WebhookEvent): string | undefined => {
  const id = event.detail['event-id'];
  return typeof id === 'string' && id !== '' ? id : undefined;
};

/** The JSON body POSTed to the team. */
export const webhookBody = (event: WebhookEvent, eventId: string): string =>
  JSON.stringify({ 'event-id': eventId, type: event.type, time: event.time, detail: event.detail });

// ---------------------------------------------------------------------------------------------------------
// The delivery use case
// ---------------------------------------------------------------------------------------------------------

export interface DeliverWebhookDeps {
  readonly webhooks: WebhookDirectory;
  readonly sender: WebhookSender;
  readonly queue: WebhookRetryQueue;
  readonly messages: Pick<MessageRepository, 'get' | 'appendHistory'>;
  readonly clock: Pick<Clock, 'now'>;
  readonly retry: RetryPolicy;
  readonly urlRules: UrlRules;
  /** Where each attempt is recorded for the team (`GET /v2/team/webhook/deliveries`); optional. */
  readonly log?: DeliveryLog;
}

export type WebhookDeliveryResult =
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'no-webhook' }
  | { readonly kind: 'already-delivered' }
  | { readonly kind: 'delivered'; readonly attempt: number }
  | { readonly kind: 'retry'; readonly attempt: number; readonly code: string; readonly afterSeconds: number }
  | { readonly kind: 'abandoned'; readonly attempt: number; readonly code: string };

export const WEBHOOK_HISTORY = {
  delivered: 'webhook-delivered',
  failed: 'webhook-failed',
  abandoned: 'webhook-abandoned',
} as const;

export const USER_AGENT = 'mms-gateway-webhooks/1';

/**
 * Delivers one webhook job: looks up the team's webhook, skips an event already delivered (its
 * `webhook-delivered` entry is in the message history), signs and POSTs, then records the outcome in the
 * message history and, on a retryable failure within the retry window, queues the next attempt.
 *
 * Throws only when storage or the queue fails; the caller then lets the queue redeliver the job (so an event
 * may reach the team more than once; receivers de-duplicate on the event id).
 */
export function deliverWebhook(deps: DeliverWebhookDeps) {
  return async (job: WebhookJob): Promise<WebhookDeliveryResult> => {
    const { event, attempt } = job;
    const teamId = event.detail.team;
    const eventId = eventIdOf(event);
    if (typeof teamId !== 'string' || teamId === '') return { kind: 'ignored', reason: 'event without team' };
    if (!eventId) return { kind: 'ignored', reason: 'event without event-id' };

    const config = await deps.webhooks.webhookOf(teamId);
    if (!config) return { kind: 'no-webhook' };

    const messageId = event.detail['tracking-id'];
    const message = typeof messageId === 'string' ? await deps.messages.get(messageId) : undefined;
    // Anyone in the account who may put events could forge one: sign and post only for a message that exists
    // and belongs to the event's team (docs/security.md).
    if (!message || message.teamId !== teamId) {
      return { kind: 'ignored', reason: 'no message of this team with this tracking-id' };
    }
    if (message.history.some((h) => h.event === WEBHOOK_HISTORY.delivered && h.ref === eventId)) {
      return { kind: 'already-delivered' };
    }
    const record = (entry: HistoryEntry): Promise<void> => deps.messages.appendHistory(message.id, entry);

    const startedAt = deps.clock.now();
    const firstAttemptAt = job.firstAttemptAt ? new Date(job.firstAttemptAt) : startedAt;
    const result = await postSignedEvent(deps, config, event, eventId, attempt, startedAt);
    const outcome = classifyDelivery(result);
    const now = deps.clock.now();
    const at = now.toISOString();
    // Best effort: a log that cannot be written must not make the event go out again.
    await deps.log
      ?.record(teamId, deliveryAttempt(event, eventId, attempt, result, startedAt, now))
      .catch(() => undefined);

    if (outcome.kind === 'delivered') {
      await record({
        at,
        event: WEBHOOK_HISTORY.delivered,
        code: outcome.code,
        ref: eventId,
        detail: `attempt ${attempt}`,
      });
      return { kind: 'delivered', attempt };
    }

    const delay = outcome.retryable ? nextDelaySeconds(attempt, firstAttemptAt, now, deps.retry) : undefined;
    await record({
      at,
      event: WEBHOOK_HISTORY.failed,
      code: outcome.code,
      ref: eventId,
      detail: `attempt ${attempt}: ${outcome.detail}${delay === undefined ? '' : `; next attempt in ${delay} s`}`,
    });
    if (delay === undefined) {
      await record({
        at,
        event: WEBHOOK_HISTORY.abandoned,
        code: outcome.code,
        ref: eventId,
        detail: outcome.retryable
          ? `gave up after ${attempt} attempt(s) over ${Math.round((now.getTime() - firstAttemptAt.getTime()) / 1000)} s`
          : `gave up after ${attempt} attempt(s): ${outcome.detail}`,
      });
      return { kind: 'abandoned', attempt, code: outcome.code };
    }
    await deps.queue.retryLater(
      { event, attempt: attempt + 1, firstAttemptAt: firstAttemptAt.toISOString() },
      delay,
    );
    return { kind: 'retry', attempt, code: outcome.code, afterSeconds: delay };
  };
}

/** One line of the team's delivery log for an attempt that started at `startedAt` and ended at `endedAt`. */
export function deliveryAttempt(
  event: WebhookEvent,
  eventId: string,
  attempt: number,
  result: DeliveryResult,
  startedAt: Date,
  endedAt: Date,
): DeliveryAttempt {
  const outcome = classifyDelivery(result);
  const trackingId = event.detail['tracking-id'];
  return {
    at: endedAt.toISOString(),
    event: event.type,
    'event-id': eventId,
    ...(typeof trackingId === 'string' ? { 'tracking-id': trackingId } : {}),
    attempt,
    outcome: outcome.kind,
    ...(result.kind === 'response' ? { status: result.status } : {}),
    'latency-ms': Math.max(0, endedAt.getTime() - startedAt.getTime()),
    ...(outcome.kind === 'failed' ? { error: result.kind === 'error' ? result.code : outcome.detail } : {}),
  };
}

/** Signs `event` with every signing secret of `config` (both header families) and POSTs it once. */
export async function postSignedEvent(
  deps: Pick<DeliverWebhookDeps, 'sender' | 'urlRules'>,
  config: WebhookConfig,
  event: WebhookEvent,
  eventId: string,
  attempt: number,
  now: Date,
): Promise<DeliveryResult> {
  const check = checkWebhookUrl(config.url, deps.urlRules);
  if (!check.ok)
    return { kind: 'error', code: 'invalid-url', message: `webhook URL refused: ${check.reason}` };
  const secrets = signingSecrets(config, now);
  if (secrets.length === 0) return { kind: 'error', code: 'no-secret', message: 'the webhook has no secret' };
  const body = webhookBody(event, eventId);
  return deps.sender.post(config.url, body, {
    'content-type': 'application/json; charset=utf-8',
    'user-agent': USER_AGENT,
    [EVENT_ID_HEADER]: eventId,
    [EVENT_TYPE_HEADER]: event.type,
    [ATTEMPT_HEADER]: String(attempt),
    [SIGNATURE_HEADER]: signatureHeader(secrets, body, now.getTime() / 1000),
    ...standardWebhookHeaders(secrets, eventId, body, now.getTime() / 1000),
  });
}
