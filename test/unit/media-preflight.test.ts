import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeMediaProber } from '../../lambdas/adapters/media-prober';
import { type MediaCheckCache, type UrlFacts, ProbeFailure } from '../../lambdas/domain/media/ports';
import {
  checkMedia,
  checkMediaUrl,
  DEFAULT_MEDIA_LIMITS_KB,
  mediaRefs,
  preflightRequest,
} from '../../lambdas/domain/media/preflight';
import { GatewayError } from '../../lambdas/domain/sinch/error-codes';
import { startMediaSandbox, type MediaSandbox } from '../../local/media-sandbox';

class MemoryCache implements MediaCheckCache {
  readonly items = new Map<string, { facts: UrlFacts; expiresAt: Date }>();
  get(url: string, now: Date) {
    const item = this.items.get(url);
    return Promise.resolve(item && item.expiresAt > now ? item.facts : undefined);
  }
  put(url: string, facts: UrlFacts, expiresAt: Date) {
    this.items.set(url, { facts, expiresAt });
    return Promise.resolve();
  }
}

const clock = { now: () => new Date(), sleep: () => Promise.resolve() };

describe('checkMediaUrl: SSRF spellings are refused before any connection', () => {
  it.each([
    'http://10.0.0.1/a.png',
    'http://192.168.1.10/a.png',
    'http://172.16.0.1/a.png',
    'http://127.0.0.1/a.png',
    'http://127.0.0.1./a.png',
    'http://localhost/a.png',
    'http://localhost./a.png',
    'http://media.localhost/a.png',
    'http://169.254.169.254/latest/meta-data',
    'http://[::1]/a.png',
    'http://[fe80::1]/a.png',
    'http://[fc00::1]/a.png',
    'http://[::ffff:127.0.0.1]/a.png',
    'http://[::ffff:10.0.0.1]/a.png',
    'http://[2002:7f00:1::]/a.png', // 6to4 of 127.0.0.1
    'http://[2002:a00:1::1]/a.png', // 6to4 of 10.0.0.1
    'http://[64:ff9b::7f00:1]/a.png', // NAT64 of 127.0.0.1
    'http://2130706433/a.png', // decimal 127.0.0.1
    'http://017700000001/a.png', // octal
    'http://0177.0.0.1/a.png',
    'http://0x7f.0.0.1/a.png', // hex
    'http://0x7f000001/a.png',
    'http://0/a.png',
    'ftp://example.com/a.png',
    'file:///etc/passwd',
    'https://user:pw@example.com/a.png',
    // 6to4 is refused whole, like webhook URLs: the relay is not ours to trust.
    'http://[2002:808:808::]/a.png',
    'not a url',
  ])('%s', (url) => {
    expect(checkMediaUrl(url).ok).toBe(false);
  });

  it.each(['https://example.com/a.png', 'http://cdn.example.org/x/y.mp4', 'http://[2606:4700::1111]/a.png'])(
    'allows the public %s',
    (url) => {
      expect(checkMediaUrl(url).ok).toBe(true);
    },
  );

  it('lets an allowlisted local origin through, and only that origin', () => {
    expect(checkMediaUrl('http://127.0.0.1:4567/a.png', ['http://127.0.0.1:4567']).ok).toBe(true);
    expect(checkMediaUrl('http://127.0.0.1:4568/a.png', ['http://127.0.0.1:4567']).ok).toBe(false);
  });
});

describe('media preflight against the sample server', () => {
  let sandbox: MediaSandbox;
  beforeAll(async () => {
    sandbox = await startMediaSandbox();
  });
  afterAll(() => sandbox.stop());

  const deps = (extra: Partial<Parameters<typeof checkMedia>[0]> = {}) => ({
    prober: new NodeMediaProber({ allowedLocalOrigins: [sandbox.origin] }),
    cache: new MemoryCache(),
    clock,
    limitsKb: DEFAULT_MEDIA_LIMITS_KB,
    budgetMs: 5_000,
    cacheTtlSeconds: 600,
    allowedLocalOrigins: [sandbox.origin],
    ...extra,
  });

  it('refuses at connect time a host name that resolves to a private address (DNS rebinding)', async () => {
    const prober = new NodeMediaProber({
      resolve: () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]),
    });
    const port = new URL(sandbox.origin).port;
    const before = sandbox.hits('/sample.png');
    const error = await prober
      .request(new URL(`http://rebind.example:${port}/sample.png`), 'HEAD', AbortSignal.timeout(5_000))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProbeFailure);
    expect((error as ProbeFailure).kind).toBe('address');
    expect(sandbox.hits('/sample.png')).toBe(before); // never connected
  });

  it('applies the configured size limit per kind, with the slide path', async () => {
    const check = checkMedia(deps({ limitsKb: { ...DEFAULT_MEDIA_LIMITS_KB, image: 0.001 } }));
    const refs = mediaRefs({
      slide: [{ 'message-text': 'x' }, { image: { url: `${sandbox.origin}/sample.png` } }],
    });
    const [finding] = await check(refs);
    expect(finding).toMatchObject({ path: 'slide[1].image', code: 'E331' });
  });

  it('ends a slow server with the time budget code, and caches nothing for it', async () => {
    const cache = new MemoryCache();
    const check = checkMedia(deps({ budgetMs: 300, cache }));
    const findings = await check([
      { path: 'slide[0].image', kind: 'image', url: `${sandbox.origin}/slow.png` },
    ]);
    expect(findings).toEqual([
      expect.objectContaining({ code: 'GW-MEDIA-CHECK-TIMEOUT', path: 'slide[0].image' }),
    ]);
    expect(cache.items.size).toBe(0);
  });

  it('warn returns history entries; enforce throws every finding; off does nothing', async () => {
    const gate = { check: checkMedia(deps()), defaultMode: 'off' as const };
    const request = { slide: [{ image: { url: `${sandbox.origin}/octet.bin` } }] };
    const team = { id: 't', allowedSenders: [], limits: { perSecond: 1, perDay: 1 }, revoked: false };
    const now = new Date();
    expect(await preflightRequest(gate, team, request, now)).toEqual([]);
    const notes = await preflightRequest(gate, { ...team, mediaCheck: 'warn' }, request, now);
    expect(notes).toEqual([expect.objectContaining({ event: 'media-warning', code: 'E629' })]);
    const refused = await preflightRequest(gate, { ...team, mediaCheck: 'enforce' }, request, now).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(GatewayError);
    expect((refused as GatewayError).toBody().errors?.[0]).toMatchObject({
      code: 'E629',
      field: 'slide[0].image',
    });
  });
});
