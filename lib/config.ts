/**
 * The one typed configuration of a deployment (`config/<stage>.json`), validated when the CDK app starts, so
 * `cdk synth` fails with one clear message naming the bad key instead of deploying a broken gateway.
 *
 * Pure data and zod: no aws-cdk-lib import, so scripts (the teams CLI, benchmarks) can read a stage's
 * config without loading the CDK.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { isInternationalNumber, isShortCode } from '../lambdas/domain/sinch/phone';
import { SEND_FUNCTION_TIMEOUT_SECONDS } from '../definitions/data-model';
import { TEAM_ID_PATTERN, TEAM_ID_RULE } from '../lambdas/domain/teams/team-id';

/** The project root (the folder holding cdk.json, config/ and lambdas/). */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CONFIG_DIR = join(PROJECT_ROOT, 'config');

/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** The CloudWatch namespace of the gateway's own (EMF) metrics; the handlers use the same default. */
export const METRICS_NAMESPACE = 'MmsGateway';

/** A configuration file that is missing, not JSON, or breaks a rule. The message names the file and key. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const positiveNumber = z
  .number({ error: 'must be a positive number' })
  .positive({ error: 'must be a positive number' });
const int = (min: number, max: number) =>
  z
    .number({ error: `must be a whole number from ${min} to ${max}` })
    .int({ error: `must be a whole number from ${min} to ${max}` })
    .min(min, { error: `must be a whole number from ${min} to ${max}` })
    .max(max, { error: `must be a whole number from ${min} to ${max}` });
const bool = z.boolean({ error: 'must be true or false' });
const nonEmpty = z
  .string({ error: 'must be a non-empty string' })
  .min(1, { error: 'must be a non-empty string' });

const isCidr = (value: string): boolean =>
  (z.cidrv4().safeParse(value).success || z.cidrv6().safeParse(value).success) && !value.endsWith('/0');
const cidr = z
  .string({ error: 'must be a CIDR string' })
  .refine(isCidr, { error: 'must be an IPv4 or IPv6 CIDR such as 203.0.113.0/24 or 2001:db8::/32 (not /0)' });

const sender = z
  .string({ error: 'must be a string of digits' })
  .refine((s) => isInternationalNumber(s) || isShortCode(s), {
    error: 'must be a short code (5-6 digits) or an international number without + (8-15 digits)',
  });

const keywordList = z
  .array(
    z.string().regex(/^[A-Za-z0-9]{1,20}$/, { error: 'keywords are single words of letters and digits' }),
    {
      error: 'must be a list of keywords',
    },
  )
  .min(1, { error: 'must list at least one keyword' });
const teamId = z.string({ error: 'must be a string' }).regex(TEAM_ID_PATTERN, { error: TEAM_ID_RULE });

const team = z
  .object({
    id: teamId,
    allowedSenders: z.array(sender, { error: 'must be a list of sender numbers' }).min(1, {
      error: 'must list at least one sender number',
    }),
    perSecond: int(1, 100_000),
    perDay: int(1, 100_000_000),
  })
  .strict();

/** The `source` of the gateway's own events (status changes, send results); producers may not use it. */
export const GATEWAY_EVENT_SOURCE = 'mms-gateway';

/** An EventBridge event source a producer puts: printable, at most 256 characters, not AWS's nor the gateway's. */
const eventSource = z
  .string({ error: 'must be a string' })
  .regex(/^[\x21-\x7e]{1,256}$/, { error: 'must be 1-256 printable characters without spaces' })
  .refine((s) => !s.startsWith('aws.'), { error: 'must not start with "aws." (reserved for AWS services)' })
  .refine((s) => s !== GATEWAY_EVENT_SOURCE, {
    error: `must not be "${GATEWAY_EVENT_SOURCE}" (the gateway's own events)`,
  });

const eventProducer = z
  .string({ error: 'must be a string' })
  .refine((p) => /^\d{12}$/.test(p) || /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/.test(p), {
    error: 'must be a 12-digit account id or an IAM role ARN (arn:aws:iam::<account>:role/<name>)',
  });

/** The widest postback source ranges accepted without `postbackAllowWideCidrs`. */
export const MIN_POSTBACK_PREFIX = { ipv4: 16, ipv6: 32 } as const;

/** Lambda allows 4 KB of environment per function; the EVENT_SOURCES JSON gets at most this share of it. */
export const EVENT_SOURCES_MAX_JSON_BYTES = 2048;

/**
 * Every key of a stage's configuration. Defaults are the values a first deployment should start with;
 * docs/deploy.md explains each key.
 */
