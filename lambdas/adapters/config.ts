/**
 * Typed Lambda configuration, read from the environment once at cold start. A missing or malformed value
 * fails the cold start with one message naming the variable, instead of failing later on a request.
 * The CDK stacks set these variables from the same names (ENV), so the two cannot drift apart.
 */
import { z } from 'zod';
import { DEFAULT_RETRY_POLICY } from '../domain/webhooks';

export const ENV = {
  messagesTable: 'MESSAGES_TABLE',
  teamsTable: 'TEAMS_TABLE',
  templatesTable: 'TEMPLATES_TABLE',
  recurringTable: 'RECURRING_TABLE',
  postbacksTable: 'POSTBACKS_TABLE',
  controlTable: 'CONTROL_TABLE',
  sendQueueUrl: 'SEND_QUEUE_URL',
  sendDlqUrl: 'SEND_DLQ_URL',
  sinchBaseUrl: 'SINCH_BASE_URL',
  sinchSecretId: 'SINCH_SECRET_ID',
  sinchTimeoutMs: 'SINCH_TIMEOUT_MS',
  accountTps: 'ACCOUNT_TPS',
  tpsSafetyFactor: 'TPS_SAFETY_FACTOR',
  pacerMaxWaitMs: 'PACER_MAX_WAIT_MS',
  maxAttempts: 'SEND_MAX_ATTEMPTS',
  backoffBaseSeconds: 'SEND_BACKOFF_BASE_SECONDS',
  backoffMaxSeconds: 'SEND_BACKOFF_MAX_SECONDS',
  ambiguousTimeoutPolicy: 'AMBIGUOUS_TIMEOUT_POLICY',
  requireServiceId: 'REQUIRE_SERVICE_ID',
  defaultServiceId: 'DEFAULT_SERVICE_ID',
  authCacheSeconds: 'AUTH_CACHE_SECONDS',
  eventBusName: 'EVENT_BUS_NAME',
  correlationWindowSeconds: 'CORRELATION_WINDOW_SECONDS',
  unknownAfterSeconds: 'UNKNOWN_AFTER_SECONDS',
  eventSources: 'EVENT_SOURCES',
  postbackSharedSecret: 'POSTBACK_SHARED_SECRET',
  webhookQueueUrl: 'WEBHOOK_QUEUE_URL',
  webhookTimeoutMs: 'WEBHOOK_TIMEOUT_MS',
  webhookRetryDelaysSeconds: 'WEBHOOK_RETRY_DELAYS_SECONDS',
  webhookRetryMaxAgeSeconds: 'WEBHOOK_RETRY_MAX_AGE_SECONDS',
  webhookAllowInsecureLocal: 'WEBHOOK_ALLOW_INSECURE_LOCAL',
} as const;

const name = z.string().min(1);
const positiveInt = z.coerce.number().int().positive();
const bool = z.enum(['true', 'false']).transform((v) => v === 'true');

const schemas = {
  messagesTable: name,
  teamsTable: name,
  templatesTable: name,
  recurringTable: name,
  postbacksTable: name,
  controlTable: name,
  sendQueueUrl: z.string().url(),
  sendDlqUrl: z.string().url(),
  sinchBaseUrl: z
    .string()
    .url()
    .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL'),
  sinchSecretId: name,
  sinchTimeoutMs: positiveInt.default(10_000),
  accountTps: z.coerce.number().positive(),
  tpsSafetyFactor: z.coerce.number().gt(0).max(1).default(0.9),
  pacerMaxWaitMs: positiveInt.default(10_000),
  maxAttempts: positiveInt.max(50).default(8),
  backoffBaseSeconds: positiveInt.max(60).default(1),
  backoffMaxSeconds: positiveInt.max(900).default(300),
  ambiguousTimeoutPolicy: z.enum(['retry', 'fail']).default('retry'),
  requireServiceId: bool.default(false),
  defaultServiceId: z.string().min(1).optional(),
  authCacheSeconds: z.coerce.number().int().min(0).max(60).default(60),
  eventBusName: name,
  correlationWindowSeconds: positiveInt.default(3600),
  unknownAfterSeconds: positiveInt.default(72 * 3600),
  /** Optional token Sinch must give in the postback URL (`?token=…`); empty = no token required. */
  postbackSharedSecret: z.string().min(16).optional(),
  /** JSON: each allowed EventBridge source and the teams it may send for, e.g. {"com.acme.billing":["billing"]}. */
  eventSources: z
    .string()
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(z.record(z.string().min(1), z.array(z.string().min(1))))
    .default({}),
  webhookQueueUrl: z.string().url(),
  webhookTimeoutMs: positiveInt.max(60_000).default(5_000),
  /** Comma-separated seconds, e.g. `10,30,60,300,900`; the last one repeats. */
  webhookRetryDelaysSeconds: z
    .string()
    .regex(/^\s*\d+(\s*,\s*\d+)*\s*$/, 'must be comma-separated whole seconds, e.g. 10,30,60,300,900')
    .transform((s) => s.split(',').map((d) => Number(d.trim())))
    .refine((ds) => ds.every((d) => d <= 900), 'each delay must be at most 900 s (SQS)')
    .default(() => [...DEFAULT_RETRY_POLICY.delaysSeconds]),
  webhookRetryMaxAgeSeconds: positiveInt.default(DEFAULT_RETRY_POLICY.maxAgeSeconds),
  /** Local runs and tests only: http:// and loopback webhook targets. */
  webhookAllowInsecureLocal: bool.default(false),
} as const;

type Schemas = typeof schemas;
export type ConfigKey = keyof Schemas;
export type Config<K extends ConfigKey> = { [P in K]: z.output<Schemas[P]> };

/** Reads the named settings from `env`; throws one error naming every bad or missing variable. */
export function loadConfig<K extends ConfigKey>(
  keys: readonly K[],
  env: NodeJS.ProcessEnv = process.env,
): Config<K> {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const variable = ENV[key];
    const raw = env[variable];
    const parsed = schemas[key].safeParse(raw === '' ? undefined : raw);
    if (parsed.success) out[key] = parsed.data;
    else problems.push(`${variable}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  }
  if (problems.length > 0) throw new Error(`Invalid configuration: ${problems.join(' | ')}`);
  return out as Config<K>;
}
