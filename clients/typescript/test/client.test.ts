/** The typed client against the local gateway: send, waitForFinal, typed calls, and verifyWebhook on real deliveries. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalGateway, type LocalGateway } from '../../../local/runtime';
import { startReceiver } from '../../../test/integration/helpers';
import { createGatewayClient, GatewayError, verifyWebhook, type MmsRequest } from '../src/index';

let gw: LocalGateway;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  receiver = await startReceiver(204);
  gw = await startLocalGateway({ accountTps: 50 });
});
afterAll(async () => {
  await gw?.stop();
  await receiver?.stop();
});

const message = (to: string): MmsRequest => ({
  action: 'sendmms',
  to,
  from: '15550001000',
  'fallback-sms-text': 'Hi',
  slide: [{ 'message-text': 'Hello from the typed client' }],
});
/** The tracking id of a single send's answer. */
const idOf = (answer: object): string =>
  'tracking-id' in answer && typeof answer['tracking-id'] === 'string' ? answer['tracking-id'] : '';

describe('typed client', () => {
  it('send() then waitForFinal() follows a message to delivered', async () => {
    const gateway = createGatewayClient({ baseUrl: gw.apiUrl, apiKey: gw.apiKey });
    const accepted = await gateway.send(message('15550000001'));
    expect(accepted.status).toBe('success');
    const final = await gateway.waitForFinal(idOf(accepted), { intervalMs: 200 });
    expect(final.state).toBe('delivered');
    expect(final.history.length).toBeGreaterThan(2);
  });

  it('send() throws a GatewayError with the Sinch code on a refusal; a bad key too', async () => {
    const gateway = createGatewayClient({ baseUrl: gw.apiUrl, apiKey: gw.apiKey });
    const refused = await gateway.send(message('+1555')).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GatewayError);
    expect((refused as GatewayError).status).toBe(400);
    expect((refused as GatewayError).body['error-code']).toBe('E110');
    const stranger = createGatewayClient({ baseUrl: gw.apiUrl, apiKey: 'wrong' });
    expect(((await stranger.get('mms_x').catch((e: unknown) => e)) as GatewayError).status).toBe(401);
  });

  it('verifyWebhook() accepts real deliveries signed with the team secret, and refuses others', async () => {
    const gateway = createGatewayClient({ baseUrl: gw.apiUrl, apiKey: gw.apiKey });
    const { data, response } = await gateway.api.PUT('/v2/team/webhook', { body: { url: receiver.url } });
    expect(response.status).toBe(201);
    const secret = String(data?.secret);
    const accepted = await gateway.send(message('15550000001'));
    await gateway.waitForFinal(idOf(accepted), { intervalMs: 200 });
    const deadline = Date.now() + 30_000;
    while (!receiver.received.some((r) => r.body.includes('"delivered"')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const delivery = receiver.received.find((r) => r.body.includes('"delivered"'));
    expect(delivery).toBeDefined();
    const event = verifyWebhook(delivery?.headers ?? {}, delivery?.body ?? '', secret);
    expect(event.type).toBe('mms.status-changed');
    expect(event.detail['tracking-id']).toBe(idOf(accepted));
    expect(() => verifyWebhook(delivery?.headers ?? {}, `${delivery?.body ?? ''} `, secret)).toThrow();
    expect(() =>
      verifyWebhook(
        delivery?.headers ?? {},
        delivery?.body ?? '',
        `whsec_${randomBytes(32).toString('base64')}`,
      ),
    ).toThrow();
  });

  it('verifyWebhook() takes older base64url secrets and raw secrets as the gateway keys them', async () => {
    const { standardWebhookHeaders } = await import('../../../lambdas/domain/webhooks/standard-webhooks');
    const body = '{"event-id":"e","type":"mms.status-changed","time":"t","detail":{}}';
    const now = Date.now() / 1000;
    for (const secret of [`whsec_${Buffer.alloc(32, 0xfb).toString('base64url')}`, 'an-operator-secret']) {
      const headers = standardWebhookHeaders([secret], 'e', body, now);
      expect(verifyWebhook(headers, body, secret).type).toBe('mms.status-changed');
    }
  });

  it('typed calls reach every operation of the document (GET /v2/team)', async () => {
    const gateway = createGatewayClient({ baseUrl: gw.apiUrl, apiKey: gw.apiKey });
    const { data } = await gateway.api.GET('/v2/team');
    expect(data?.team).toBe('local-dev');
    expect(data?.['allowed-senders']).toContain('15550001000');
  });
});
