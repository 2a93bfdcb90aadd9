/**
 * Typed Lambda configuration, read from the environment once at cold start. A missing or malformed value
 * fails the cold start with one message naming the variable, instead of failing later on a request.
 * The CDK stacks set these variables from the same names (ENV), so the two cannot drift apart.
 */
import * as z from '../domain/zod';
import { DEFAULT_RETRY_POLICY } from '../domain/webhooks/webhooks';
import { ENV } from '../../definitions/environment';
import { DEFAULT_KEYWORDS, type KeywordLists } from '../domain/consent/keywords';
import { mediaAndPrivacySchemas } from './media-privacy-config';

const name = z.string().check(z.minLength(1));
const url = z.string().check(z.url());
const positiveInt = z.coerce.number().check(z.int(), z.positive());
const bool = z.pipe(
  z.enum(['true', 'false']),
  z.transform((v) => v === 'true'),
);

const keywordList = z.array(z.string().check(z.regex(/^[A-Za-z0-9]{1,20}$/, 'keywords are single words')));

function parseJson(s: string, payload: { issues: unknown[] }): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    payload.issues.push({ code: 'custom', message: 'must be JSON', input: s });
    return z.NEVER;
  }
}

const schemas = {
  messagesTable: name,
  teamsTable: name,
  templatesTable: name,
  recurringTable: name,
  postbacksTable: name,
  controlTable: name,
  sendQueueUrl: url,
  sendDlqUrl: url,
  eventsQueueUrl: url,
  sinchBaseUrl: url.check(z.refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL')),
  sinchSecretId: name,
  sinchTimeoutMs: z._default(positiveInt, 10_000),
  accountTps: z.coerce.number().check(z.positive()),
  tpsSafetyFactor: z._default(z.coerce.number().check(z.gt(0), z.lte(1)), 0.9),
  pacerMaxWaitMs: z._default(positiveInt, 10_000),
  maxAttempts: z._default(positiveInt.check(z.lte(50)), 8),
  backoffBaseSeconds: z._default(positiveInt.check(z.lte(60)), 1),
  backoffMaxSeconds: z._default(positiveInt.check(z.lte(900)), 300),
  ambiguousTimeoutPolicy: z._default(z.enum(['retry', 'fail']), 'retry'),
  requireServiceId: z._default(bool, false),
  defaultServiceId: z.optional(z.string().check(z.minLength(1))),
  authCacheSeconds: z._default(z.coerce.number().check(z.int(), z.gte(0), z.lte(60)), 60),
  eventBusName: name,
  correlationWindowSeconds: z._default(positiveInt, 3600),
  unknownAfterSeconds: z._default(positiveInt, 72 * 3600),
  /** The status processor retries a postback for well under a minute; one still `received` after this is its. */
  receivedStuckAfterSeconds: z._default(positiveInt, 300),
  /**
   * Secrets Manager id of the token Sinch must give in the postback URL (`?token=…`), read at run time; unset
   * only in local runs (the CDK config requires it for every deployed stage).
   */
  postbackTokenSecretId: z.optional(z.string().check(z.minLength(1))),
  /** JSON: each allowed EventBridge source and the teams it may send for, e.g. {"com.acme.billing":["billing"]}. */
  eventSources: z._default(
    z.pipe(
      z.pipe(
        z.string(),
        z.transform((s, payload) => {
          try {
            return JSON.parse(s) as unknown;
          } catch {
            // zod/mini's transforms get the parse payload, without classic zod's ctx.addIssue: the same issue.
            payload.issues.push({ code: 'custom', message: 'must be JSON', input: s });
            return z.NEVER;
          }
        }),
      ),
      z.record(z.string().check(z.minLength(1)), z.array(z.string().check(z.minLength(1)))),
    ),
    {},
  ),
  webhookQueueUrl: url,
  webhookTimeoutMs: z._default(positiveInt.check(z.lte(60_000)), 5_000),
  /** Comma-separated seconds, e.g. `10,30,60,300,900`; the last one repeats. */
  webhookRetryDelaysSeconds: z._default(
    z
      .pipe(
        z
          .string()
          .check(
            z.regex(
              /^\s*\d+(\s*,\s*\d+)*\s*$/,
              'must be comma-separated whole seconds, e.g. 10,30,60,300,900',
            ),
          ),
        z.transform((s) => s.split(',').map((d) => Number(d.trim()))),
      )
      .check(z.refine((ds) => ds.every((d) => d <= 900), 'each delay must be at most 900 s (SQS)')),
    () => [...DEFAULT_RETRY_POLICY.delaysSeconds],
  ),
  webhookRetryMaxAgeSeconds: z._default(positiveInt, DEFAULT_RETRY_POLICY.maxAgeSeconds),
  /** Local runs and tests only: http:// and loopback webhook targets. */
  webhookAllowInsecureLocal: z._default(bool, false),
  /** How long old API keys keep working after a team rotates its key (`POST /v2/team/keys/rotate`). */
  keyRotationGraceSeconds: z._default(z.coerce.number().check(z.int(), z.gte(0), z.lte(30 * 86_400)), 86_400),
  /** Estimated price of one message billed as MMS / as SMS (`GET /v2/usage`), in USAGE_CURRENCY. */
  usagePriceMms: z._default(z.coerce.number().check(z.gte(0)), 0.02),
  usagePriceSms: z._default(z.coerce.number().check(z.gte(0)), 0.0079),
  usageCurrency: z._default(z.string().check(z.regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code')), 'USD'),
  suppressionsTable: name,
  /** JSON: keyword lists replacing the defaults, e.g. {"optOut":["STOP","ARRET"]} (docs/decisions/0014). */
  consentKeywords: z._default(
    z.pipe(
      z.pipe(z.string(), z.transform(parseJson)),
      z.pipe(
        z.strictObject({
          optOut: z.optional(keywordList),
          optOutAll: z.optional(keywordList),
          optIn: z.optional(keywordList),
          help: z.optional(keywordList),
        }),
        z.transform((lists): KeywordLists => ({ ...DEFAULT_KEYWORDS, ...lists })),
      ),
    ),
    () => DEFAULT_KEYWORDS,
  ),
  ...mediaAndPrivacySchemas,
  /** The account's default validity-period of messages (seconds, 60 to 259,200). */
  validityPeriodSeconds: z._default(positiveInt.check(z.gte(60), z.lte(259_200)), 86_400),
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
