/**
 * Event-triggered and scheduled sends end to end: the local bus (same rule pattern as the CDK rule) → the
 * events queue → the events worker → the accept use case; send-at → the local EventBridge Scheduler (persisted
 * in DynamoDB Local) → the send queue at that time; cancel and reschedule; quiet hours.
 */
import { PutEventsCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalGateway, type LocalGateway } from '../../local/runtime';
import { call, lookup, send, sendmms, SENDER, waitFor, waitForState, waitUntil } from './helpers';

let gw: LocalGateway;
let bus: EventBridgeClient;
beforeAll(async () => {
  gw = await startLocalGateway({
    accountTps: 50,
    env: { EVENT_SOURCES: JSON.stringify({ 'com.example.billing': ['local-dev', 'quiet-team'] }) },
  });
  bus = new EventBridgeClient({
    endpoint: gw.eventsEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});
afterAll(async () => {
  bus?.destroy();
  await gw?.stop();
});

const acceptedBySinch = (to: string) =>
  gw.simulator
    .requests()
    .filter((r) => r.outcome === 'accepted' && (r.body as Record<string, unknown>).to === to);
const eventsOf = (detailType: string) => gw.putEvents.filter((e) => e.detailType === detailType);

async function putSendEvent(detail: Record<string, unknown>, source = 'com.example.billing') {
  await bus.send(
    new PutEventsCommand({
      Entries: [
        {
          Source: source,
          DetailType: 'mms.send-requested',
          Detail: JSON.stringify(detail),
          EventBusName: 'mms-gateway-local',
        },
      ],
    }),
  );
}

describe('event-triggered sends', () => {
  it('an event reaches Sinch once, even when the same event is delivered twice', async () => {
    const detail = { team: 'local-dev', body: sendmms('15551270001'), 'idempotency-key': 'billing-run-42' };
    await putSendEvent(detail);
    await putSendEvent(detail); // at-least-once delivery: the same event again
    await waitUntil('the send to reach Sinch', () => acceptedBySinch('15551270001').length >= 1);
    await new Promise((r) => setTimeout(r, 1500));
    expect(acceptedBySinch('15551270001')).toHaveLength(1);
    // Numbers on the bus are masked to the last four digits (docs/privacy.md).
    const accepted = eventsOf('mms.send-accepted').filter((e) =>
      JSON.stringify(e.detail).includes('*******0001'),
    );
    expect(accepted.length).toBeGreaterThanOrEqual(1);
  });

  it('a bad event produces mms.send-rejected with the codes', async () => {
    await putSendEvent({ team: 'local-dev', body: sendmms('+1555'), 'idempotency-key': 'bad-1' });
    const rejected = await waitFor('mms.send-rejected', () =>
      Promise.resolve(eventsOf('mms.send-rejected').find((e) => JSON.stringify(e.detail).includes('E110'))),
    );
    expect(rejected.detail).toMatchObject({ team: 'local-dev', 'error-code': 'E110' });
  });

  it('a source that may not send for the team is rejected, never trusted', async () => {
    await putSendEvent({ team: 'other-team', body: sendmms('15551270002') });
    await putSendEvent({ team: 'local-dev', body: sendmms('15551270003') }, 'com.example.unknown');
    await waitUntil(
      'two rejections',
      () =>
        eventsOf('mms.send-rejected').filter(
          (e) => (e.detail as Record<string, unknown>)['error-code'] === 'E104',
        ).length >= 2,
    );
    expect(acceptedBySinch('15551270002')).toHaveLength(0);
    expect(acceptedBySinch('15551270003')).toHaveLength(0);
  });
});

describe('scheduled sends', () => {
  const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

  it('send-at less than a minute ahead is refused; a valid one is scheduled and fires, never early', async () => {
    const tooSoon = await send(gw, sendmms('15551270010', { 'send-at': inSeconds(10) }));
    expect(tooSoon.status).toBe(400);
    expect(tooSoon.body['error-code']).toBe('GW-INVALID-SEND-AT');

    const sendAt = new Date(Math.ceil((Date.now() + 62_000) / 1000) * 1000);
    const answer = await send(gw, sendmms('15551270011', { 'send-at': sendAt.toISOString() }));
    expect(answer.status).toBe(202);
    expect(answer.body['send-at']).toBe(sendAt.toISOString());
    const id = String(answer.body['tracking-id']);
    expect((await lookup(gw, id)).body.state).toBe('scheduled');
    await waitForState(gw, id, ['submitted', 'sent', 'delivered'], 90_000);
    const sentAt = acceptedBySinch('15551270011')[0]?.time ?? 0;
    // Fires at the time, never before (how late depends on the machine's load: not bounded here).
    expect(sentAt).toBeGreaterThanOrEqual(sendAt.getTime() - 50);
  }, 120_000);

  it('cancel before firing sends nothing; reschedule moves it', async () => {
    const first = await send(gw, sendmms('15551270012', { 'send-at': inSeconds(61) }));
    const canceledId = String(first.body['tracking-id']);
    const canceled = await call(`${gw.apiUrl}/v2/messages/${canceledId}`, {
      method: 'DELETE',
      apiKey: gw.apiKey,
    });
    expect(canceled.status).toBe(200);
    expect(canceled.body.state).toBe('canceled');
    const again = await call(`${gw.apiUrl}/v2/messages/${canceledId}`, {
      method: 'DELETE',
      apiKey: gw.apiKey,
    });
    expect(again.status).toBe(409);
    expect(again.body['error-code']).toBe('GW-NOT-SCHEDULED');

    const second = await send(gw, sendmms('15551270013', { 'send-at': inSeconds(600) }));
    const movedId = String(second.body['tracking-id']);
    const newTime = new Date(Math.ceil((Date.now() + 62_000) / 1000) * 1000);
    const moved = await call(`${gw.apiUrl}/v2/messages/${movedId}`, {
      method: 'PATCH',
      apiKey: gw.apiKey,
      body: { 'send-at': newTime.toISOString() },
    });
    expect(moved.status).toBe(200);
    expect(moved.body['send-at']).toBe(newTime.toISOString());
    await waitForState(gw, movedId, ['submitted', 'sent', 'delivered'], 90_000);
    expect((await lookup(gw, canceledId)).body.state).toBe('canceled');
    expect(acceptedBySinch('15551270012')).toHaveLength(0);
  }, 120_000);

  it('quiet hours delay a send until the window ends, unless the request says ignore-quiet-hours', async () => {
    // A window that starts now and ends in 2 minutes, in UTC.
    const hhmm = (d: Date) => d.toISOString().slice(11, 16);
    const start = new Date(Date.now() - 60_000);
    const end = new Date(Date.now() + 120_000);
    const key = await gw.teams.addTeam({
      id: 'quiet-team',
      allowedSenders: [SENDER],
      perSecond: 10,
      perDay: 100,
    });
    await gw.teams.setQuietHours('quiet-team', { timeZone: 'UTC', start: hhmm(start), end: hhmm(end) });
    const delayed = await send(gw, sendmms('15551270020'), {}, key);
    expect(delayed.status).toBe(202);
    expect(delayed.body['send-at']).toBe(`${end.toISOString().slice(0, 16)}:00.000Z`);
    expect((await lookup(gw, String(delayed.body['tracking-id']), key)).body.state).toBe('scheduled');
    const urgent = await send(gw, sendmms('15551270021', { 'ignore-quiet-hours': true }), {}, key);
    expect(urgent.body['send-at']).toBeUndefined();
    await waitFor('the urgent message to go out at once', async () => {
      const state = (await lookup(gw, String(urgent.body['tracking-id']), key)).body.state;
      return ['submitted', 'sent', 'delivered'].includes(String(state)) ? true : undefined;
    });
    expect((await lookup(gw, String(delayed.body['tracking-id']), key)).body.state).toBe('scheduled');
  });
});
