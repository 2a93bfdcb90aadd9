/**
 * The team API: a team reads and changes its own settings with its own key (`/v2/team…`, `/v2/usage`), so
 * webhook URL, secret rotation, quiet hours and key rotation no longer need an operator. Every use case takes
 * the calling team's id from the authorizer; none takes a team id from the request, so a team never reaches
 * another's data. Operators keep `npm run teams` for creating and revoking teams and for limits.
 */
import { randomUUID } from 'node:crypto';
import { GatewayError } from '../sinch/error-codes';
import type { Clock } from '../ports';
import type { Team } from './ports';
import { isValidQuietHours, type QuietHours } from '../messages/scheduling';
import { hashApiKey } from './teams';
import {
  checkWebhookUrl,
  classifyDelivery,
  deliveryAttempt,
  isRotating,
  postSignedEvent,
  signingSecrets,
  type UrlRules,
} from '../webhooks/webhooks';
import type { WebhookConfig, WebhookSender } from '../webhooks/ports';
import { DELIVERY_LOG_SIZE, type DeliveryLog } from '../webhooks/delivery-log';
import { usageDays, usageReport, utcDay, type UsageCounter, type UsagePrices } from './usage';

export interface TeamStore {
  getTeam(teamId: string): Promise<Team | undefined>;
  setQuietHours(teamId: string, quietHours: QuietHours | undefined): Promise<void>;
  /** A new key for the team; the key with hash `keyHash` keeps working until `graceEndsAt`, then stops. */
  rotateKeyWithGrace(teamId: string, keyHash: string, graceEndsAt: Date): Promise<string>;
}

export interface TeamWebhookStore {
  webhookOf(teamId: string): Promise<WebhookConfig | undefined>;
  /** Sets the URL; a new webhook gets a new secret (`created`), an existing one keeps its secrets. */
  setUrl(
    teamId: string,
    url: string,
    now: Date,
  ): Promise<{ created: true; secret: string } | { created: false }>;
  remove(teamId: string): Promise<boolean>;
  /** A new current secret; the previous one keeps signing for `graceSeconds`. */
  rotate(teamId: string, now: Date, graceSeconds: number): Promise<{ secret: string; config: WebhookConfig }>;
}

export interface TeamApiDeps {
  readonly teams: TeamStore;
  readonly webhooks: TeamWebhookStore;
  readonly sender: WebhookSender;
  readonly log: DeliveryLog;
  readonly usage: UsageCounter;
  readonly prices: UsagePrices;
  readonly clock: Pick<Clock, 'now'>;
  readonly urlRules: UrlRules;
  /** How long an old API key keeps working after `POST /v2/team/keys/rotate`. */
  readonly keyGraceSeconds: number;
  /** How long the previous webhook secret keeps signing after a rotation. */
  readonly secretGraceSeconds: number;
  /** How long messages are kept (shown in `GET /v2/team`). */
  readonly retentionDays: number;
}

export const WEBHOOK_TEST_EVENT = 'mms.webhook-test';

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function parseJson(body: string | null | undefined): unknown {
  if (body === null || body === undefined || body.trim() === '') return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new GatewayError('E108');
  }
}

const webhookView = (config: WebhookConfig | undefined, now: Date) => {
  if (!config) return null;
  const previous = config.secrets.find((s) => s.expiresAt !== undefined);
  const rotating = isRotating(config, now);
  return {
    url: config.url,
    rotating,
    ...(rotating && previous?.expiresAt ? { 'previous-secret-expires-at': previous.expiresAt } : {}),
    'signing-secrets': signingSecrets(config, now).length,
    'updated-at': config.updatedAt,
  };
};

const quietHoursView = (q: QuietHours | undefined) =>
  q ? { 'time-zone': q.timeZone, start: q.start, end: q.end } : null;

