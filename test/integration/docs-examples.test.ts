/**
 * Runs every example of docs/api.md against the local gateway, in order: each ```http block is sent (with
 * `{tracking-id}` / `{template-id}` / `{schedule-id}` taken from earlier answers) and the answer must have the status of the
 * following ```json <status> block and match its body (`…` in a string matches any rest of it).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLocalGateway, type LocalGateway } from '../../local/runtime';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { call, waitUntil } from './helpers';
import { matches, parseExamples } from './doc-examples';

let gw: LocalGateway;
beforeAll(async () => {
  gw = await startLocalGateway({
    accountTps: 50,
    env: { EVENT_SOURCES: JSON.stringify({ 'com.example.billing': ['local-dev'] }) },
  });
});
afterAll(async () => {
  await gw?.stop();
});

it('every example of docs/api.md works as documented', async () => {
  const examples = parseExamples(readFileSync(join(import.meta.dirname, '../../docs/api.md'), 'utf8'));
  expect(examples.length).toBeGreaterThanOrEqual(8);
  const ids: Record<string, string> = {};
  for (const example of examples) {
    const fill = (s: string) =>
      s
        .replace(/\{(tracking-id|template-id|schedule-id)\}/g, (_, k: string) => ids[k] ?? `{${k}}`)
        .replace(/\{in-(\d+)-hours\}/g, (_, h: string) =>
          new Date(Date.now() + Number(h) * 3_600_000).toISOString(),
        );
    const { 'x-api-key': apiKey, ...headers } = example.headers;
    const send = () =>
      call(`${gw.apiUrl}${fill(example.path)}`, {
        method: example.method,
        apiKey,
        headers,
        ...(example.body ? { body: fill(example.body) } : {}),
      });
    let answer = await send();
    // A template is sent once Sinch has transcoded it: the documented 409 E626 with Retry-After until then.
    for (let i = 0; i < 100 && answer.status === 409 && answer.body['error-code'] === 'E626'; i += 1) {
      await new Promise((r) => setTimeout(r, 200));
      answer = await send();
    }
    const where = `docs/api.md:${example.line} ${example.method} ${example.path}`;
    expect(answer.status, `${where}: ${JSON.stringify(answer.body)}`).toBe(example.status);
    expect(matches(example.answer, answer.body), where).toEqual([]);
    if (typeof answer.body['tracking-id'] === 'string' && answer.body['tracking-id'].startsWith('mms_')) {
      ids['tracking-id'] = answer.body['tracking-id'];
    }
    if (typeof answer.body['template-id'] === 'string') ids['template-id'] = answer.body['template-id'];
    if (typeof answer.body['schedule-id'] === 'string') ids['schedule-id'] = answer.body['schedule-id'];
  }
});

it('the event example of docs/api.md (docs/examples/send-requested.json) is accepted and sent', async () => {
  const event = JSON.parse(
    readFileSync(join(import.meta.dirname, '../../docs/examples/send-requested.json'), 'utf8'),
  ) as {
    source: string;
    'detail-type': string;
    detail: { body: { to: string } };
  };
  const before = gw.simulator.requests().length;
  const bus = new EventBridgeClient({
    endpoint: gw.eventsEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const put = await bus.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: event.source,
            DetailType: event['detail-type'],
            Detail: JSON.stringify(event.detail),
            EventBusName: 'mms-gateway-local',
          },
        ],
      }),
    );
    const eventId = put.Entries?.[0]?.EventId;
    await waitUntil('mms.send-accepted for the example event', () =>
      gw.putEvents.some(
        (e) =>
          e.detailType === 'mms.send-accepted' &&
          (e.detail as Record<string, unknown>)['event-id'] === eventId,
      ),
    );
    await waitUntil('the example to reach Sinch', () =>
      gw.simulator
        .requests()
        .slice(before)
        .some(
          (r) => r.outcome === 'accepted' && (r.body as Record<string, unknown>).to === event.detail.body.to,
        ),
    );
  } finally {
    bus.destroy();
  }
});
