/**
 * Runs the examples of docs/webhooks.md against the local gateway with a webhook registered for the local team:
 * each request must get its documented answer, and the webhook it causes (```json webhook) must arrive, signed,
 * with the documented detail.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLocalGateway, type LocalGateway } from '../../local/runtime';
import { matches, parseExamples } from './doc-examples';
import { call, startWebhookReceiver, waitFor } from './helpers';

let gw: LocalGateway;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
beforeAll(async () => {
  gw = await startLocalGateway({ accountTps: 50 });
  receiver = await startWebhookReceiver(gw, 'local-dev');
}, 120_000);
afterAll(async () => {
  await receiver?.stop();
  await gw?.stop();
});

it('every example of docs/webhooks.md works as documented', async () => {
  const examples = parseExamples(readFileSync(join(import.meta.dirname, '../../docs/webhooks.md'), 'utf8'));
  expect(examples.filter((e) => e.webhook !== undefined).length).toBeGreaterThanOrEqual(3);
  let trackingId = '';
  for (const example of examples) {
    const path = example.path.replace('{tracking-id}', trackingId);
    const body = example.body?.replace(/\{in-(\d+)-hours\}/g, (_, h: string) =>
      new Date(Date.now() + Number(h) * 3_600_000).toISOString(),
    );
    const { 'x-api-key': apiKey, ...headers } = example.headers;
    const answer = await call(`${gw.apiUrl}${path}`, {
      method: example.method,
      apiKey,
      headers,
      ...(body ? { body } : {}),
    });
    const where = `docs/webhooks.md:${example.line} ${example.method} ${example.path}`;
    expect(answer.status, `${where}: ${JSON.stringify(answer.body)}`).toBe(example.status);
    expect(matches(example.answer, answer.body), where).toEqual([]);
    if (typeof answer.body['tracking-id'] === 'string') trackingId = answer.body['tracking-id'];
    if (example.webhook === undefined) continue;
    const id = trackingId;
    const delivery = await waitFor(
      `${where}: the documented webhook`,
      () =>
        Promise.resolve(
          receiver.received.find(
            (r) => r.detail['tracking-id'] === id && matches(example.webhook, r.detail).length === 0,
          ),
        ),
      30_000,
    );
    expect(delivery.valid).toBe(true);
  }
});
