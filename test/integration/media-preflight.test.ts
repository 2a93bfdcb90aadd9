/**
 * Media preflight end to end: the local runtime, its sample media server, the teams' media-check modes, the
 * DynamoDB cache and POST /v2/media/check. Only loopback: every refused URL is refused before connecting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_TEAM, startLocalGateway, type LocalGateway } from '../../local/runtime';
import { SAMPLES } from '../../local/media-sandbox';
import { call, lookup, send, sendmms } from './helpers';

let gw: LocalGateway;

beforeAll(async () => {
  gw = await startLocalGateway({
    sweepIntervalMs: 0,
    env: { AUTH_CACHE_SECONDS: '0', MEDIA_CHECK_BUDGET_MS: '4000' },
  });
}, 120_000);
afterAll(() => gw.stop());

const setMode = (mode: 'off' | 'warn' | 'enforce') =>
  gw.teams.setSettings(LOCAL_TEAM.id, { mediaCheck: mode });
const withMedia = (kind: string, url: string, to = '15550000001') =>
  sendmms(to, { slide: [{ 'message-text': 'x' }, { [kind]: { url } }] });

describe.each(['off', 'warn', 'enforce'] as const)('media-check %s', (mode) => {
  beforeAll(() => setMode(mode));

  it.each(Object.entries(SAMPLES))('%s', async (_name, sample) => {
    const answer = await send(gw, withMedia(sample.kind, `${gw.media.origin}${sample.path}`));
    const bad = !sample.ok;
    if (mode === 'enforce' && bad) {
      expect(answer.status).toBe(400);
      expect(answer.body['error-code']).toBe('code' in sample ? sample.code : undefined);
      expect((answer.body.errors as { field: string }[])[0]?.field).toBe(`slide[1].${sample.kind}`);
      return;
    }
    expect(answer.status).toBe(202);
    const message = await lookup(gw, String(answer.body['tracking-id']));
    const warnings = (message.body.history as { event: string; code?: string }[]).filter(
      (h) => h.event === 'media-warning',
    );
    if (mode === 'warn' && bad)
      expect(warnings.map((w) => w.code)).toEqual(['code' in sample ? sample.code : '']);
    else expect(warnings).toEqual([]);
  });
});

describe('media-check enforce', () => {
  beforeAll(() => setMode('enforce'));

  it('fetches a URL once for many sends (the cache)', async () => {
    const url = `${gw.media.origin}/sample.mp4?campaign=cache-test`;
    const before = gw.media.hits('/sample.mp4');
    for (let i = 0; i < 5; i += 1) expect((await send(gw, withMedia('video', url))).status).toBe(202);
    expect(gw.media.hits('/sample.mp4') - before).toBe(1); // one HEAD for five sends
  });

  it('refuses a slow server with the time budget code, never a 5xx', async () => {
    const answer = await send(gw, withMedia('image', `${gw.media.origin}/slow.png`));
    expect(answer.status).toBe(400);
    expect(answer.body['error-code']).toBe('GW-MEDIA-CHECK-TIMEOUT');
  }, 30_000);

  it.each([
    'http://127.0.0.1:1/a.png', // loopback, not the allowlisted port
    'http://localhost./a.png',
    'http://[::1]/a.png',
    'http://[::ffff:7f00:1]/a.png',
    'http://[2002:7f00:1::]/a.png',
    'http://[64:ff9b::a00:1]/a.png',
    'http://2130706433/a.png',
    'http://0x7f.1/a.png',
    'http://0177.0.0.1/a.png',
    'http://169.254.169.254/latest/meta-data',
    'http://10.1.2.3/a.png',
    'http://[fe80::1]/a.png',
  ])('refuses %s (E351)', async (url) => {
    const answer = await send(gw, withMedia('image', url));
    expect(answer.status).toBe(400);
    expect(answer.body['error-code']).toBe('E351');
    expect(String(answer.body['error-info'])).toContain('slide[1].image');
  });
});

describe('POST /v2/media/check', () => {
  it('answers the findings of a list of URLs, fresh', async () => {
    const entries = Object.values(SAMPLES).map((s) => ({ kind: s.kind, url: `${gw.media.origin}${s.path}` }));
    const answer = await call(`${gw.apiUrl}/v2/media/check`, { apiKey: gw.apiKey, body: { media: entries } });
    expect(answer.status).toBe(200);
    const results = answer.body.results as { ok: boolean; 'error-code'?: string }[];
    expect(results.map((r) => r['error-code'] ?? 'ok')).toEqual(
      Object.values(SAMPLES).map((s) => ('code' in s ? s.code : 'ok')),
    );
  });

  it('refuses a malformed list and an unknown key', async () => {
    const bad = await call(`${gw.apiUrl}/v2/media/check`, {
      apiKey: gw.apiKey,
      body: { media: [{ url: 1 }] },
    });
    expect(bad.status).toBe(400);
    const anonymous = await call(`${gw.apiUrl}/v2/media/check`, { body: { media: [] } });
    expect(anonymous.status).toBe(401);
  });
});
