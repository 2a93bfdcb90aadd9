import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { HistoryEntry, MessageRecord } from '../../lambdas/domain/messages/ports';
import {
  checkRetryPolicy,
  checkWebhookUrl,
  classifyDelivery,
  computeSignature,
  DEFAULT_RETRY_POLICY,
  deliverWebhook,
  finishWebhookRotation,
  generateWebhookSecret,
  isRotating,
  newWebhookConfig,
  nextDelaySeconds,
  parseWebhookQueueBody,
  rotateWebhookSecret,
  signatureHeader,
  signingSecrets,
  verifyWebhookSignature,
  webhookBody,
  webhookQueueBody,
  webhookRetryBody,
  type DeliveryResult,
  type WebhookJob,
} from '../../lambdas/domain/webhooks/webhooks';
import type { WebhookConfig } from '../../lambdas/domain/webhooks/ports';

const NOW = 1_750_000_000; // unix seconds
const body = JSON.stringify({ 'event-id': 'mms_1:TRK#N102#t', detail: { 'new-state': 'delivered' } });

describe('webhook signatures', () => {
  const secret = 'whsec_current';

  it('verifies a signature made with the secret', () => {
    const header = signatureHeader([secret], body, NOW);
    expect(header).toBe(`t=${NOW},v1=${computeSignature(secret, NOW, body)}`);
    expect(verifyWebhookSignature(secret, header, body, NOW)).toBe(true);
    expect(verifyWebhookSignature(secret, header, Buffer.from(body, 'utf8'), NOW + 299)).toBe(true);
  });

  it('refuses a wrong secret', () => {
    const header = signatureHeader([secret], body, NOW);
    expect(verifyWebhookSignature('whsec_other', header, body, NOW)).toBe(false);
  });

  it('refuses a tampered body', () => {
    const header = signatureHeader([secret], body, NOW);
    expect(verifyWebhookSignature(secret, header, body.replace('delivered', 'failed'), NOW)).toBe(false);
    expect(verifyWebhookSignature(secret, header, `${body} `, NOW)).toBe(false);
  });

  it('refuses a stale (or future) timestamp, and a timestamp changed to look fresh', () => {
    const header = signatureHeader([secret], body, NOW);
    expect(verifyWebhookSignature(secret, header, body, NOW + 301)).toBe(false);
    expect(verifyWebhookSignature(secret, header, body, NOW - 301)).toBe(false);
    expect(verifyWebhookSignature(secret, header, body, NOW + 600, 900)).toBe(true);
    const replayed = header.replace(`t=${NOW}`, `t=${NOW + 600}`);
    expect(verifyWebhookSignature(secret, replayed, body, NOW + 600)).toBe(false);
  });

  it('refuses missing and malformed headers', () => {
    const v1 = computeSignature(secret, NOW, body);
    for (const header of [
      undefined,
      '',
      `v1=${v1}`,
      `t=${NOW}`,
      `t=abc,v1=${v1}`,
      `t=${NOW},v1=${v1.slice(0, 63)}`,
      `t=${NOW},v0=${v1}`,
      `t=${NOW},v1=${v1.toUpperCase()}`,
    ]) {
      expect(verifyWebhookSignature(secret, header, body, NOW), String(header)).toBe(false);
    }
    expect(verifyWebhookSignature(secret, ` t=${NOW} , v1=${v1} `, body, NOW)).toBe(true);
  });

  it('during a rotation signs with both secrets, so either verifies', () => {
    const header = signatureHeader(['whsec_new', 'whsec_old'], body, NOW);
    expect(header.split(',')).toHaveLength(3);
    expect(verifyWebhookSignature('whsec_new', header, body, NOW)).toBe(true);
    expect(verifyWebhookSignature('whsec_old', header, body, NOW)).toBe(true);
    expect(verifyWebhookSignature('whsec_other', header, body, NOW)).toBe(false);
  });

  it('needs a secret to sign', () => {
    expect(() => signatureHeader([], body, NOW)).toThrow(/secret/);
  });

  it('docs/webhooks.md shows exactly the verification code the tests run', () => {
    const source = readFileSync(
      new URL('../../lambdas/domain/webhooks/webhooks.ts', import.meta.url),
      'utf8',
    );
    const region =
      /\/\/ #region verifyWebhookSignature\n([\s\S]*?)\/\/ #endregion verifyWebhookSignature/.exec(
        source,
      )?.[1];
    expect(region).toBeDefined();
    expect(region).toContain('export function verifyWebhookSignature(');
    const doc = readFileSync(new URL('../../docs/webhooks.md', import.meta.url), 'utf8');
    expect(doc).toContain(region?.trim());
  });
});

