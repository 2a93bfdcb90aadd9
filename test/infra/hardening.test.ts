/**
 * Synth assertions for issue #13's findings, for the dev and the prod config (docs/security.md): ingest access
 * modes and WAF rules, no sampled x-api-key and redacted WAF logs, the postback WAF size rule, security headers
 * on gateway responses, and the 401/403 and WAF-block alarms.
 */
import { describe, expect, it } from 'vitest';
import { INGEST_MANAGED_RULE_GROUPS } from '../../lib/constructs/ingest-api';
import { POSTBACK_WAF_MAX_BODY_BYTES } from '../../lib/constructs/postback-api';
import { configWith, props, resources, synth, text, type Json } from './support';

const dev = synth(configWith('dev'));
const prod = synth(configWith('prod'));
const privateStage = synth(
  configWith('dev', { ingestAccess: { mode: 'private', vpcEndpointIds: ['vpce-0123456789abcdef0'] } }),
);

const acl = (s: typeof dev, suffix: string): Json =>
  props(
    Object.values(resources(s.stateless, 'AWS::WAFv2::WebACL')).find((a) =>
      String(props(a).Name).endsWith(suffix),
    ) as Json,
  );
const rules = (s: typeof dev, suffix: string) => acl(s, suffix).Rules as Json[];
const api = (s: typeof dev, suffix: string): Json =>
  props(
    Object.values(resources(s.stateless, 'AWS::ApiGateway::RestApi')).find((a) =>
      String(props(a).Name).endsWith(suffix),
    ) as Json,
  );

describe.each([
  ['dev', dev],
  ['prod', prod],
])('%s: ingest web ACL', (_, s) => {
  it('has the managed IP-reputation and known-bad-inputs groups and rate rules per IP and per x-api-key', () => {
    const ingest = rules(s, '-ingest-waf');
    for (const group of INGEST_MANAGED_RULE_GROUPS) {
      expect(text(ingest.find((r) => r.Name === group)?.Statement)).toContain(group);
    }
    const perIp = ingest.find((r) => r.Name === 'rate-limit-per-ip');
    expect(perIp?.Statement).toMatchObject({
      RateBasedStatement: { AggregateKeyType: 'IP', Limit: s.config.ingestRateLimitPer5MinPerIp },
    });
    const perKey = ingest.find((r) => r.Name === 'rate-limit-per-api-key');
    expect(perKey?.Statement).toMatchObject({
      RateBasedStatement: {
        AggregateKeyType: 'CUSTOM_KEYS',
        Limit: s.config.ingestRateLimitPer5MinPerKey,
        CustomKeys: [{ Header: { Name: 'x-api-key' } }],
      },
    });
  });

  it('never samples requests (samples would show x-api-key) and logs to WAF logs with x-api-key redacted', () => {
    const ingest = acl(s, '-ingest-waf');
    expect((ingest.VisibilityConfig as Json).SampledRequestsEnabled).toBe(false);
    for (const rule of ingest.Rules as Json[]) {
      expect((rule.VisibilityConfig as Json).SampledRequestsEnabled, String(rule.Name)).toBe(false);
    }
    const logging = Object.values(resources(s.stateless, 'AWS::WAFv2::LoggingConfiguration')).map(props);
    expect(logging).toHaveLength(1);
    expect(logging[0]?.RedactedFields).toEqual([{ SingleHeader: { Name: 'x-api-key' } }]);
    const groups = Object.values(resources(s.stateless, 'AWS::Logs::LogGroup')).map(props);
    expect(groups.some((g) => String(g.LogGroupName).startsWith('aws-waf-logs-'))).toBe(true);
  });
});

describe('revocation', () => {
  it('outputs the ingest API id for the CLI to flush the authorizer cache', () => {
    expect(Object.keys(prod.stateless.findOutputs('IngestApiId'))).toEqual(['IngestApiId']);
  });
});

describe('ingest access modes', () => {
  it('prod uses the allowlist: resource policy on aws:SourceIp and a WAF rule blocking other sources', () => {
    expect(prod.config.ingestAccess.mode).toBe('allowlist');
    const cidrs = prod.config.ingestAccess.mode === 'allowlist' ? prod.config.ingestAccess.sourceCidrs : [];
    const ingest = api(prod, '-ingest');
    expect(text(ingest.Policy)).toContain('aws:SourceIp');
    for (const c of cidrs) expect(text(ingest.Policy)).toContain(c);
    const block = rules(prod, '-ingest-waf').find((r) => r.Name === 'block-outside-allowlist');
    expect(block?.Action).toEqual({ Block: {} });
    expect(text(block?.Statement)).toContain('NotStatement');
  });

  it('private: a PRIVATE endpoint with a resource policy on aws:SourceVpce', () => {
    const ingest = api(privateStage, '-ingest');
    expect(ingest.EndpointConfiguration).toMatchObject({ Types: ['PRIVATE'] });
    expect(text(ingest.Policy)).toContain('aws:SourceVpce');
    expect(text(ingest.Policy)).toContain('vpce-0123456789abcdef0');
  });

  it('public (dev default): regional, no resource policy, still the WAF rules', () => {
    expect(dev.config.ingestAccess.mode).toBe('public');
    expect(api(dev, '-ingest').Policy).toBeUndefined();
  });
});

describe.each([
  ['dev', dev],
  ['prod', prod],
])('%s: postback web ACL and answers', (_, s) => {
  it('refuses bodies over 16 KB before the Lambda', () => {
    const size = rules(s, '-postbacks-waf').find((r) => r.Name === 'body-size-limit');
    expect(size?.Statement).toMatchObject({
      SizeConstraintStatement: { ComparisonOperator: 'GT', Size: POSTBACK_WAF_MAX_BODY_BYTES },
    });
    expect(size?.Priority).toBe(0);
  });

  it('gateway responses carry no-store, nosniff, x-request-id and the request id in the body', () => {
    const responses = Object.values(resources(s.stateless, 'AWS::ApiGateway::GatewayResponse')).map(props);
    expect(responses.length).toBeGreaterThanOrEqual(8);
    for (const r of responses) {
      expect(r.ResponseParameters).toMatchObject({
        'gatewayresponse.header.Cache-Control': "'no-store'",
        'gatewayresponse.header.X-Content-Type-Options': "'nosniff'",
        'gatewayresponse.header.x-request-id': 'context.requestId',
      });
      const template = (r.ResponseTemplates as Record<string, string>)['application/json'] ?? '';
      expect(template).toContain('"request-id":"$context.requestId"');
    }
  });

  it('alarms on spikes of 401/403 and of WAF blocks', () => {
    const alarms = Object.values(resources(s.stateless, 'AWS::CloudWatch::Alarm')).map(props);
    const names = alarms.map((a) => String(a.AlarmName));
    expect(names).toContain(`mms-gateway-${s.config.stage}-AuthRefused`);
    expect(names).toContain(`mms-gateway-${s.config.stage}-WafBlocks`);
    const waf = alarms.find((a) => String(a.AlarmName).endsWith('-WafBlocks'));
    expect(text(waf?.Metrics)).toContain('BlockedRequests');
    expect(text(waf?.Metrics)).toContain(`mms-gateway-${s.config.stage}-postbacks-waf`);
    const filters = Object.values(resources(s.stateless, 'AWS::Logs::MetricFilter')).map(props);
    expect(filters.map((f) => String(f.FilterPattern)).join()).toMatch(/401.*403/);
  });
});
