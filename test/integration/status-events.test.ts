/**
 * One status event per cause, through the outbox: every way a message changes state (postbacks, the send
 * worker's refusals, exhausted retries, an ambiguous timeout under the `fail` policy, the sweep, cancel,
 * reschedule) puts exactly one `mms.status-changed` event for that change on the local bus, and the webhook
 * worker POSTs it, signed, exactly once to the team's endpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalGateway, type LocalGateway } from '../../local/runtime';
import { DynamoMessageRepository } from '../../lambdas/adapters/message-repository';
import { SqsSendQueue } from '../../lambdas/adapters/sqs-send-queue';
import type { MessageRecord } from '../../lambdas/domain/messages/ports';
import { call, send, sendmms, startWebhookReceiver, waitFor, waitForState } from './helpers';

let gw: LocalGateway;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
beforeAll(async () => {
  gw = await startLocalGateway({
    accountTps: 50,
    sweepIntervalMs: 250,
    env: {
      UNKNOWN_AFTER_SECONDS: '8',
      SEND_MAX_ATTEMPTS: '2',
      SEND_BACKOFF_MAX_SECONDS: '1',
      SINCH_TIMEOUT_MS: '1500',
      AMBIGUOUS_TIMEOUT_POLICY: 'fail',
      WEBHOOK_RETRY_DELAYS_SECONDS: '1',
    },
  });
  receiver = await startWebhookReceiver(gw, 'local-dev');
}, 120_000);

afterAll(async () => {
  await receiver?.stop();
  await gw?.stop();
});

const busEvents = (id: string) =>
  gw.putEvents
    .filter((e) => e.detailType === 'mms.status-changed')
    .map((e) => e.detail as Record<string, unknown>)
    .filter((d) => d['tracking-id'] === id);
const webhooksOf = (id: string) => receiver.received.filter((r) => r.detail['tracking-id'] === id);

/**
 * Waits for the change `id` → `newState` (with `cause`) on the bus and at the webhook, lets any duplicate
 * arrive, then checks there is exactly one of each and that no transition of the message was published twice.
 */
async function expectOneEvent(id: string, newState: string, cause: string) {
  const matches = (d: Record<string, unknown>) => d['new-state'] === newState && d.cause === cause;
  await waitFor(
    `${newState} (${cause}) on the bus and at the webhook`,
    () =>
      Promise.resolve(
        busEvents(id).some(matches) && webhooksOf(id).some((r) => matches(r.detail)) ? true : undefined,
      ),
    30_000,
  );
  await new Promise((r) => setTimeout(r, 1500)); // room for a duplicate, if there were one
  const onBus = busEvents(id).filter(matches);
  expect(onBus).toHaveLength(1);
  const hooks = webhooksOf(id).filter((r) => matches(r.detail));
  expect(hooks).toHaveLength(1);
  expect(hooks[0]?.valid).toBe(true);
  expect(hooks[0]?.type).toBe('mms.status-changed');
  expect(hooks[0]?.detail).toEqual(onBus[0]);
  const ids = busEvents(id).map((d) => d['event-id']);
  expect(new Set(ids).size).toBe(ids.length);
  return onBus[0] as Record<string, unknown>;
}

const accept = async (to: string, extra: Record<string, unknown> = {}) => {
  const answer = await send(gw, sendmms(to, extra));
  expect(answer.status).toBe(202);
  return String(answer.body['tracking-id']);
};

