/**
 * Privacy end to end: redaction after a (short, test-only) configured retention, erasure on request, masked
 * numbers in events, and a scan of every local table for a redacted message's number and texts.
 */
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_TEAM, startLocalGateway, type LocalGateway } from '../../local/runtime';
import { call, lookup, send, sendmms, waitFor, waitForState } from './helpers';

let gw: LocalGateway;
let bus: EventBridgeClient;

beforeAll(async () => {
  gw = await startLocalGateway({
    sweepIntervalMs: 0,
    env: {
      AUTH_CACHE_SECONDS: '0',
      // A retention "day" lasts one second here (refused in AWS), so retention-days=1 ends within the test.
      RETENTION_DAY_SECONDS: '1',
      EVENT_SOURCES: JSON.stringify({ 'com.example.crm': ['local-dev'] }),
    },
  });
  bus = new EventBridgeClient({
    endpoint: gw.eventsEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await gw.teams.setSettings(LOCAL_TEAM.id, { retentionDays: 1 });
}, 120_000);
afterAll(async () => {
  bus?.destroy();
  await gw?.stop();
});

/** Every item of every table of the local DynamoDB, as JSON text. */
async function allItems(): Promise<string[]> {
  const client = new DynamoDBClient({
    endpoint: gw.dynamoEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const names = (await client.send(new ListTablesCommand({}))).TableNames ?? [];
    const items: string[] = [];
    for (const TableName of names) {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await gw.db.send(new ScanCommand({ TableName, ExclusiveStartKey: start }));
        items.push(...(page.Items ?? []).map((i) => JSON.stringify(i)));
        start = page.LastEvaluatedKey;
      } while (start);
    }
    expect(names.length).toBeGreaterThanOrEqual(7);
    return items;
  } finally {
    client.destroy();
  }
}

const SECRET_TEXT = 'Your appointment code is 4711';

describe('retention', () => {
  it('redacts a final message after its retention; no table keeps its number or texts', async () => {
    const to = '15557770001';
    const accepted = await send(gw, sendmms(to, { slide: [{ 'message-text': SECRET_TEXT }] }));
    expect(accepted.status).toBe(202);
    const id = String(accepted.body['tracking-id']);
    await waitForState(gw, id, ['delivered']);
    expect((await allItems()).some((i) => i.includes(to))).toBe(true); // the scan can see it before

    const redacted = await waitFor('the retention job to redact the message', async () => {
      await gw.runSweep();
      const body = (await lookup(gw, id)).body;
      return (body.history as { event: string }[]).some((h) => h.event === 'redacted') ? body : undefined;
    });
    expect(redacted.state).toBe('delivered');
    expect(JSON.stringify(redacted)).not.toContain(to);
    expect(JSON.stringify(redacted)).toContain('*******0001');
    expect(JSON.stringify(redacted)).not.toContain(SECRET_TEXT);

    const items = await allItems();
    expect(items.filter((i) => i.includes(to) || i.includes(SECRET_TEXT))).toEqual([]);
    expect(items.some((i) => i.includes(id) && i.includes('"state":"delivered"'))).toBe(true); // stats stay
  });

  it('leaves a message that is not final alone', async () => {
    const accepted = await send(
      gw,
      sendmms('15557770002', { 'send-at': new Date(Date.now() + 3_600_000).toISOString() }),
    );
    const id = String(accepted.body['tracking-id']);
    await new Promise((r) => setTimeout(r, 1500));
    await gw.runSweep();
    const body = (await lookup(gw, id)).body;
    expect(body.state).toBe('scheduled');
    expect(JSON.stringify(body)).toContain('15557770002');
  });
});

describe('DELETE /v2/messages/{id}/content', () => {
  const erase = (id: string, apiKey = gw.apiKey) =>
    call(`${gw.apiUrl}/v2/messages/${id}/content`, { method: 'DELETE', apiKey });

  it('erases only final or canceled messages, with an audit entry', async () => {
    const accepted = await send(
      gw,
      sendmms('15557770003', { 'send-at': new Date(Date.now() + 3_600_000).toISOString() }),
    );
    const id = String(accepted.body['tracking-id']);
    const early = await erase(id);
    expect(early.status).toBe(409);
    expect(early.body['error-code']).toBe('GW-NOT-FINAL');

    expect(
      (await call(`${gw.apiUrl}/v2/messages/${id}`, { method: 'DELETE', apiKey: gw.apiKey })).status,
    ).toBe(200);
    const done = await erase(id);
    expect(done.status).toBe(200);
    const body = (await lookup(gw, id)).body;
    expect(body.state).toBe('canceled');
    expect(JSON.stringify(body)).not.toContain('15557770003');
    expect((body.history as { event: string }[]).map((h) => h.event)).toContain('content-erased');
    expect((await erase(id)).status).toBe(200); // again: nothing left to erase, same answer
  });

  it('answers 404 for an unknown message', async () => {
    const answer = await erase('mms_00000000000000000000000000000000');
    expect(answer.status).toBe(404);
  });
});

describe('recurring sends', () => {
  it('a deleted schedule leaves no recipient list behind', async () => {
    const created = await call(`${gw.apiUrl}/v2/schedules`, {
      apiKey: gw.apiKey,
      body: {
        name: 'privacy',
        schedule: 'cron(0 9 ? * MON-FRI *)',
        timezone: 'Europe/Stockholm',
        recipients: ['15557770006', '15557770007'],
        message: {
          action: 'sendmms',
          from: '15550001000',
          'fallback-sms-text': 'x',
          slide: [{ 'message-text': 'x' }],
        },
      },
    });
    expect(created.status).toBe(201);
    expect((await allItems()).some((i) => i.includes('15557770006'))).toBe(true);
    const id = String(created.body['schedule-id'] ?? created.body.id);
    expect(
      (await call(`${gw.apiUrl}/v2/schedules/${id}`, { method: 'DELETE', apiKey: gw.apiKey })).status,
    ).toBe(200);
    expect((await allItems()).filter((i) => i.includes('15557770006') || i.includes('15557770007'))).toEqual(
      [],
    );
  });
});

describe('events', () => {
  const putSendEvent = (detail: Record<string, unknown>) =>
    bus.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'com.example.crm',
            DetailType: 'mms.send-requested',
            Detail: JSON.stringify(detail),
            EventBusName: 'mms-gateway-local',
          },
        ],
      }),
    );
  const eventsFor = (id: string) =>
    gw.putEvents.filter((e) => JSON.stringify(e.detail).includes(id)).map((e) => JSON.stringify(e.detail));

  it('carry masked numbers unless the team asks for full numbers', async () => {
    for (const [to, full] of [
      ['15557770004', false],
      ['15557770005', true],
    ] as const) {
      await gw.teams.setSettings(LOCAL_TEAM.id, { fullNumbersInEvents: full });
      await putSendEvent({ team: 'local-dev', body: sendmms(to), 'idempotency-key': `privacy-${to}` });
      const accepted = await waitFor('mms.send-accepted', () =>
        Promise.resolve(
          gw.putEvents.find(
            (e) => e.detailType === 'mms.send-accepted' && JSON.stringify(e.detail).includes(to.slice(-4)),
          ),
        ),
      );
      const id = String((accepted.detail as Record<string, unknown>)['tracking-id']);
      await waitForState(gw, id, ['delivered']);
      await waitFor('its status events', () => Promise.resolve(eventsFor(id).length >= 3 ? true : undefined));
      for (const detail of eventsFor(id)) {
        expect(detail.includes(to)).toBe(full);
        if (!full) expect(detail).toContain(`*******${to.slice(-4)}`);
      }
    }
  });
});
