import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  LOG_RETENTION_DAYS,
  loadStageConfig,
  parseConfig,
  postbackRateLimit,
  type GatewayConfigInput,
} from '../../lib/config';
import { rawConfig } from './support';

const parseDevWith = (overrides: Record<string, unknown>, remove: string[] = []) => {
  const raw: Record<string, unknown> = { ...rawConfig('dev'), ...overrides };
  for (const key of remove) delete raw[key];
  return () => parseConfig(raw, 'config/dev.json');
};

describe('config files', () => {
  it.each(['dev', 'prod'])('config/%s.json is valid and is the config of its own stage', (stage) => {
    const config = loadStageConfig(stage);
    expect(config.stage).toBe(stage);
    expect(config.postbackSourceCidrs.length).toBeGreaterThan(0);
  });

  it('keeps stateful resources in prod', () => {
    expect(loadStageConfig('prod').removalPolicy).toBe('retain');
  });
});

describe('a bad config fails with one message naming the file and the key', () => {
  it('names the key and the rule, as `<file>: <key>: <problem>`', () => {
    expect(parseDevWith({ accountTps: 0 })).toThrow(
      new ConfigError('config/dev.json: accountTps: must be a positive number'),
    );
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a non-numeric TPS', { accountTps: 'fast' }, 'accountTps: must be a positive number'],
    ['a bad account id', { account: '1234' }, 'account: must be a 12-digit AWS account id'],
    ['a bad region', { region: 'Europe' }, 'region: must be an AWS region'],
    [
      'a plain-http Sinch URL',
      { sinchBaseUrl: 'http://api.example.com/v2/' },
      'sinchBaseUrl: must be an https:// URL',
    ],
    ['no postback CIDR', { postbackSourceCidrs: [] }, 'postbackSourceCidrs: must list at least one CIDR'],
    [
      'a malformed CIDR',
      { postbackSourceCidrs: ['203.0.113.0/24', '203.0.113.300/24'] },
      'postbackSourceCidrs[1]: must be an IPv4 or IPv6 CIDR',
    ],
    [
      'a bare address',
      { postbackSourceCidrs: ['203.0.113.7'] },
      'postbackSourceCidrs[0]: must be an IPv4 or IPv6 CIDR',
    ],
    [
      'an allow-everything range',
      { postbackSourceCidrs: ['0.0.0.0/0'] },
      'postbackSourceCidrs[0]: must be an IPv4 or IPv6 CIDR',
    ],
    [
      'a postback range as wide as /1',
      { postbackSourceCidrs: ['203.0.113.0/24', '0.0.0.0/1'] },
      'postbackSourceCidrs[1]: must be /16 or narrower (set postbackAllowWideCidrs to force a wider range)',
    ],
    [
      'an IPv6 postback range wider than /32',
      { postbackSourceCidrs: ['2001:db8::/31'] },
      'postbackSourceCidrs[0]: must be /32 or narrower',
    ],
    ['a bad e-mail', { alarmEmail: 'ops' }, 'alarmEmail: must be an e-mail address'],
    [
      'a retention CloudWatch does not offer',
      { logRetentionDays: 10 },
      'logRetentionDays: must be one of 1, 3, 5',
    ],
    [
      'a batch larger than SQS allows',
      { sendBatchSize: 11 },
      'sendBatchSize: must be a whole number from 1 to 10',
    ],
    [
      'a concurrency below the SQS minimum',
      { sendMaxConcurrency: 1 },
      'sendMaxConcurrency: must be a whole number from 2 to 1000',
    ],
    [
      'an auth cache above a minute',
      { authCacheSeconds: 300 },
      'authCacheSeconds: must be a whole number from 0 to 60',
    ],
    [
      'a body limit WAF cannot inspect',
      { ingestMaxBodyBytes: 100_000 },
      'ingestMaxBodyBytes: must be a whole number from 1024 to 65536',
    ],
    [
      'a safety factor above 1',
      { tpsSafetyFactor: 1.5 },
      'tpsSafetyFactor: must be a number greater than 0 and at most 1',
    ],
    [
      'an unknown removal policy',
      { removalPolicy: 'snapshot' },
      'removalPolicy: must be "retain" or "destroy"',
    ],
    ['a misspelt key', { acountTps: 5 }, 'acountTps: unknown key'],
    [
      'a sender with a plus sign',
      { teams: [{ id: 'ops', allowedSenders: ['+15550001000'], perSecond: 1, perDay: 10 }] },
      'teams[0].allowedSenders[0]: must be a short code',
    ],
    [
      'a team without senders',
      { teams: [{ id: 'ops', allowedSenders: [], perSecond: 1, perDay: 10 }] },
      'teams[0].allowedSenders: must list at least one sender number',
    ],
    [
      'a key in the teams list',
      { teams: [{ id: 'ops', allowedSenders: ['28444'], perSecond: 1, perDay: 10, apiKey: 'secret' }] },
      'teams[0].apiKey: unknown key',
    ],
    [
      'an event source reserved for AWS',
      { eventSources: { 'aws.s3': ['marketing'] } },
      'eventSources["aws.s3"]: must not start with "aws."',
    ],
    [
      "the gateway's own event source",
      { eventSources: { 'mms-gateway': ['marketing'] } },
      'eventSources["mms-gateway"]: must not be "mms-gateway"',
    ],
    [
      'an event source with a space',
      { eventSources: { 'com.example billing': ['marketing'] } },
      'eventSources["com.example billing"]: must be 1-256 printable characters',
    ],
    [
      'an event source for a team that is not in teams',
      { eventSources: { 'com.example.billing': ['marketing', 'markting'] } },
      'eventSources["com.example.billing"][1]: unknown team "markting"',
    ],
    [
      'an event source without teams',
      { eventSources: { 'com.example.billing': [] } },
      'eventSources["com.example.billing"]: must list at least one team id',
    ],
    [
      'event sources as a list',
      { eventSources: ['com.example.billing'] },
      'eventSources: must be an object of source → list of team ids',
    ],
    [
      'event sources too large for a Lambda environment variable',
      {
        eventSources: Object.fromEntries(
          Array.from({ length: 80 }, (_, i) => [`com.example.source-${i}`, ['marketing']]),
        ),
      },
      'eventSources: must be at most 2048 bytes as JSON',
    ],
    [
      'a producer that is an IAM user',
      { eventProducers: ['arn:aws:iam::123456789012:user/alice'] },
      'eventProducers[0]: must be a 12-digit account id or an IAM role ARN',
    ],
    [
      'producers without any event source',
      { eventSources: {}, eventProducers: ['123456789012'] },
      'eventProducers: needs eventSources',
    ],
    [
      'a webhook retry delay longer than SQS allows',
      { webhooks: { retryDelaysSeconds: [10, 1800] } },
      'webhooks.retryDelaysSeconds[1]: must be a whole number from 0 to 900',
    ],
    ['a misspelt webhook key', { webhooks: { timeout: 5000 } }, 'webhooks.timeout: unknown key'],
    [
      'a bad egress zone',
      { fixedEgressIp: { enabled: true, availabilityZones: ['us-east-1a', 'us-east-1b'] } },
      'fixedEgressIp.availabilityZones[0]: must be a zone of eu-west-1',
    ],
  ])('refuses %s', (_case, overrides, message) => {
    expect(parseDevWith(overrides)).toThrow(`config/dev.json: ${message}`);
  });

  it('says a missing key is required', () => {
    expect(parseDevWith({}, ['alarmEmail'])).toThrow('config/dev.json: alarmEmail: is required');
  });

  it('refuses to destroy stateful resources of prod', () => {
    const raw = { ...rawConfig('prod'), removalPolicy: 'destroy' };
    expect(() => parseConfig(raw, 'config/prod.json')).toThrow(
      'config/prod.json: removalPolicy: must be "retain" for the prod stage',
    );
  });

  it('refuses Sinch and pacing waits that do not fit in the send Lambda timeout', () => {
    expect(parseDevWith({ sinchTimeoutMs: 20_000, pacerMaxWaitMs: 10_000 })).toThrow(
      'config/dev.json: sinchTimeoutMs: sinchTimeoutMs + pacerMaxWaitMs must be at most 25000',
    );
  });

  it('refuses a team listed twice', () => {
    const team = { id: 'ops', allowedSenders: ['28444'], perSecond: 1, perDay: 10 };
    expect(parseDevWith({ teams: [team, team] })).toThrow(
      'config/dev.json: teams[1].id: duplicate team id "ops"',
    );
  });

  it('reports every problem of a file in one error, one line each', () => {
    let message = '';
    try {
      parseDevWith({ accountTps: -1, alarmEmail: 'x' })();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message.split('\n')).toEqual([
      'config/dev.json: accountTps: must be a positive number',
      'config/dev.json: alarmEmail: must be an e-mail address',
    ]);
  });
});