export const gatewayConfigSchema = z
  .object({
    /** Deployment stage; also the file name (`config/<stage>.json`) and part of every resource name. */
    stage: z.string({ error: 'must be a string' }).regex(/^[a-z][a-z0-9-]{0,19}$/, {
      error: 'must be 1-20 characters of a-z, 0-9 and -, starting with a letter',
    }),
    /** AWS account and region the stacks deploy to (fixed, so synth needs no credentials). */
    account: z
      .string({ error: 'must be a string' })
      .regex(/^\d{12}$/, { error: 'must be a 12-digit AWS account id' }),
    region: z
      .string({ error: 'must be a string' })
      .regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, { error: 'must be an AWS region such as eu-west-1' }),

    /** Base URL of the Sinch MMS JSON API (ends with the API path, e.g. `.../ep/v2/`). */
    sinchBaseUrl: z
      .string({ error: 'must be a string' })
      .refine((u) => z.url({ protocol: /^https$/ }).safeParse(u).success, {
        error: 'must be an https:// URL',
      }),
    /** Sinch service-id used when a request has none. */
    sinchServiceId: nonEmpty.optional(),
    /** Refuse requests without a service-id (when no sinchServiceId default is configured). */
    requireServiceId: bool.default(false),
    /** Media preflight of teams without their own `media-check` (docs/decisions/0015). */
    mediaCheckDefault: z
      .enum(['off', 'warn', 'enforce'], { error: 'must be off, warn or enforce' })
      .default('warn'),
    /** The media preflight's time budget per request, in ms. */
    mediaCheckBudgetMs: int(100, 20_000).default(2_500),
    /** The account's default validity-period of messages in seconds (a team's default or the request wins). */
    validityPeriodSeconds: int(60, 259_200).default(86_400),
    /** Time the send Lambda waits for Sinch's answer. */
    sinchTimeoutMs: int(1000, 20_000).default(10_000),
    /** Longest wait of a send Lambda for its slot of the account's throughput. */
    pacerMaxWaitMs: int(0, 20_000).default(10_000),

    /** The Sinch account's throughput limit (MMS per second). */
    accountTps: positiveNumber,
    /** Share of accountTps the gateway uses (0 < f <= 1), to keep E113 rare. */
    tpsSafetyFactor: z
      .number({ error: 'must be a number greater than 0 and at most 1' })
      .gt(0, { error: 'must be a number greater than 0 and at most 1' })
      .max(1, { error: 'must be a number greater than 0 and at most 1' })
      .default(0.9),
    /** Messages per send Lambda invocation (SQS batch size). */
    sendBatchSize: int(1, 10).default(5),
    /** Most send Lambdas running at once (SQS event source maximum concurrency). */
    sendMaxConcurrency: int(2, 1000).default(5),
    /** Attempts per message (E113, 5xx, timeouts) before it is failed and dead-lettered. */
    maxAttempts: int(1, 50).default(8),
    /** What a send does when Sinch did not answer after the request left (`retry` may send twice). */
    ambiguousTimeoutPolicy: z
      .enum(['retry', 'fail'], { error: 'must be "retry" or "fail"' })
      .default('retry'),

    /** Seconds a team's key lookup is cached (API Gateway authorizer cache and the authorizer's own). */
    authCacheSeconds: int(0, 60).default(60),
    /** How long a team's old key keeps working after `POST /v2/team/keys/rotate` (seconds, at most 30 days). */
    keyRotationGraceSeconds: int(0, 30 * 86_400).default(86_400),
    /** Per-message prices for the estimated cost of `GET /v2/usage` (billed as MMS, or delivered as SMS). */
    usagePrices: z
      .object({
        currency: z
          .string()
          .regex(/^[A-Z]{3}$/, { error: 'must be an ISO 4217 code' })
          .default('USD'),
        mms: z.number().min(0).default(0.02),
        sms: z.number().min(0).default(0.0079),
      })
      .strict()
      .default({ currency: 'USD', mms: 0.02, sms: 0.0079 }),
    /** Largest POST body the ingest API accepts (enforced by its WAF; at most 64 KiB). */
    ingestMaxBodyBytes: int(1024, 65_536).default(65_536),
    /**
     * Who can reach the ingest API: `private` (PRIVATE endpoint, resource policy on aws:SourceVpce), `allowlist`
     * (regional endpoint, resource policy and WAF on source CIDRs) or `public` (key only; not for prod).
     */
    ingestAccess: z
      .discriminatedUnion(
        'mode',
        [
          z.object({ mode: z.literal('public') }).strict(),
          z
            .object({
              mode: z.literal('allowlist'),
              sourceCidrs: z.array(cidr, { error: 'must be a list of CIDRs' }).min(1, {
                error: 'must list at least one CIDR',
              }),
            })
            .strict(),
          z
            .object({
              mode: z.literal('private'),
              vpcEndpointIds: z
                .array(
                  z.string().regex(/^vpce-[0-9a-f]{8,17}$/, { error: 'must be VPC endpoint ids (vpce-…)' }),
                )
                .min(1, { error: 'must list at least one VPC endpoint id' }),
            })
            .strict(),
        ],
        { error: 'must be {"mode":"private"|"allowlist"|"public", …}' },
      )
      .default({ mode: 'public' }),
    /** WAF rate limits of the ingest API: requests per 5 minutes per source IP and per x-api-key value. */
    ingestRateLimitPer5MinPerIp: int(100, 2_000_000_000).default(30_000),
    ingestRateLimitPer5MinPerKey: int(100, 2_000_000_000).default(30_000),
    /** Ingest API stage throttling (requests per second, burst). */
    ingestRateLimit: positiveNumber.default(100),
    ingestBurstLimit: int(1, 100_000).default(200),

    /** Sinch's postback source addresses: the only callers the postback API's WAF lets in. */
    postbackSourceCidrs: z
      .array(cidr, { error: 'must be a list of CIDRs' })
      .min(1, { error: 'must list at least one CIDR (the WAF blocks everything else)' }),
    /**
     * Name of an existing Secrets Manager secret holding the token (16+ characters) that Sinch sends as `?token=`
     * in the postback URL. Required: read by the postback Lambda at run time (current and previous value).
     */
    postbackSharedSecretName: nonEmpty,
    /** Accept postbackSourceCidrs wider than /16 (IPv4) or /32 (IPv6); only with a documented reason. */
    postbackAllowWideCidrs: bool.default(false),
    /** Requests per 5 minutes one source IP may make to the postback API before WAF blocks it. */
    postbackRateLimitPer5Min: int(10, 2_000_000_000).optional(),
    /** Postback API stage throttling (requests per second, burst). */
    postbackRateLimit: positiveNumber.default(500),
    postbackBurstLimit: int(1, 100_000).default(1000),
    /** Stream retries of the status processor before a record goes to its dead-letter queue. */
    processorRetryAttempts: int(0, 10_000).default(5),
    /** How long a postback without a known message is retried before it is parked as an orphan. */
    correlationWindowSeconds: int(60, 7 * 24 * 3600).optional(),
    /** Age after which a submitted message without a final postback becomes `unknown`. */
    unknownAfterSeconds: int(3600, 30 * 24 * 3600).optional(),

    /**
     * Consent keywords of inbound messages, replacing the defaults list by list (docs/decisions/0014):
     * optOut (STOP, …), optOutAll (STOPALL), optIn (START, UNSTOP, YES), help (HELP, INFO). Passed as
     * CONSENT_KEYWORDS to the status processor.
     */
    consentKeywords: z
      .strictObject({
        optOut: keywordList.optional(),
        optOutAll: keywordList.optional(),
        optIn: keywordList.optional(),
        help: keywordList.optional(),
      })
      .optional(),

    /** Teams to create with the teams CLI (their keys are never in config). */
    teams: z.array(team, { error: 'must be a list of teams' }).default([]),

    /**
     * Event-triggered sends: each EventBridge `source` allowed to put `mms.send-requested` events, and the teams
     * (ids of `teams`) it may send for. Passed to the events Lambda as EVENT_SOURCES. Default: none.
     */
    eventSources: z
      .record(
        eventSource,
        z
          .array(teamId, { error: 'must be a list of team ids' })
          .min(1, { error: 'must list at least one team id' }),
        {
          error: (issue) =>
            issue.code === 'invalid_type' ? 'must be an object of source → list of team ids' : undefined,
        },
      )
      .default({}),
    /**
     * Who besides the gateway's own account may put `mms.send-requested` events on the bus (bus resource policy):
     * 12-digit account ids or IAM role ARNs. Default: none (principals of the same account, with IAM permission).
     */
    eventProducers: z
      .array(eventProducer, { error: 'must be a list of account ids or IAM role ARNs' })
      .default([]),

    /** Status webhooks (docs/webhooks.md). Unset keys keep the webhook Lambda's defaults. */
    webhooks: z
      .object({
        /** Time a team's endpoint has to answer one delivery. */
        timeoutMs: int(1000, 20_000).optional(),
        /** Delays between attempts, in seconds (the last one repeats); each at most 900 (SQS). */
        retryDelaysSeconds: z
          .array(int(0, 900), { error: 'must be a list of whole seconds from 0 to 900' })
          .min(1, { error: 'must list at least one delay' })
          .optional(),
        /** How long after its first attempt an event is still retried. */
        retryMaxAgeSeconds: int(60, 7 * 24 * 3600).optional(),
      })
      .strict()
      .default({}),

    /**
     * Optional stable URL for teams: an API Gateway custom domain (regional, TLS 1.2) mapped to the ingest API,
     * with an ACM certificate of the same region. Without it the URL is the execute-api one (IngestApiUrl).
     */
    customDomain: z
      .object({
        domainName: z
          .string({ error: 'must be a host name such as mms.example.com' })
          .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, {
            error: 'must be a lower-case host name such as mms.example.com',
          }),
        certificateArn: z
          .string({ error: 'must be an ACM certificate ARN' })
          .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/, {
            error: 'must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)',
          }),
      })
      .strict()
      .optional(),

    /** Who receives the alarms (SNS email subscription; confirm the e-mail after the first deploy). */
    alarmEmail: z.email({ error: 'must be an e-mail address' }),
    logRetentionDays: z
      .number({ error: `must be one of ${LOG_RETENTION_DAYS.join(', ')}` })
      .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), {
        error: `must be one of ${LOG_RETENTION_DAYS.join(', ')}`,
      })
      .default(30),
    logLevel: z
      .enum(['DEBUG', 'INFO', 'WARN', 'ERROR'], { error: 'must be DEBUG, INFO, WARN or ERROR' })
      .default('INFO'),
    /**
     * What happens to tables, queues, the secret, the bus and logs when a stack is deleted: `retain` (default)
     * keeps them; `destroy` is for short-lived test stages only and is refused for prod.
     */
    removalPolicy: z
      .enum(['retain', 'destroy'], { error: 'must be "retain" or "destroy"' })
      .default('retain'),

    /** Send to Sinch from fixed public IPs (VPC + NAT gateway + Elastic IP). Costs about USD 32/month per NAT. */
    fixedEgressIp: z
      .object({
        enabled: bool.default(false),
        /** NAT gateways (each with its own Elastic IP; more than one for AZ resilience). */
        natGateways: int(1, 3).default(1),
        /** Availability zones of the VPC; default `<region>a` and `<region>b`. */
        availabilityZones: z
          .array(
            z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d[a-z]$/, {
              error: 'must be zone names such as eu-west-1a',
            }),
          )
          .min(2, { error: 'must list at least two zones' })
          .optional(),
      })
      .strict()
      .default({ enabled: false, natGateways: 1 }),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.removalPolicy === 'destroy' && c.stage === 'prod') {
      ctx.addIssue({
        code: 'custom',
        path: ['removalPolicy'],
        message: 'must be "retain" for the prod stage',
      });
    }
    const budgetMs = SEND_FUNCTION_TIMEOUT_SECONDS * 1000 - 5000;
    if (c.sinchTimeoutMs + c.pacerMaxWaitMs > budgetMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['sinchTimeoutMs'],
        message: `sinchTimeoutMs + pacerMaxWaitMs must be at most ${budgetMs} (the send Lambda runs ${SEND_FUNCTION_TIMEOUT_SECONDS} s)`,
      });
    }
    if (c.stage === 'prod' && c.ingestAccess.mode === 'public') {
      ctx.addIssue({
        code: 'custom',
        path: ['ingestAccess', 'mode'],
        message: 'must be "private" or "allowlist" for the prod stage',
      });
    }
    if (!c.postbackAllowWideCidrs) {
      c.postbackSourceCidrs.forEach((range, i) => {
        const min = range.includes(':') ? MIN_POSTBACK_PREFIX.ipv6 : MIN_POSTBACK_PREFIX.ipv4;
        if (Number(range.split('/')[1]) < min) {
          ctx.addIssue({
            code: 'custom',
            path: ['postbackSourceCidrs', i],
            message: `must be /${min} or narrower (set postbackAllowWideCidrs to force a wider range)`,
          });
        }
      });
    }
    const ids = c.teams.map((t) => t.id);
    ids.forEach((id, i) => {
      if (ids.indexOf(id) !== i)
        ctx.addIssue({ code: 'custom', path: ['teams', i, 'id'], message: `duplicate team id "${id}"` });
    });
    for (const [source, teams] of Object.entries(c.eventSources)) {
      teams.forEach((id, i) => {
        if (!ids.includes(id)) {
          ctx.addIssue({
            code: 'custom',
            path: ['eventSources', source, i],
            message: `unknown team "${id}" (must be the id of a team in "teams")`,
          });
        } else if (teams.indexOf(id) !== i) {
          ctx.addIssue({
            code: 'custom',
            path: ['eventSources', source, i],
            message: `duplicate team "${id}"`,
          });
        }
      });
    }
    if (Buffer.byteLength(JSON.stringify(c.eventSources)) > EVENT_SOURCES_MAX_JSON_BYTES) {
      ctx.addIssue({
        code: 'custom',
        path: ['eventSources'],
        message: `must be at most ${EVENT_SOURCES_MAX_JSON_BYTES} bytes as JSON (it is a Lambda environment variable)`,
      });
    }
    if (c.eventProducers.length > 0 && Object.keys(c.eventSources).length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['eventProducers'],
        message: 'needs eventSources: producers may put events only with a configured source',
      });
    }
    c.eventProducers.forEach((p, i) => {
      if (c.eventProducers.indexOf(p) !== i) {
        ctx.addIssue({ code: 'custom', path: ['eventProducers', i], message: `duplicate producer "${p}"` });
      }
    });
    for (const [i, zone] of (c.fixedEgressIp.availabilityZones ?? []).entries()) {
      if (!zone.startsWith(c.region)) {
        ctx.addIssue({
          code: 'custom',
          path: ['fixedEgressIp', 'availabilityZones', i],
          message: `must be a zone of ${c.region}`,
        });
      }
    }
  });