describe('webhook secrets and rotation', () => {
  const t0 = new Date('2025-06-01T00:00:00.000Z');
  const at = (hours: number) => new Date(t0.getTime() + hours * 3600_000);

  it('generates long random secrets', () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(generateWebhookSecret()).not.toBe(a);
  });

  it('signs with the new and the old secret for 24 h after a rotation, then with the new one only', () => {
    const config = newWebhookConfig('https://hooks.example.com/mms', 's1', t0);
    expect(signingSecrets(config, t0)).toEqual(['s1']);
    const rotated = rotateWebhookSecret(config, 's2', at(1));
    expect(signingSecrets(rotated, at(1))).toEqual(['s2', 's1']);
    expect(isRotating(rotated, at(24.9))).toBe(true);
    expect(signingSecrets(rotated, at(25))).toEqual(['s2']);
    expect(isRotating(rotated, at(25))).toBe(false);
  });

  it('finishing a rotation keeps only the new secret', () => {
    const rotated = rotateWebhookSecret(newWebhookConfig('https://h.example.com', 's1', t0), 's2', t0);
    const finished = finishWebhookRotation(rotated, at(2));
    expect(finished.secrets.map((s) => s.secret)).toEqual(['s2']);
    expect(signingSecrets(finished, at(2))).toEqual(['s2']);
  });

  it('a second rotation drops the oldest secret at once: never more than two', () => {
    let config: WebhookConfig = newWebhookConfig('https://h.example.com', 's1', t0);
    config = rotateWebhookSecret(config, 's2', at(1));
    config = rotateWebhookSecret(config, 's3', at(2));
    expect(signingSecrets(config, at(2))).toEqual(['s3', 's2']);
  });
});

describe('retry schedule', () => {
  const first = new Date('2025-06-01T00:00:00.000Z');
  const after = (seconds: number) => new Date(first.getTime() + seconds * 1000);

  it('backs off 10 s, 30 s, 1 min, 5 min, 15 min, then every 15 min', () => {
    const delays: number[] = [];
    let elapsed = 0;
    for (let attempts = 1; attempts <= 8; attempts += 1) {
      const delay = nextDelaySeconds(attempts, first, after(elapsed));
      expect(delay).toBeDefined();
      delays.push(delay ?? 0);
      elapsed += delay ?? 0;
    }
    expect(delays).toEqual([10, 30, 60, 300, 900, 900, 900, 900]);
  });

  it('stops 24 h after the first attempt', () => {
    const day = 24 * 3600;
    expect(nextDelaySeconds(50, first, after(day - 900))).toBe(900);
    expect(nextDelaySeconds(50, first, after(day - 899))).toBeUndefined();
    expect(nextDelaySeconds(50, first, after(day))).toBeUndefined();
    expect(nextDelaySeconds(1, first, after(day - 10))).toBe(10);
    expect(nextDelaySeconds(1, first, after(day - 9))).toBeUndefined();
  });

  it('makes about a hundred attempts over the 24 h with the default schedule', () => {
    let attempts = 1;
    let elapsed = 0;
    for (;;) {
      const delay = nextDelaySeconds(attempts, first, after(elapsed));
      if (delay === undefined) break;
      elapsed += delay;
      attempts += 1;
    }
    expect(elapsed).toBeLessThanOrEqual(24 * 3600);
    expect(attempts).toBe(5 + Math.floor((24 * 3600 - 1300) / 900) + 1);
  });

  it('takes a custom schedule (short delays for tests)', () => {
    const policy = { delaysSeconds: [1, 2], maxAgeSeconds: 5 };
    expect(nextDelaySeconds(1, first, after(0), policy)).toBe(1);
    expect(nextDelaySeconds(2, first, after(1), policy)).toBe(2);
    expect(nextDelaySeconds(3, first, after(3), policy)).toBe(2);
    expect(nextDelaySeconds(4, first, after(4), policy)).toBeUndefined();
  });

  it('refuses schedules SQS cannot carry', () => {
    expect(() => checkRetryPolicy({ delaysSeconds: [], maxAgeSeconds: 10 })).toThrow();
    expect(() => checkRetryPolicy({ delaysSeconds: [901], maxAgeSeconds: 10 })).toThrow(/900/);
    expect(() => checkRetryPolicy({ delaysSeconds: [1.5], maxAgeSeconds: 10 })).toThrow();
    expect(() => checkRetryPolicy({ delaysSeconds: [1], maxAgeSeconds: 0 })).toThrow();
    expect(checkRetryPolicy(DEFAULT_RETRY_POLICY)).toBe(DEFAULT_RETRY_POLICY);
  });
});