describe('loading a stage file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mms-gateway-config-'));
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it('refuses a file written for another stage', () => {
    const path = file('other.json', JSON.stringify({ ...rawConfig('dev'), stage: 'qa' }));
    expect(() => loadStageConfig('dev', path)).toThrow(
      'stage: must be "dev" (the stage this file is read for), got "qa"',
    );
  });

  it('names a missing file', () => {
    expect(() => loadStageConfig('nope')).toThrow(/config\/nope\.json: no such file/);
  });

  it('names a file that is not JSON', () => {
    const path = file('broken.json', '{ "stage": ');
    expect(() => loadStageConfig('dev', path)).toThrow(/broken\.json: not valid JSON/);
  });
});

describe('defaults and derived values', () => {
  const minimal: GatewayConfigInput = {
    stage: 'qa',
    account: '123456789012',
    region: 'us-east-1',
    sinchBaseUrl: 'https://api.example.com/ep/v2/',
    accountTps: 10,
    postbackSourceCidrs: ['203.0.113.0/24'],
    postbackSharedSecretName: 'mms-gateway-qa/postback-token',
    alarmEmail: 'ops@example.com',
  };

  it('refuses a public ingest API for prod, and a private one without VPC endpoints', () => {
    expect(() => parseConfig({ ...minimal, stage: 'prod', ingestAccess: { mode: 'public' } }, 'p')).toThrow(
      'p: ingestAccess.mode: must be "private" or "allowlist" for the prod stage',
    );
    expect(() =>
      parseConfig({ ...minimal, ingestAccess: { mode: 'private', vpcEndpointIds: [] } }, 'p'),
    ).toThrow('ingestAccess.vpcEndpointIds: must list at least one VPC endpoint id');
  });

  it('accepts a wide postback range only when forced', () => {
    expect(
      parseConfig({ ...minimal, postbackSourceCidrs: ['10.0.0.0/8'], postbackAllowWideCidrs: true }, 'x')
        .postbackSourceCidrs,
    ).toEqual(['10.0.0.0/8']);
  });

  it('refuses a stage without a postback token secret', () => {
    const { postbackSharedSecretName: _omitted, ...rest } = minimal;
    expect(() => parseConfig(rest, 'config/qa.json')).toThrow(
      'config/qa.json: postbackSharedSecretName: is required',
    );
  });

  it('fills safe defaults: retain, no fixed egress, a 60 s auth cache, 30-day logs, no event sources or producers', () => {
    const config = parseConfig(minimal, 'test');
    expect(config).toMatchObject({
      removalPolicy: 'retain',
      fixedEgressIp: { enabled: false },
      authCacheSeconds: 60,
      logRetentionDays: 30,
      teams: [],
      eventSources: {},
      eventProducers: [],
      webhooks: {},
    });
  });

  it('accepts account ids and role ARNs as event producers', () => {
    const config = parseConfig(
      {
        ...minimal,
        teams: [{ id: 'billing', allowedSenders: ['28444'], perSecond: 1, perDay: 10 }],
        eventSources: { 'com.example.billing': ['billing'] },
        eventProducers: ['123456789012', 'arn:aws:iam::210987654321:role/producers/billing-events'],
      },
      'test',
    );
    expect(config.eventProducers).toHaveLength(2);
  });

  it('sizes the postback rate limit from the account throughput unless configured', () => {
    expect(postbackRateLimit(parseConfig(minimal, 'test'))).toBe(10 * 3 * 300 * 4);
    expect(postbackRateLimit(parseConfig({ ...minimal, postbackRateLimitPer5Min: 500 }, 'test'))).toBe(500);
  });

  it('offers exactly the retention periods CloudWatch Logs accepts', () => {
    const cdkValues = Object.values(RetentionDays).filter(
      (v): v is number => typeof v === 'number' && v !== RetentionDays.INFINITE,
    );
    expect([...LOG_RETENTION_DAYS].sort((a, b) => a - b)).toEqual(
      [...new Set(cdkValues)].sort((a, b) => a - b),
    );
  });
});