export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
/** What a config file may contain (defaults filled in by parsing). */
export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>;

const formatPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>(
    (out, part) =>
      typeof part === 'number'
        ? `${out}[${part}]`
        : !/^[A-Za-z_$][\w$]*$/.test(String(part))
          ? `${out}[${JSON.stringify(String(part))}]`
          : out
            ? `${out}.${String(part)}`
            : String(part),
    '',
  );

/**
 * Validates a parsed config object. Throws one ConfigError whose lines read `<source>: <key>: <problem>`,
 * e.g. `config/dev.json: accountTps: must be a positive number`.
 */
export function parseConfig(raw: unknown, source: string): GatewayConfig {
  const result = gatewayConfigSchema.safeParse(raw, { reportInput: true });
  if (result.success) return result.data;
  const lines = result.error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => `${source}: ${formatPath([...issue.path, key])}: unknown key`);
    }
    const key = formatPath(issue.path);
    // A bad record key (an event source): its own rule's message, not zod's "Invalid key in record".
    if (issue.code === 'invalid_key') {
      return issue.issues.map((inner) => `${source}: ${key}: ${inner.message}`);
    }
    const missing = issue.code === 'invalid_type' && 'input' in issue && issue.input === undefined;
    return [`${source}: ${key || '(file)'}: ${missing ? 'is required' : issue.message}`];
  });
  throw new ConfigError(lines.join('\n'));
}

