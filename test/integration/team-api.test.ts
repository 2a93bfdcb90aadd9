/**
 * The team API on the local gateway: a team reads its settings, manages its webhook (set, test ping, deliveries,
 * rotation), quiet hours and key, and reads its usage — and a second team sees none of it.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalGateway, type LocalGateway } from '../../local/runtime';
import { hashApiKey } from '../../lambdas/domain/teams/teams';
import { call, send, sendmms, startReceiver, waitFor, waitForState } from './helpers';

let gw: LocalGateway;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let receiverUrl: string;
let received: Awaited<ReturnType<typeof startReceiver>>['received'];
let otherKey: string;

beforeAll(async () => {
  receiver = await startReceiver(200, `thanks ${'x'.repeat(2000)}`);
  receiverUrl = receiver.url;
  received = receiver.received;
  gw = await startLocalGateway({ accountTps: 50 });
  otherKey = await gw.teams.addTeam({
    id: 'other-team',
    allowedSenders: ['15550002000'],
    perSecond: 5,
    perDay: 100,
  });
});
afterAll(async () => {
  await gw?.stop();
  await receiver?.stop();
});

const api = (path: string, init: { method?: string; body?: unknown; apiKey?: string } = {}) =>
  call(`${gw.apiUrl}${path}`, { apiKey: init.apiKey ?? gw.apiKey, ...init });

const verified = (secret: string, r: { headers: IncomingHttpHeaders; body: string } | undefined) => {
  try {
    new Webhook(secret).verify(r?.body ?? '', r?.headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
};

describe('team API', () => {
  it('GET /v2/team shows the calling team only, never a secret', async () => {
    const mine = await api('/v2/team');
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({
      team: 'local-dev',
      'allowed-senders': ['15550001000', '15550001001'],
      limits: { 'per-second': 100, 'per-day': 1_000_000 },
      'quiet-hours': null,
      'retention-days': 90,
      webhook: null,
    });
    // A team's own retention (set by the platform team) shows instead of the default.
    await gw.teams.setSettings('other-team', { retentionDays: 30 });
    const other = await api('/v2/team', { apiKey: otherKey });
    expect(other.body).toMatchObject({
      team: 'other-team',
      'allowed-senders': ['15550002000'],
      'retention-days': 30,
    });
    expect((await api('/v2/team', { apiKey: 'nope' })).status).toBe(401);
  });

  it('webhook: refuses bad URLs, sets one (secret once), pings it signed, lists deliveries, rotates', async () => {
    const bad = await api('/v2/team/webhook', { method: 'PUT', body: { url: 'ftp://example.com/x' } });
    expect(bad.status).toBe(400);
    expect(bad.body['error-code']).toBe('GW-INVALID-WEBHOOK-URL');
    expect((await api('/v2/team/webhook/test', { method: 'POST' })).status).toBe(404);

    const set = await api('/v2/team/webhook', { method: 'PUT', body: { url: receiverUrl } });
    expect(set.status).toBe(201);
    const secret = String(set.body.secret);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const again = await api('/v2/team/webhook', { method: 'PUT', body: { url: `${receiverUrl}?v=2` } });
    expect(again.status).toBe(200);
    expect(again.body.secret).toBeUndefined();
    expect(JSON.stringify((await api('/v2/team')).body)).not.toContain('whsec_');

    const ping = await api('/v2/team/webhook/test', { method: 'POST' });
    expect(ping.status).toBe(200);
    expect(ping.body).toMatchObject({ delivered: true, status: 200 });
    expect(String(ping.body.answer)).toHaveLength(1024);
    expect(String(ping.body.answer)).toMatch(/^thanks x/);
    expect(typeof ping.body['latency-ms']).toBe('number');
    const pinged = received.at(-1);
    expect(pinged?.headers['webhook-id']).toBe(ping.body['event-id']);
    expect(verified(secret, pinged)).toBe(true);

    // A real status event reaches the webhook and the deliveries list.
    const sent = await send(gw, sendmms('15550000001'));
    const trackingId = String(sent.body['tracking-id']);
    await waitForState(gw, trackingId, ['delivered']);
    const deliveries = await waitFor('a delivered status event in the deliveries', async () => {
      const list = await api('/v2/team/webhook/deliveries?limit=50');
      const items = list.body.deliveries as Array<Record<string, unknown>>;
      return items.some((d) => d['tracking-id'] === trackingId && d.outcome === 'delivered')
        ? items
        : undefined;
    });
    expect(deliveries.at(-1)).toMatchObject({ event: 'mms.webhook-test', outcome: 'delivered', status: 200 });
    expect((await api('/v2/team/webhook/deliveries?limit=0')).status).toBe(400);
    // Another team sees none of it.
    expect((await api('/v2/team/webhook/deliveries', { apiKey: otherKey })).body).toEqual({ deliveries: [] });

    const rotated = await api('/v2/team/webhook/rotate-secret', { method: 'POST' });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ rotating: true, 'signing-secrets': 2 });
    const newSecret = String(rotated.body.secret);
    expect(newSecret).not.toBe(secret);
    await api('/v2/team/webhook/test', { method: 'POST' });
    const both = received.at(-1);
    expect(verified(secret, both) && verified(newSecret, both)).toBe(true);

    expect((await api('/v2/team/webhook', { method: 'DELETE', apiKey: otherKey })).status).toBe(404);
    expect((await api('/v2/team/webhook', { method: 'DELETE' })).status).toBe(200);
    expect((await api('/v2/team')).body.webhook).toBeNull();
  });

  it('quiet hours: set, refused when invalid, removed', async () => {
    const set = await api('/v2/team/quiet-hours', {
      method: 'PUT',
      body: { 'time-zone': 'America/New_York', start: '21:00', end: '08:00' },
    });
    expect(set.status).toBe(200);
    expect((await api('/v2/team')).body['quiet-hours']).toEqual({
      'time-zone': 'America/New_York',
      start: '21:00',
      end: '08:00',
    });
    for (const body of [{ 'time-zone': 'Mars/Base', start: '21:00', end: '08:00' }, { start: '25:00' }]) {
      const bad = await api('/v2/team/quiet-hours', { method: 'PUT', body });
      expect(bad.status).toBe(400);
      expect(bad.body['error-code']).toBe('GW-INVALID-QUIET-HOURS');
    }
    expect((await api('/v2/team/quiet-hours', { method: 'PUT', body: 'null' })).status).toBe(200);
    expect((await api('/v2/team')).body['quiet-hours']).toBeNull();
    expect((await api('/v2/team', { apiKey: otherKey })).body['quiet-hours']).toBeNull();
  });

  it('key rotation: the new key works and the old one keeps working during the grace period', async () => {
    const key = await gw.teams.addTeam({
      id: 'rotating',
      allowedSenders: ['15550003000'],
      perSecond: 5,
      perDay: 9,
    });
    const rotated = await api('/v2/team/keys/rotate', { method: 'POST', apiKey: key });
    expect(rotated.status).toBe(200);
    const newKey = String(rotated.body['api-key']);
    expect(newKey).not.toBe(key);
    const graceEnd = Date.parse(String(rotated.body['previous-key-expires-at']));
    expect(graceEnd - Date.now()).toBeGreaterThan(23 * 3600_000); // default grace: 24 h
    expect((await api('/v2/team', { apiKey: newKey })).body.team).toBe('rotating');
    expect((await api('/v2/team', { apiKey: key })).body.team).toBe('rotating');

    // After the grace period the old key is refused (a key the authorizer has not cached yet).
    const fresh = await gw.teams.addTeam({
      id: 'expiring',
      allowedSenders: ['15550003000'],
      perSecond: 5,
      perDay: 9,
    });
    await gw.teams.rotateKeyWithGrace('expiring', hashApiKey(fresh), new Date(Date.now() + 300));
    await new Promise((r) => setTimeout(r, 600));
    expect((await api('/v2/team', { apiKey: fresh })).status).toBe(401);
    // The key named must belong to the team: another team's key is never touched.
    await gw.teams.rotateKeyWithGrace('expiring', hashApiKey(otherKey), new Date(Date.now() - 1000));
    expect((await gw.teams.findByKeyHash(hashApiKey(otherKey)))?.id).toBe('other-team');
  });

  it('usage per UTC day: accepted, refused, states and an estimated cost; nothing for another team', async () => {
    const refused = await send(gw, sendmms('+1555'));
    expect(refused.status).toBe(400);
    const sent = await send(gw, sendmms('15550000002'));
    await waitForState(gw, String(sent.body['tracking-id']), ['delivered-as-sms']);
    const today = new Date().toISOString().slice(0, 10);
    const usage = await waitFor('usage to count the SMS delivery', async () => {
      const answer = await api(`/v2/usage?since=${today}&until=${today}`);
      const day = (answer.body.days as Array<Record<string, number>>)[0];
      return (day?.['delivered-as-sms'] ?? 0) >= 1 ? answer.body : undefined;
    });
    const [day] = usage.days as Array<Record<string, number>>;
    expect(day).toMatchObject({ day: today });
    expect(day?.accepted).toBeGreaterThanOrEqual(2);
    expect(day?.refused).toBeGreaterThanOrEqual(1);
    expect(day?.submitted).toBeGreaterThanOrEqual(2);
    expect(day?.delivered).toBeGreaterThanOrEqual(1);
    const expected =
      ((day?.submitted ?? 0) - (day?.['delivered-as-sms'] ?? 0)) * 0.02 +
      (day?.['delivered-as-sms'] ?? 0) * 0.0079;
    expect(day?.['estimated-cost']).toBeCloseTo(expected, 4);
    expect((await api('/v2/team')).body['usage-today']).toMatchObject({ day: today });

    const other = await api(`/v2/usage?since=${today}&until=${today}`, { apiKey: otherKey });
    expect((other.body.days as Array<Record<string, number>>)[0]).toMatchObject({
      accepted: 0,
      delivered: 0,
    });
    const bad = await api('/v2/usage?since=2026-02-01&until=2026-01-01');
    expect(bad.status).toBe(400);
    expect(bad.body['error-code']).toBe('GW-INVALID-DATE-RANGE');
    expect((await api('/v2/usage?since=yesterday')).body['error-code']).toBe('GW-INVALID-DATE-RANGE');
  });
});