describe('one status event and one webhook per cause', () => {
  it('delivered (postback N102)', async () => {
    const id = await accept('15550000001', { 'client-reference': 'order-1' });
    const event = await expectOneEvent(id, 'delivered', 'postback');
    // On a very busy machine the sweep may have parked it as `unknown` first (UNKNOWN_AFTER_SECONDS is short
    // here); the late N102 still moves it, and that is the one event.
    expect(['sent', 'unknown']).toContain(event['old-state']);
    expect(event).toMatchObject({
      code: 'N102',
      team: 'local-dev',
      to: '*******0001',
      'client-reference': 'order-1',
      attempts: 1,
    });
    expect(typeof event.reason).toBe('string');
    // The whole life is published, each state once: queued first, accepted without an old state.
    const states = busEvents(id).map((d) => d['new-state']);
    expect(states[0]).toBe('queued');
    expect(busEvents(id)[0]?.['old-state']).toBeUndefined();
    expect(states).toEqual(expect.arrayContaining(['queued', 'sent', 'delivered']));
    expect(states).not.toContain('submitting'); // a worker's claim is not an outcome
  });

  it('failed by postback (E101)', async () => {
    const id = await accept('15550000004');
    const event = await expectOneEvent(id, 'failed', 'postback');
    expect(event.code).toBe('E101');
  });

  it('refused by Sinch at submit (15550000007 → E110)', async () => {
    const id = await accept('15550000007');
    const event = await expectOneEvent(id, 'failed', 'failed');
    expect(event).toMatchObject({ 'old-state': 'submitting', code: 'E110', attempts: 1 });
  });

  it('retries exhausted and dead-lettered (E503 twice, two attempts allowed)', async () => {
    const id = await accept('15550000008');
    const event = await expectOneEvent(id, 'failed', 'dead-lettered');
    expect(event).toMatchObject({ code: 'E503', attempts: 2 });
  });

  it('ambiguous timeout under the fail policy (GW-UPSTREAM-TIMEOUT)', async () => {
    gw.simulator.configure({ faults: { slow: 1 }, slowMs: 4000 });
    try {
      const id = await accept('15550000001');
      const event = await expectOneEvent(id, 'failed', 'failed');
      expect(event.code).toBe('GW-UPSTREAM-TIMEOUT');
    } finally {
      gw.simulator.configure({ faults: { slow: 0 } });
    }
  });

  it('no final postback: the sweep moves it to unknown', async () => {
    const id = await accept('15550000006');
    const event = await expectOneEvent(id, 'unknown', 'swept');
    expect(event['old-state']).toBe('sent');
    expect(String(event.reason)).toMatch(/no final postback/);
  });

  it('canceled (DELETE of a scheduled message)', async () => {
    const id = await accept('15550000001', { 'send-at': new Date(Date.now() + 3_600_000).toISOString() });
    await expectOneEvent(id, 'scheduled', 'accepted');
    const answer = await call(`${gw.apiUrl}/v2/messages/${id}`, { method: 'DELETE', apiKey: gw.apiKey });
    expect(answer.status).toBe(200);
    const event = await expectOneEvent(id, 'canceled', 'canceled');
    expect(event['old-state']).toBe('scheduled');
    expect(event.code).toBeUndefined();
  });

  it('rescheduled (PATCH send-at): an event with the new send-at', async () => {
    const id = await accept('15550000001', { 'send-at': new Date(Date.now() + 3_600_000).toISOString() });
    const sendAt = new Date(Date.now() + 7_200_000).toISOString();
    const answer = await call(`${gw.apiUrl}/v2/messages/${id}`, {
      method: 'PATCH',
      apiKey: gw.apiKey,
      body: { 'send-at': sendAt },
    });
    expect(answer.status).toBe(200);
    const event = await expectOneEvent(id, 'scheduled', 'rescheduled');
    expect(event).toMatchObject({ 'old-state': 'scheduled', 'send-at': sendAt });
    await waitForState(gw, id, ['scheduled']);
  });

  it('expired before send: a queued message past its validity is never sent (GW-EXPIRED-BEFORE-SEND)', async () => {
    // A message that waited (pacing, quiet hours, retries) past its validity: recorded as accept records it, with
    // its validity ended a minute ago, then queued for the send workers.
    const acceptedAt = new Date(Date.now() - 3_600_000);
    const id = `mms_expired${Date.now()}`;
    const repository = new DynamoMessageRepository(gw.db, gw.tables.messages);
    const created = await repository.create({
      id,
      teamId: 'local-dev',
      request: sendmms('15550000001') as MessageRecord['request'],
      state: 'queued',
      createdAt: acceptedAt.toISOString(),
      updatedAt: acceptedAt.toISOString(),
      attempts: 0,
      validUntil: new Date(Date.now() - 60_000).toISOString(),
      history: [{ at: acceptedAt.toISOString(), event: 'accepted', state: 'queued' }],
    });
    expect(created).toBe(true);
    const sentBefore = gw.simulator.requests().length;
    await new SqsSendQueue(gw.sqs, gw.queues.send, gw.queues.sendDlq).enqueue(id);
    const event = await expectOneEvent(id, 'expired', 'expired');
    expect(event).toMatchObject({ 'old-state': 'queued', code: 'GW-EXPIRED-BEFORE-SEND', attempts: 0 });
    expect(
      gw.simulator
        .requests()
        .slice(sentBefore)
        .some((r) => JSON.stringify(r).includes(id)),
    ).toBe(false);
    const looked = await waitForState(gw, id, ['expired']);
    expect(looked['last-error-code']).toBe('GW-EXPIRED-BEFORE-SEND');
  });
});