describe('delivery outcomes', () => {
  it('2xx is delivered; 410 stops; other statuses, timeouts and connection errors are retried', () => {
    expect(classifyDelivery({ kind: 'response', status: 200 })).toEqual({ kind: 'delivered', code: '200' });
    expect(classifyDelivery({ kind: 'response', status: 204 }).kind).toBe('delivered');
    expect(classifyDelivery({ kind: 'response', status: 410 })).toMatchObject({
      kind: 'failed',
      code: '410',
      retryable: false,
    });
    for (const status of [301, 302, 400, 401, 404, 429, 500, 503]) {
      expect(classifyDelivery({ kind: 'response', status })).toMatchObject({
        kind: 'failed',
        code: String(status),
        retryable: true,
      });
    }
    expect(classifyDelivery({ kind: 'response', status: 302 })).toMatchObject({
      detail: expect.stringContaining('redirects are not followed') as string,
    });
    expect(classifyDelivery({ kind: 'error', code: 'timeout', message: 'slow' })).toMatchObject({
      code: 'timeout',
      retryable: true,
    });
    expect(classifyDelivery({ kind: 'error', code: 'ECONNREFUSED', message: 'x' }).kind).toBe('failed');
    expect(classifyDelivery({ kind: 'error', code: 'blocked-address', message: 'x' })).toMatchObject({
      retryable: false,
    });
  });
});

describe('webhook URL rules', () => {
  const production = { allowInsecureLocal: false };
  const local = { allowInsecureLocal: true };
  const ok = (url: string, rules = production) => checkWebhookUrl(url, rules).ok;

  it('accepts public https URLs', () => {
    expect(ok('https://hooks.example.com/mms/status?team=a')).toBe(true);
    expect(ok('https://93.184.216.34:8443/hook')).toBe(true);
    expect(ok('https://[2606:4700::1111]/hook')).toBe(true);
  });

  it('refuses http, other schemes, garbage, credentials and very long URLs', () => {
    expect(checkWebhookUrl('http://hooks.example.com/mms', production)).toEqual({
      ok: false,
      reason: 'must use https',
    });
    expect(ok('ftp://hooks.example.com/')).toBe(false);
    expect(ok('file:///etc/passwd')).toBe(false);
    expect(ok('hooks.example.com/mms')).toBe(false);
    expect(ok('https://user:pass@hooks.example.com/')).toBe(false);
    expect(ok(`https://hooks.example.com/${'a'.repeat(2100)}`)).toBe(false);
  });

  it('refuses loopback, private, link-local and metadata targets in production (SSRF)', () => {
    for (const url of [
      'https://localhost/hook',
      'https://api.localhost/hook',
      'https://127.0.0.1/hook',
      'https://2130706433/hook', // 127.0.0.1 as a number, normalised by the URL parser
      'https://10.1.2.3/hook',
      'https://172.16.0.1/hook',
      'https://192.168.1.1/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://100.64.0.1/hook',
      'https://0.0.0.0/hook',
      'https://[::1]/hook',
      'https://[::ffff:127.0.0.1]/hook',
      'https://[::ffff:a9fe:a9fe]/hook',
      'https://[fd00::1]/hook',
      'https://[fe80::1]/hook',
    ]) {
      expect(ok(url), url).toBe(false);
    }
  });

  it('allows http and https to loopback only when insecure local webhooks are allowed', () => {
    expect(ok('http://127.0.0.1:8080/hook', local)).toBe(true);
    expect(ok('http://localhost:8080/hook', local)).toBe(true);
    expect(ok('http://[::1]:8080/hook', local)).toBe(true);
    expect(ok('https://127.0.0.1:8443/hook', local)).toBe(true);
    expect(ok('http://127.0.0.1:8080/hook', production)).toBe(false);
    expect(ok('http://hooks.example.com/hook', local)).toBe(false);
    expect(ok('http://10.0.0.1/hook', local)).toBe(false);
  });
  // Address classification: the SSRF corpus in test/unit/security/ssrf.test.ts.
});

