/**
 * Postbacks and delivery status end to end: the simulator's real postbacks → the postback API → the postbacks
 * table → its stream → the status processor → message state, history and status events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalGateway, type LocalGateway } from '../../local/runtime';
import { DynamoPostbacks } from '../../lambdas/adapters/dynamo-postbacks';
import { runOpsCli } from '../../local/ops-cli';
import {
  call,
  lookup,
  send,
  sendmms,
  waitFor,
  waitForState,
  waitUntil,
  startWebhookReceiver,
} from './helpers';

let gw: LocalGateway;

beforeAll(async () => {
  gw = await startLocalGateway({
    accountTps: 50,
    sweepIntervalMs: 250,
    env: { UNKNOWN_AFTER_SECONDS: '3', CORRELATION_WINDOW_SECONDS: '2' },
  });
});
afterAll(async () => {
  await gw?.stop();
});

type History = Array<{ event: string; code?: string; state?: string; ref?: string; 'sent-as'?: string }>;
/** The status events a postback caused (the outbox publishes the others too: queued, submitted, ...). */
const statusEvents = (trackingId: string) =>
  gw.putEvents.filter(
    (e) =>
      e.detailType === 'mms.status-changed' &&
      (e.detail as Record<string, unknown>)['tracking-id'] === trackingId &&
      (e.detail as Record<string, unknown>).cause === 'postback',
  );
const postbackOf = (body: Record<string, unknown>) =>
  call(gw.postbackUrl, { body: { origin: 'MMS_MT', ...body } });

describe('each simulator outcome ends in its state through real postbacks', () => {
  it.each([
    ['15550000001', 'delivered', ['N101', 'N102']],
    ['15550000002', 'delivered-as-sms', ['N101', 'N202']],
    ['15550000003', 'rejected', ['N101', 'E102']],
    ['15550000004', 'failed', ['E101']],
    ['15550000005', 'expired', ['N101', 'N103']],
  ] as const)('%s → %s', async (to, state, codes) => {
    const accepted = await send(gw, sendmms(to));
    const id = String(accepted.body['tracking-id']);
    const message = await waitForState(gw, id, [state]);
    const postbacks = (message.history as History).filter((h) => h.event === 'postback');
    expect(postbacks.map((h) => h.code)).toEqual(codes);
    if (state === 'delivered-as-sms') expect(postbacks.at(-1)?.['sent-as']).toBe('SMS');
    // One status event per real transition a postback made: (sent →) final. (On a busy machine the sweep may
    // park the message as `unknown` before N101 arrives; N101 then changes nothing and has no event.)
    const transitions = postbacks.filter((h) => h.state !== undefined).length;
    expect(transitions).toBeGreaterThanOrEqual(1);
    await waitUntil('status events', () => statusEvents(id).length === transitions);
    const events = statusEvents(id).map((e) => e.detail as Record<string, unknown>);
    expect(events.at(-1)).toMatchObject({
      'new-state': state,
      code: codes.at(-1),
      team: 'local-dev',
      to: '*******' + to.slice(-4),
    });
    expect(JSON.stringify(events)).not.toContain(to); // never the full number
  });

  it('no final postback: stays sent, then the sweep marks it unknown', async () => {
    const accepted = await send(gw, sendmms('15550000006'));
    const id = String(accepted.body['tracking-id']);
    await waitForState(gw, id, ['sent']);
    const message = await waitForState(gw, id, ['unknown'], 15_000);
    expect((message.history as History).map((h) => h.event)).toContain('swept');
  });
});

describe('duplicated, reordered and retried postbacks', () => {
  it('one history entry per distinct postback, the right final state, one event per real transition', async () => {
    gw.simulator.configure({ duplicatePostbacks: 1, reorderPostbacks: true });
    try {
      const accepted = await send(gw, sendmms('15550000003'));
      const id = String(accepted.body['tracking-id']);
      await waitForState(gw, id, ['rejected']);
      await new Promise((r) => setTimeout(r, 1500)); // let the late N101 and the duplicates arrive
      const message = (await lookup(gw, id)).body;
      expect(message.state).toBe('rejected');
      const postbacks = (message.history as History).filter((h) => h.event === 'postback');
      expect(postbacks.map((h) => h.code).sort()).toEqual(['E102', 'N101']);
      // Reordered: E102 came first and moved it; the late N101 only adds history.
      expect(postbacks.find((h) => h.code === 'N101')?.state).toBeUndefined();
      expect(statusEvents(id).map((e) => (e.detail as Record<string, unknown>)['new-state'])).toEqual([
        'rejected',
      ]);
    } finally {
      gw.simulator.configure({ duplicatePostbacks: 0, reorderPostbacks: false });
    }
  });

  it('N102 after E102 stays rejected, with N102 in the history', async () => {
    const accepted = await send(gw, sendmms('15550000003'));
    const id = String(accepted.body['tracking-id']);
    const message = await waitForState(gw, id, ['rejected']);
    const sinchId = String(message['sinch-tracking-id']);
    const late = await postbackOf({
      code: 'N102',
      status: 'Delivered',
      'tracking-id': sinchId,
      timestamp: new Date().toISOString(),
    });
    expect(late.status).toBe(200);
    const after = await waitFor('N102 in the history', async () => {
      const body = (await lookup(gw, id)).body;
      return (body.history as History).some((h) => h.code === 'N102') ? body : undefined;
    });
    expect(after.state).toBe('rejected');
  });

  it('a duplicate POST of the same postback is answered 200 and stored once', async () => {
    const body = { code: 'N101', 'tracking-id': 'dup-test', timestamp: '2026-11-25T10:00:00Z' };
    expect((await postbackOf(body)).status).toBe(200);
    expect((await postbackOf(body)).status).toBe(200);
    const { QueryCommand } = await import('@aws-sdk/lib-dynamodb');
    const items = await gw.db.send(
      new QueryCommand({
        TableName: gw.tables.postbacks,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'dup-test#N101#2026-11-25T10:00:00Z' },
      }),
    );
    expect(items.Items).toHaveLength(1);
  });

  it('a body that is not JSON is 400, never 5xx', async () => {
    const answer = await call(gw.postbackUrl, { body: 'code=N101&tracking-id=x' });
    expect(answer.status).toBe(400);
  });
});

