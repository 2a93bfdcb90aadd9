/**
 * The attack suite (docs/security.md) against the local gateway and its real emulators: another team's key on
 * every route that takes an id, forged postbacks, oversize bodies on both APIs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INGEST_ROUTES } from '../../definitions/routes';
import { startLocalGateway, type LocalGateway } from '../../local/runtime';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { call, lookup, send, sendmms, waitFor, waitForState } from './helpers';

const TOKEN = 'postback-token-for-tests-0123456789';
let gw: LocalGateway;
let otherKey = '';
let trackingId = '';
let scheduleId = '';

beforeAll(async () => {
  gw = await startLocalGateway({ postbackToken: TOKEN, sweepIntervalMs: 0 });
  otherKey = await gw.teams.addTeam({
    id: 'intruder',
    allowedSenders: ['15550001000'],
    perSecond: 10,
    perDay: 1000,
  });
  const sent = await send(gw, sendmms('15557654321', { 'client-reference': 'sec-1' }));
  expect(sent.status).toBe(202);
  trackingId = String(sent.body['tracking-id']);
  const schedule = await call(`${gw.apiUrl}/v2/schedules`, {
    apiKey: gw.apiKey,
    body: {
      name: 'security',
      schedule: 'rate(1 day)',
      timezone: 'UTC',
      recipients: ['15557654321'],
      message: {
        action: 'sendmms',
        from: '15550001000',
        'fallback-sms-text': 'hi',
        slide: [{ 'message-text': 'hi' }],
      },
    },
  });
  expect(schedule.status, JSON.stringify(schedule.body)).toBe(201);
  scheduleId = schedule.body['schedule-id'] as string;
});
afterAll(async () => {
  await gw?.stop();
});

/** Every route of the API that takes an id, from the OpenAPI document (the published route table). */
/**
 * Every route of the route table that names a gateway object by id. `{number}` routes (the suppression list) are
 * keyed by the caller's own team, not by an object id: another team's PUT or DELETE only touches its own list
 * (test/integration/consent.test.ts "a second team cannot list, add or delete").
 */
function idRoutes(): Array<{ method: string; path: string }> {
  return INGEST_ROUTES.filter((r) => r.path.includes('{') && !r.path.includes('{number}')).map((r) => ({
    method: r.method,
    path: r.path,
  }));
}

describe('tenant isolation', () => {
  it('another team gets 404 on every route that takes an id, and the owner still sees its data', async () => {
    const routes = idRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(6);
    const idFor = (path: string) => (path.includes('/schedules/') ? scheduleId : trackingId);
    expect(scheduleId).toMatch(/./);
    for (const { method, path } of routes) {
      const url = `${gw.apiUrl}${path.replace(/\{[^}]+\}/, encodeURIComponent(idFor(path)))}`;
      const body =
        method === 'PATCH' ? { 'send-at': new Date(Date.now() + 3600_000).toISOString() } : undefined;
      const answer = await call(url, { method, apiKey: otherKey, ...(body ? { body } : {}) });
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(JSON.stringify(answer.body), `${method} ${path}`).not.toContain('15557654321');
      // Every answer: not cacheable, no sniffing, and the request id in the header and the error body.
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
      expect(answer.headers.get('x-request-id')).toMatch(/./);
      expect(answer.body['request-id']).toBe(answer.headers.get('x-request-id'));
    }
    expect((await lookup(gw, trackingId)).status).toBe(200);
    expect((await call(`${gw.apiUrl}/v2/schedules/${scheduleId}`, { apiKey: gw.apiKey })).status).toBe(200);
  });
});

describe('forged postbacks', () => {
  const postback = (query: string, body: unknown) => call(`${gw.postbackUrl}${query}`, { body });
  const delivered = (id: string) => ({
    type: 'mms_status',
    'tracking-id': id,
    status: 'DELIVERED',
    code: 'N101',
    timestamp: new Date().toISOString(),
  });

  const stored = async (sinchId: string) =>
    ((await gw.db.send(new ScanCommand({ TableName: gw.tables.postbacks }))).Items ?? []).filter(
      (i) => i.trackingId === sinchId,
    );

  it('refuses a postback without a token or with a wrong one, and stores nothing', async () => {
    for (const query of [
      '',
      '?token=',
      '?token=wrong-token-0123456789abcdef',
      `?token=${TOKEN.slice(0, -1)}`,
      `?token=${TOKEN}x`,
      `?TOKEN=${TOKEN}`,
    ]) {
      const answer = await postback(query, delivered('forged-sinch-id'));
      expect(answer.status, query).toBe(403);
      expect(answer.body['error-code']).toBe('E104');
    }
    expect(await stored('forged-sinch-id')).toEqual([]);
  });

  it('the right token is accepted (Sinch is configured with it): real postbacks arrive', async () => {
    await waitFor('a postback of the real message', async () => {
      const answer = await lookup(gw, trackingId);
      const history = answer.body.history as Array<{ event: string }>;
      return history.some((h) => h.event === 'postback') ? true : undefined;
    });
  });

  it('a postback with the right token for an unknown tracking-id is stored and answered, and moves nothing', async () => {
    const before = await waitForState(gw, trackingId, ['delivered']);
    const answer = await postback(`?token=${TOKEN}`, delivered('unknown-sinch-id'));
    expect(answer.status).toBe(200);
    expect(await stored('unknown-sinch-id')).toHaveLength(1);
    const after = (await lookup(gw, trackingId)).body;
    expect(after.state).toBe(before.state);
  });
});

describe('oversize bodies', () => {
  it('the ingest API refuses a body over its limit with a Sinch-style error', async () => {
    const big = sendmms('15557654321', { 'message-subject': 'x'.repeat(70 * 1024) });
    const answer = await send(gw, big);
    expect([400, 413]).toContain(answer.status);
    expect(answer.body.status).toBe('failure');
  });

  it('the postback API refuses a body over 300 KB', async () => {
    const answer = await call(`${gw.postbackUrl}?token=${TOKEN}`, {
      body: { type: 'mms_status', padding: 'x'.repeat(310 * 1024) },
    });
    expect([400, 413]).toContain(answer.status);
    expect(answer.body['error-code']).toBe('GW-BODY-TOO-LARGE');
  });
});