/** Reads and validates `config/<stage>.json` (or `file`, when given). */
export function loadStageConfig(stage: string, file?: string): GatewayConfig {
  const path = file ?? join(CONFIG_DIR, `${stage}.json`);
  const source = relative(process.cwd(), path) || path;
  if (!existsSync(path)) {
    throw new ConfigError(
      `${source}: no such file (create it from config/dev.json, or pass -c stage=<name>)`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`${source}: not valid JSON (${(error as Error).message})`);
  }
  const config = parseConfig(raw, source);
  if (config.stage !== stage) {
    throw new ConfigError(
      `${source}: stage: must be "${stage}" (the stage this file is read for), got "${config.stage}"`,
    );
  }
  return config;
}

/** The prefix of every physical resource name of a deployment, e.g. `mms-gateway-dev`. */
export const resourcePrefix = (config: Pick<GatewayConfig, 'stage'>): string => `mms-gateway-${config.stage}`;

/** Requests per 5 minutes per IP before the postback WAF blocks: the configured value or 4× the expected peak. */
export function postbackRateLimit(config: GatewayConfig): number {
  // Up to about 3 postbacks per message (e.g. N101, N102 and a retry), at full account throughput.
  return config.postbackRateLimitPer5Min ?? Math.max(1000, Math.ceil(config.accountTps * 3 * 300 * 4));
}
