/**
 * Postbacks and delivery status end to end: the simulator's real postbacks → the postback API → the postbacks
 * table → its stream → the status processor → message state, history and status events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalGateway, type LocalGateway } from '../../local/runtime';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoPostbacks } from '../../lambdas/adapters/dynamo-postbacks';
import { runOpsCli } from '../../local/ops-cli';
import { DynamoWebhooks } from '../../lambdas/adapters/dynamo-webhooks';
import { verifyWebhookSignature } from '../../lambdas/domain/webhooks/webhooks';
import { call, lookup, send, sendmms, waitFor, waitForState, waitUntil } from './helpers';

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
const statusEvents = (trackingId: string) =>
  gw.putEvents.filter(
    (e) =>
      e.detailType === 'mms.status-changed' &&
      (e.detail as Record<string, unknown>)['tracking-id'] === trackingId,
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
    // One status event per real transition: submitted → (sent →) final.
    await waitUntil('status events', () => statusEvents(id).length === codes.length);
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
    const received: Array<{ body: string; valid: boolean; eventId: string | undefined }> = [];
    let secret = '';
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const header = req.headers['x-mms-gateway-signature'];
        const valid = verifyWebhookSignature(
          secret,
          Array.isArray(header) ? header[0] : header,
          body,
          Math.floor(Date.now() / 1000),
        );
        const eventId = req.headers['x-mms-gateway-event-id'];
        received.push({ body, valid, eventId: Array.isArray(eventId) ? eventId[0] : eventId });
        res.writeHead(valid ? 200 : 401).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const webhooks = new DynamoWebhooks(gw.db, gw.tables.teams);
    try {
      const { port } = server.address() as AddressInfo;
      const set = await webhooks.setUrl('local-dev', `http://127.0.0.1:${port}/hooks/mms`);
      secret = set.created ? set.secret : '';
      expect(secret).not.toBe('');
      const accepted = await send(gw, sendmms('15550000001'));
      const id = String(accepted.body['tracking-id']);
      await waitForState(gw, id, ['delivered']);
      await waitUntil(
        'two webhook deliveries (sent, delivered)',
        () => received.filter((r) => r.body.includes(id)).length >= 2,
      );
      const mine = received.filter((r) => r.body.includes(id));
      expect(mine.every((r) => r.valid)).toBe(true);
      const states = mine.map(
        (r) => (JSON.parse(r.body) as { detail: Record<string, unknown> }).detail['new-state'],
      );
      expect(states.sort()).toEqual(['delivered', 'sent']);
      await waitFor('webhook-delivered in the history', async () => {
        const history = (await lookup(gw, id)).body.history as History;
        return history.filter((h) => h.event === 'webhook-delivered').length === 2 ? true : undefined;
      });
    } finally {
      await webhooks.remove('local-dev');
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