describe('webhook queue items', () => {
  const detail = { 'event-id': 'mms_1:k', 'tracking-id': 'mms_1', team: 'alpha', 'new-state': 'delivered' };

  it('reads an EventBridge event as attempt 1', () => {
    const raw = webhookQueueBody({
      id: 'evt-1',
      source: 'mms-gateway',
      detailType: 'mms.status-changed',
      detail,
      time: '2025-06-01T00:00:00.000Z',
    });
    expect(JSON.parse(raw)).toMatchObject({ 'detail-type': 'mms.status-changed', detail });
    expect(parseWebhookQueueBody(raw)).toEqual({
      attempt: 1,
      event: { type: 'mms.status-changed', time: '2025-06-01T00:00:00.000Z', detail },
    });
  });

  it('round-trips a retry', () => {
    const job: WebhookJob = {
      attempt: 3,
      firstAttemptAt: '2025-06-01T00:00:01.000Z',
      event: { type: 'mms.status-changed', time: '2025-06-01T00:00:00.000Z', detail },
    };
    expect(parseWebhookQueueBody(webhookRetryBody(job))).toEqual(job);
  });

  it('refuses anything else', () => {
    for (const raw of ['[]', '{}', '{"kind":"webhook-retry","attempt":0}', '{"detail-type":"x"}']) {
      expect(() => parseWebhookQueueBody(raw), raw).toThrow();
    }
    expect(() => parseWebhookQueueBody('not json')).toThrow();
  });
});