describe('validity-period on the API', () => {
  it('refuses a bad validity-period and an mms-expiry-timestamp before send-at, all at once', async () => {
    const sendAt = new Date(Date.now() + 3_600_000);
    const answer = await send(
      gw,
      sendmms('15550000001', {
        'validity-period': 30,
        'send-at': sendAt.toISOString(),
        'mms-expiry-timestamp': new Date(sendAt.getTime() - 60_000).toISOString(),
      }),
    );
    expect(answer.status).toBe(400);
    const codes = (answer.body.errors as Array<{ code: string }>).map((e) => e.code).sort();
    expect(codes).toEqual(['GW-EXPIRY-BEFORE-SEND-AT', 'GW-INVALID-VALIDITY-PERIOD']);
  });

  it('records the validity from the intended send time: send-at + validity-period', async () => {
    const sendAt = new Date(Date.now() + 3_600_000);
    const id = await accept('15550000001', { 'validity-period': 600, 'send-at': sendAt.toISOString() });
    const stored = await new DynamoMessageRepository(gw.db, gw.tables.messages).get(id);
    expect(stored?.validUntil).toBe(new Date(sendAt.getTime() + 600_000).toISOString());
    // The default (86,400 s) when none is given.
    const plain = await accept('15550000001');
    const record = await new DynamoMessageRepository(gw.db, gw.tables.messages).get(plain);
    expect(Date.parse(record?.validUntil ?? '') - Date.parse(record?.createdAt ?? '')).toBe(86_400_000);
  });
});

describe('template events (mms.template-status-changed), on the bus and to the webhook', () => {
  const saveTemplate = async (name: string, slide: unknown[]) => {
    const saved = await send(gw, {
      action: 'savemms',
      name,
      'message-subject': 'Spring sale',
      'fallback-sms-text': 'Spring sale',
      slide,
    });
    expect(saved.status).toBe(202);
    return String(saved.body['template-id']);
  };
  const templateEvents = (id: string) =>
    gw.putEvents
      .filter((e) => e.detailType === 'mms.template-status-changed')
      .map((e) => e.detail as Record<string, unknown>)
      .filter((d) => d['template-id'] === id);
  async function expectOneTemplateEvent(id: string, newState: string) {
    await waitFor(`template ${id} ${newState} on the bus and at the webhook`, () =>
      Promise.resolve(
        templateEvents(id).length > 0 && receiver.received.some((r) => r.detail['template-id'] === id)
          ? true
          : undefined,
      ),
    );
    await new Promise((r) => setTimeout(r, 1500));
    const onBus = templateEvents(id);
    expect(onBus).toHaveLength(1); // only the outcome: not submitting or transcoding
    expect(onBus[0]?.['new-state']).toBe(newState);
    const hooks = receiver.received.filter((r) => r.detail['template-id'] === id);
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({ valid: true, type: 'mms.template-status-changed', detail: onBus[0] });
    return onBus[0] as Record<string, unknown>;
  }

  it('ready (N003)', async () => {
    const id = await saveTemplate('events-ready', [{ 'message-text': 'Hello' }]);
    const event = await expectOneTemplateEvent(id, 'ready');
    expect(event).toMatchObject({
      code: 'N003',
      name: 'events-ready',
      team: 'local-dev',
      'old-state': 'transcoding',
    });
  });

  it('failed (E002) with the failing media', async () => {
    const id = await saveTemplate('fail-events', [{ audio: { url: 'https://cdn.example.com/a.mp3' } }]);
    const event = await expectOneTemplateEvent(id, 'failed');
    expect(event).toMatchObject({ code: 'E002', 'failed-media-type': 'audio' });
    expect(String(event.reason)).toContain('audio');
  });
});