export function teamApi(deps: TeamApiDeps) {
  const existing = async (teamId: string): Promise<Team> => {
    const team = await deps.teams.getTeam(teamId);
    if (!team) throw new GatewayError('E104');
    return team;
  };
  const existingWebhook = async (teamId: string): Promise<WebhookConfig> => {
    const config = await deps.webhooks.webhookOf(teamId);
    if (!config)
      throw new GatewayError('GW-NOT-FOUND', 'This team has no webhook; PUT /v2/team/webhook first.');
    return config;
  };

  return {
    /** `GET /v2/team`: the team's settings (never a secret or a key) and its usage so far today. */
    async get(teamId: string) {
      const now = deps.clock.now();
      const team = await existing(teamId);
      const today = utcDay(now);
      const usage = await usageReport(deps.usage, deps.prices, teamId, [today]);
      const { day: _day, ...usageToday } = usage.days[0] ?? { day: today };
      return {
        team: team.id,
        'allowed-senders': [...team.allowedSenders],
        limits: { 'per-second': team.limits.perSecond, 'per-day': team.limits.perDay },
        'quiet-hours': quietHoursView(team.quietHours),
        // The team's own retention (privacy/retention.ts), else the deployment's default.
        'retention-days': team.retentionDays ?? deps.retentionDays,
        webhook: webhookView(await deps.webhooks.webhookOf(teamId), now),
        'usage-today': { day: today, ...usageToday },
      };
    },

    /** `PUT /v2/team/webhook` `{ "url": ... }`: the secret is in the answer only when the webhook is new. */
    async setWebhook(teamId: string, body: string | null | undefined) {
      const parsed = parseJson(body);
      const url = isRecord(parsed) ? parsed.url : undefined;
      if (typeof url !== 'string') {
        throw new GatewayError('GW-INVALID-WEBHOOK-URL', 'Give the webhook URL as { "url": "https://..." }.');
      }
      const check = checkWebhookUrl(url, deps.urlRules);
      if (!check.ok) throw new GatewayError('GW-INVALID-WEBHOOK-URL', `Webhook url ${check.reason}.`);
      const now = deps.clock.now();
      await existing(teamId);
      const result = await deps.webhooks.setUrl(teamId, url, now);
      const view = webhookView(await deps.webhooks.webhookOf(teamId), now);
      return result.created
        ? { statusCode: 201, body: { ...view, secret: result.secret } }
        : { statusCode: 200, body: view };
    },

    /** `DELETE /v2/team/webhook`: no more deliveries. */
    async deleteWebhook(teamId: string) {
      if (!(await deps.webhooks.remove(teamId))) {
        throw new GatewayError('GW-NOT-FOUND', 'This team has no webhook.');
      }
      return { webhook: null };
    },

    /** `POST /v2/team/webhook/rotate-secret`: the new secret, shown once; the old one signs for the grace time. */
    async rotateSecret(teamId: string) {
      await existingWebhook(teamId);
      const now = deps.clock.now();
      const { secret, config } = await deps.webhooks.rotate(teamId, now, deps.secretGraceSeconds);
      return { ...webhookView(config, now), secret };
    },

    /** `POST /v2/team/webhook/test`: a signed ping now; the receiver's status, latency and first kilobyte. */
    async testWebhook(teamId: string) {
      const config = await existingWebhook(teamId);
      const startedAt = deps.clock.now();
      const eventId = `ping_${randomUUID()}`;
      const event = {
        type: WEBHOOK_TEST_EVENT,
        time: startedAt.toISOString(),
        detail: { 'event-id': eventId, team: teamId, message: 'A test ping from the MMS gateway.' },
      };
      const result = await postSignedEvent(deps, config, event, eventId, 1, startedAt);
      const endedAt = deps.clock.now();
      const attempt = deliveryAttempt(event, eventId, 1, result, startedAt, endedAt);
      await deps.log.record(teamId, attempt);
      const outcome = classifyDelivery(result);
      return {
        'event-id': eventId,
        url: config.url,
        delivered: outcome.kind === 'delivered',
        ...(result.kind === 'response' ? { status: result.status, answer: result.answer ?? '' } : {}),
        'latency-ms': attempt['latency-ms'],
        ...(attempt.error ? { error: attempt.error } : {}),
      };
    },

    /** `GET /v2/team/webhook/deliveries?limit=`: recent attempts, newest first. */
    async deliveries(teamId: string, limitRaw: string | undefined) {
      const limit = limitRaw === undefined ? 25 : Number(limitRaw);
      if (!Number.isInteger(limit) || limit < 1 || limit > DELIVERY_LOG_SIZE) {
        throw new GatewayError('E100', `limit must be a whole number from 1 to ${DELIVERY_LOG_SIZE}`);
      }
      return { deliveries: await deps.log.recent(teamId, limit) };
    },

    /**
     * `PUT /v2/team/quiet-hours` with `{ "time-zone", "start", "end" }` sets them; with `null` removes them.
     */
    async setQuietHours(teamId: string, body: string | null | undefined) {
      const parsed = parseJson(body);
      await existing(teamId);
      if (parsed === null) {
        await deps.teams.setQuietHours(teamId, undefined);
        return { 'quiet-hours': null };
      }
      const q = isRecord(parsed)
        ? { timeZone: parsed['time-zone'], start: parsed.start, end: parsed.end }
        : undefined;
      if (
        !q ||
        typeof q.timeZone !== 'string' ||
        typeof q.start !== 'string' ||
        typeof q.end !== 'string' ||
        !isValidQuietHours(q as QuietHours)
      ) {
        throw new GatewayError('GW-INVALID-QUIET-HOURS');
      }
      const quietHours: QuietHours = { timeZone: q.timeZone, start: q.start, end: q.end };
      await deps.teams.setQuietHours(teamId, quietHours);
      return { 'quiet-hours': quietHoursView(quietHours) };
    },

    /**
     * `POST /v2/team/keys/rotate`: a new key, shown once; the key of the request works until the grace period
     * ends. (Other keys an operator gave the team are not touched.)
     */
    async rotateKey(teamId: string, callingKey: string | undefined) {
      await existing(teamId);
      if (!callingKey) throw new GatewayError('E104');
      const graceEndsAt = new Date(deps.clock.now().getTime() + deps.keyGraceSeconds * 1000);
      const apiKey = await deps.teams.rotateKeyWithGrace(teamId, hashApiKey(callingKey), graceEndsAt);
      return { 'api-key': apiKey, 'previous-key-expires-at': graceEndsAt.toISOString() };
    },

    /** `GET /v2/usage?since=&until=`: per UTC day, with the estimated cost. */
    async usage(teamId: string, since: string | undefined, until: string | undefined) {
      const days = usageDays(since, until, deps.clock.now());
      return usageReport(deps.usage, deps.prices, teamId, days);
    },
  };
}