describe('the postback endpoint does not depend on the processor', () => {
  it('answers 200 while the processor is stopped, and nothing is lost when it starts again', async () => {
    await gw.stopStatusProcessor();
    try {
      const accepted = await send(gw, sendmms('15550000001'));
      const id = String(accepted.body['tracking-id']);
      const message = await waitForState(gw, id, ['submitted']);
      const sinchId = String(message['sinch-tracking-id']);
      const answer = await postbackOf({
        code: 'N102',
        status: 'Delivered',
        'tracking-id': sinchId,
        timestamp: new Date().toISOString(),
      });
      expect(answer.status).toBe(200);
      await new Promise((r) => setTimeout(r, 1500)); // the simulator's own postbacks arrive meanwhile, too
      expect((await lookup(gw, id)).body.state).toBe('submitted');
      await gw.startStatusProcessor();
      await waitForState(gw, id, ['delivered']);
    } finally {
      await gw.startStatusProcessor();
    }
  });
});

describe('orphan postbacks', () => {
  it('a postback for an unknown tracking-id is kept, retried, then parked as an orphan', async () => {
    const body = { code: 'N102', 'tracking-id': 'never-sent-by-us', timestamp: new Date().toISOString() };
    expect((await postbackOf(body)).status).toBe(200);
    const store = new DynamoPostbacks(gw.db, gw.tables.postbacks);
    await waitFor('the postback to be pending', async () =>
      (await store.list('pending', 100)).some((p) => p.pk.startsWith('never-sent-by-us#')) ? true : undefined,
    );
    await waitFor(
      'the postback to be parked as an orphan',
      async () =>
        (await store.list('orphan', 100)).some((p) => p.pk.startsWith('never-sent-by-us#'))
          ? true
          : undefined,
      10_000,
    );
    // Operators see it with `npm run ops -- orphans`.
    const lines: string[] = [];
    const code = await runOpsCli(
      ['orphans', '--table', gw.tables.postbacks, '--endpoint', gw.dynamoEndpoint],
      (l) => lines.push(l),
    );
    expect(code).toBe(0);
    expect(lines.some((l) => l.includes('never-sent-by-us#N102#'))).toBe(true);
  });
});

describe('status webhooks through the whole gateway', () => {
  it("pushes each of the team's status events to its webhook, signed", async () => {
    const receiver = await startWebhookReceiver(gw, 'local-dev');
    const { received } = receiver;
    try {
      expect(receiver.secret).not.toBe('');
      const accepted = await send(gw, sendmms('15550000001'));
      const id = String(accepted.body['tracking-id']);
      await waitForState(gw, id, ['delivered']);
      const stateOf = (r: { body: string }) =>
        (JSON.parse(r.body) as { detail: Record<string, unknown> }).detail['new-state'];
      await waitUntil('webhook deliveries up to delivered', () =>
        received.some((r) => r.body.includes(id) && stateOf(r) === 'delivered'),
      );
      const mine = received.filter((r) => r.body.includes(id));
      expect(mine.every((r) => r.valid)).toBe(true);
      // Every state once (the worker's `submitted` may be overtaken by the N101 postback: then there is none).
      const states = mine.map(stateOf);
      expect(new Set(states).size).toBe(states.length);
      expect(states).toEqual(expect.arrayContaining(['queued', 'sent', 'delivered']));
      await waitFor('webhook-delivered in the history', async () => {
        const history = (await lookup(gw, id)).body.history as History;
        return history.filter((h) => h.event === 'webhook-delivered').length === mine.length
          ? true
          : undefined;
      });
    } finally {
      await receiver.stop();
    }
  });
});