describe('deliverWebhook', () => {
  const t0 = new Date('2025-06-01T00:00:00.000Z');
  const secret = 'whsec_test';
  const detail = {
    'event-id': 'mms_1:TRK#N102#ts',
    'tracking-id': 'mms_1',
    team: 'alpha',
    'old-state': 'sent',
    'new-state': 'delivered',
  };
  const job = (attempt = 1, firstAttemptAt?: string): WebhookJob => ({
    attempt,
    ...(firstAttemptAt ? { firstAttemptAt } : {}),
    event: { type: 'mms.status-changed', time: t0.toISOString(), detail },
  });

  function setup(
    options: { results?: DeliveryResult[]; url?: string; noMessage?: boolean; messageTeam?: string } = {},
  ) {
    let now = t0;
    const history: HistoryEntry[] = [];
    const posts: Array<{ url: string; body: string; headers: Record<string, string> }> = [];
    const retries: Array<{ job: WebhookJob; delay: number }> = [];
    const results = [...(options.results ?? [])];
    const config = newWebhookConfig(options.url ?? 'https://hooks.example.com/mms', secret, t0);
    const message = {
      id: 'mms_1',
      teamId: options.messageTeam ?? 'alpha',
      history,
    } as unknown as MessageRecord;
    const deliver = deliverWebhook({
      webhooks: { webhookOf: (team) => Promise.resolve(team === 'alpha' ? config : undefined) },
      sender: {
        post: (url, body, headers) => {
          posts.push({ url, body, headers: { ...headers } });
          return Promise.resolve(results.shift() ?? { kind: 'response', status: 200 });
        },
      },
      queue: {
        retryLater: (j, delay) => {
          retries.push({ job: j, delay });
          return Promise.resolve();
        },
      },
      messages: {
        get: (id) => Promise.resolve(options.noMessage || id !== 'mms_1' ? undefined : message),
        appendHistory: (_id, entry) => {
          history.push(entry);
          return Promise.resolve();
        },
      },
      clock: { now: () => now },
      retry: { delaysSeconds: [10, 30], maxAgeSeconds: 120 },
      urlRules: { allowInsecureLocal: false },
    });
    return { deliver, history, posts, retries, setNow: (d: Date) => (now = d) };
  }

  it('posts the signed event and records the delivery once', async () => {
    const { deliver, posts, history } = setup();
    expect(await deliver(job())).toEqual({ kind: 'delivered', attempt: 1 });
    const [post] = posts;
    expect(post?.url).toBe('https://hooks.example.com/mms');
    expect(post?.body).toBe(webhookBody(job().event, detail['event-id']));
    expect(JSON.parse(post?.body ?? '{}')).toEqual({
      'event-id': detail['event-id'],
      type: 'mms.status-changed',
      time: t0.toISOString(),
      detail,
    });
    expect(post?.headers['x-mms-gateway-event-id']).toBe(detail['event-id']);
    expect(post?.headers['x-mms-gateway-delivery-attempt']).toBe('1');
    const header = post?.headers['x-mms-gateway-signature'];
    expect(verifyWebhookSignature(secret, header, post?.body ?? '', t0.getTime() / 1000)).toBe(true);
    expect(history).toEqual([
      expect.objectContaining({ event: 'webhook-delivered', code: '200', ref: detail['event-id'] }),
    ]);
    // The same event again (SQS redelivery, EventBridge re-publish): not posted a second time.
    expect(await deliver(job())).toEqual({ kind: 'already-delivered' });
    expect(posts).toHaveLength(1);
    expect(history).toHaveLength(1);
  });

  it('does nothing for a team without a webhook, and ignores events it cannot attribute', async () => {
    const { deliver, posts } = setup();
    const other = { ...job(), event: { ...job().event, detail: { ...detail, team: 'beta' } } };
    expect(await deliver(other)).toEqual({ kind: 'no-webhook' });
    const anonymous = { ...job(), event: { ...job().event, detail: { 'event-id': 'x' } } };
    expect((await deliver(anonymous)).kind).toBe('ignored');
    expect(posts).toHaveLength(0);
  });

  it('records a failure and queues the next attempt with the back-off delay', async () => {
    const { deliver, history, retries } = setup({ results: [{ kind: 'response', status: 500 }] });
    expect(await deliver(job())).toEqual({ kind: 'retry', attempt: 1, code: '500', afterSeconds: 10 });
    expect(retries).toEqual([{ job: job(2, t0.toISOString()), delay: 10 }]);
    expect(history).toEqual([
      expect.objectContaining({ event: 'webhook-failed', code: '500', ref: detail['event-id'] }),
    ]);
  });

  it('gives up when the next attempt would fall outside the retry window', async () => {
    const { deliver, history, retries, setNow } = setup({
      results: [{ kind: 'error', code: 'timeout', message: 'no complete answer within 5000 ms' }],
    });
    setNow(new Date(t0.getTime() + 100_000));
    expect(await deliver(job(5, t0.toISOString()))).toEqual({
      kind: 'abandoned',
      attempt: 5,
      code: 'timeout',
    });
    expect(retries).toHaveLength(0);
    expect(history.map((h) => [h.event, h.code])).toEqual([
      ['webhook-failed', 'timeout'],
      ['webhook-abandoned', 'timeout'],
    ]);
  });

  it('stops at once on 410 Gone and on a URL the rules refuse', async () => {
    const gone = setup({ results: [{ kind: 'response', status: 410 }] });
    expect(await gone.deliver(job())).toMatchObject({ kind: 'abandoned', code: '410' });
    expect(gone.retries).toHaveLength(0);

    const internal = setup({ url: 'https://169.254.169.254/latest' });
    expect(await internal.deliver(job())).toMatchObject({ kind: 'abandoned', code: 'invalid-url' });
    expect(internal.posts).toHaveLength(0);
  });

  it('signs and posts nothing for a tracking-id that matches no message, or a message of another team', async () => {
    const gone = setup({ noMessage: true });
    expect(await gone.deliver(job())).toEqual({
      kind: 'ignored',
      reason: 'no message of this team with this tracking-id',
    });
    expect(gone.posts).toHaveLength(0);
    const forged = setup();
    // alpha's message, but the event claims team beta (which has no webhook here) or alpha for another id.
    const otherId = { ...job(), event: { ...job().event, detail: { ...detail, 'tracking-id': 'mms_2' } } };
    expect((await forged.deliver(otherId)).kind).toBe('ignored');
    const noId = { ...job(), event: { ...job().event, detail: { ...detail, 'tracking-id': undefined } } };
    expect((await forged.deliver(noId)).kind).toBe('ignored');
    expect(forged.posts).toHaveLength(0);
    expect(forged.history).toHaveLength(0);
    // A message of team beta, in an event that claims alpha (which has a webhook): not posted to alpha.
    const crossTeam = setup({ messageTeam: 'beta' });
    expect((await crossTeam.deliver(job())).kind).toBe('ignored');
    expect(crossTeam.posts).toHaveLength(0);
  });
});
