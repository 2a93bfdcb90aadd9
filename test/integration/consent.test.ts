/**
 * Recipients' consent on the local runtime (issue 14): inbound messages (MO) from the Sinch simulator, STOP /
 * START keywords, the suppression list checked at accept and again just before the call to Sinch, E114, the
 * team API for the list, the inbound webhook, and the dry run that writes nothing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { ListTablesCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, ListQueuesCommand } from '@aws-sdk/client-sqs';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalGateway, type LocalGateway } from '../../local/runtime';
import { DynamoWebhooks } from '../../lambdas/adapters/dynamo-webhooks';
import { verifyWebhookSignature } from '../../lambdas/domain/webhooks/webhooks';
import { INBOUND_RECEIVED } from '../../lambdas/domain/consent/inbound';
import { CSV_HEADER } from '../../local/consent-cli';
import { runTeamsCli } from '../../local/teams-cli';
import { call, lookup, send, sendmms, SENDER, waitFor, waitForState } from './helpers';
import { STATUS_CHANGED } from '../../lambdas/domain/postbacks/parsing';

/** The one `mms.status-changed` event that took `trackingId` to `failed` (the outbox publishes it). */
const failedEvent = (trackingId: string) =>
  waitFor(`the failed status event of ${trackingId}`, () => {
    const events = gw.putEvents.filter(
      (e) =>
        e.detailType === STATUS_CHANGED &&
        (e.detail as Record<string, unknown>)['tracking-id'] === trackingId &&
        (e.detail as Record<string, unknown>)['new-state'] === 'failed',
    );
    return Promise.resolve(events.length > 0 ? events : undefined);
  });

const OTHER_SENDER = '15550001001';
let gw: LocalGateway;
let otherKey: string;
let quietKey: string;
const QUIET_SENDER = '15550002000';

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}
const received: Received[] = [];
let receiver: Server;
let receiverUrl: string;

beforeAll(async () => {
  gw = await startLocalGateway({ accountTps: 50, env: { AUTH_CACHE_SECONDS: '0' } });
  otherKey = await gw.teams.addTeam({
    id: 'other-team',
    allowedSenders: ['15550003000'],
    perSecond: 10,
    perDay: 1000,
  });
  quietKey = await gw.teams.addTeam({
    id: 'quiet-team',
    allowedSenders: [QUIET_SENDER],
    perSecond: 10,
    perDay: 1000,
  });
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
}, 120_000);
afterAll(async () => {
  await new Promise((resolve) => receiver?.close(resolve));
  await gw?.stop();
});

const suppressionsApi = (query = '', apiKey = gw.apiKey) =>
  call(`${gw.apiUrl}/v2/suppressions${query}`, { apiKey });
const entryApi = (number: string, method: 'PUT' | 'DELETE', body?: unknown, apiKey = gw.apiKey, query = '') =>
  call(`${gw.apiUrl}/v2/suppressions/${number}${query}`, {
    method,
    apiKey,
    ...(body !== undefined ? { body } : {}),
  });

type Entry = { number: string; scope: string; sender?: string; reason: string; source: string };
const entriesOf = async (apiKey = gw.apiKey): Promise<Entry[]> => {
  const all: Entry[] = [];
  let cursor: string | undefined;
  do {
    const page = await suppressionsApi(`?limit=100${cursor ? `&cursor=${cursor}` : ''}`, apiKey);
    expect(page.status).toBe(200);
    all.push(...(page.body.suppressions as Entry[]));
    cursor = page.body.cursor as string | undefined;
  } while (cursor);
  return all;
};
const hasEntry = async (number: string, sender: string | undefined) =>
  (await entriesOf()).some((e) => e.number === number && e.sender === sender);

/** The simulator posts an inbound message to the gateway, as Sinch does. */
async function mo(from: string, to: string, words: { keyword?: string; text?: string; media?: string[] }) {
  const answer = await call(`${gw.simulator.origin}/_sim/mo`, { body: { from, to, ...words } });
  expect(answer.status).toBe(202);
  return (answer.body.postback as Record<string, unknown>)['tracking-id'] as string;
}

/** Waits until the stored MO postback was handled (never an orphan). */
const moHandled = (trackingId: string) =>
  waitFor(`MO ${trackingId} handled`, async () => {
    const out = await gw.db.send(
      new QueryCommand({
        TableName: gw.tables.postbacks,
        IndexName: 'by-state',
        KeyConditionExpression: '#s = :s',
        FilterExpression: 'trackingId = :t',
        ExpressionAttributeNames: { '#s': 'state' },
        ExpressionAttributeValues: { ':s': 'applied', ':t': trackingId },
      }),
    );
    return (out.Items ?? []).length > 0 ? true : undefined;
  });

async function counts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const raw = gw.db;
  const tables = await raw.send(new ListTablesCommand({}));
  for (const name of tables.TableNames ?? []) {
    const scan = await raw.send(new ScanCommand({ TableName: name, Select: 'COUNT', ConsistentRead: true }));
    out[`table:${name}`] = scan.Count ?? 0;
  }
  const queues = await gw.sqs.send(new ListQueuesCommand({}));
  for (const url of queues.QueueUrls ?? []) {
    const attributes = await gw.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    const a = attributes.Attributes ?? {};
    out[`queue:${url}`] =
      Number(a.ApproximateNumberOfMessages ?? 0) +
      Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) +
      Number(a.ApproximateNumberOfMessagesDelayed ?? 0);
  }
  out.events = gw.putEvents.length;
  out.sinchRequests = gw.simulator.requests().length;
  out.schedules = gw.scheduler.fired.length;
  return out;
}

const group = (to: string[]) => ({ ...sendmms(to[0] ?? ''), to });

const dryRun = (body: unknown, apiKey = gw.apiKey) => call(`${gw.apiUrl}/v2/?dry-run=true`, { apiKey, body });

describe('dry run (POST /v2/?dry-run=true)', () => {
  it('decides like the real send and leaves every table and queue as it was', async () => {
    const suppressed = '15551400001';
    expect((await entryApi(suppressed, 'PUT', { sender: SENDER })).status).toBe(200);
    const sendAt = new Date(Date.now() + 10 * 60_000).toISOString();
    const cases = [
      group(['15551400002', suppressed, '15551400003']),
      sendmms('15551400004', { 'send-at': sendAt }),
      sendmms('15551400005'),
      sendmms('+15551400006', { from: '15559999999' }),
      { action: 'sendsavedmms', to: '15551400007', from: SENDER, 'mms-id': 'tpl_nothere' },
    ];
    const before = await counts();
    const answers = [];
    for (const body of cases) answers.push(await dryRun(body));
    expect(await counts()).toEqual(before);

    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body['dry-run']).toBe(true);
    }
    const [groupAnswer, scheduled, now, invalid, template] = answers;
    expect(groupAnswer?.body).toMatchObject({
      status: 'failure',
      'error-code': 'GW-RECIPIENT-OPTED-OUT',
      'http-status': 400,
    });
    expect(groupAnswer?.body.errors).toEqual([
      expect.objectContaining({ code: 'GW-RECIPIENT-OPTED-OUT', field: 'to[1]' }),
    ]);
    expect(scheduled?.body).toMatchObject({ status: 'success', state: 'scheduled', 'send-at': sendAt });
    expect(now?.body).toMatchObject({ status: 'success', state: 'queued', 'http-status': 202 });
    expect(now?.body.messages).toEqual([expect.objectContaining({ to: '15551400005', from: SENDER })]);
    expect((invalid?.body.errors as Array<{ code: string }>).map((e) => e.code).sort()).toEqual([
      'E110',
      'E111',
    ]);
    expect(template?.body).toMatchObject({ status: 'failure', 'error-code': 'E241' });

    // The real sends then do what the dry runs said.
    for (const [i, body] of cases.entries()) {
      const real = await send(gw, body);
      const dry = answers[i]?.body ?? {};
      expect(real.status).toBe(dry['http-status']);
      if (dry.status === 'failure') {
        expect(real.body['error-code']).toBe(dry['error-code']);
        expect(real.body.errors).toEqual(dry.errors);
      } else {
        expect(real.body['send-at']).toEqual(dry['send-at']);
        expect(real.body.to).toBe((dry.messages as Array<{ to: string }>)[0]?.to);
      }
    }
  });
  it('refuses a dry-run value it does not know (E100) and sends nothing', async () => {
    const before = gw.simulator.requests().length;
    const answer = await call(`${gw.apiUrl}/v2/?dry-run=yes`, {
      apiKey: gw.apiKey,
      body: sendmms('15551420099'),
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      'error-code': 'E100',
      'error-info': 'dry-run must be true or false.',
    });
    const off = await call(`${gw.apiUrl}/v2/?dry-run=false`, {
      apiKey: gw.apiKey,
      body: sendmms('15551420098'),
    });
    expect(off.status).toBe(202);
    // Settled before the next test counts items: the real send reaches its final state.
    await waitForState(gw, String(off.body['tracking-id']), ['delivered']);
    expect(gw.simulator.requests().length).toBeGreaterThan(before);
    expect(gw.simulator.requests().some((r) => (r.body as { to?: unknown })?.to === '15551420099')).toBe(
      false,
    );
  });
});

describe('STOP, START and STOPALL', () => {
  it('refuses sends to an opted-out recipient from that sender only, until START; STOPALL covers every sender', async () => {
    const recipient = '15551410001';
    const other = '15551410002';
    await moHandled(await mo(recipient, SENDER, { text: 'stop please' }));
    expect(await hasEntry(recipient, SENDER)).toBe(true);

    const refused = await send(gw, sendmms(recipient));
    expect(refused.status).toBe(400);
    expect(refused.body['error-code']).toBe('GW-RECIPIENT-OPTED-OUT');
    const both = await send(gw, group([other, recipient]));
    expect(both.status).toBe(400);
    expect(both.body.errors).toEqual([
      expect.objectContaining({ code: 'GW-RECIPIENT-OPTED-OUT', field: 'to[1]' }),
    ]);
    expect((await send(gw, sendmms(recipient, { from: OTHER_SENDER }))).status).toBe(202);
    expect((await send(gw, sendmms(other))).status).toBe(202);

    await moHandled(await mo(recipient, SENDER, { keyword: 'Start' }));
    expect(await hasEntry(recipient, SENDER)).toBe(false);
    expect((await send(gw, sendmms(recipient))).status).toBe(202);

    await moHandled(await mo(recipient, OTHER_SENDER, { keyword: 'STOPALL' }));
    for (const from of [SENDER, OTHER_SENDER]) {
      const answer = await send(gw, sendmms(recipient, { from }));
      expect(answer.status).toBe(400);
      expect(answer.body['error-code']).toBe('GW-RECIPIENT-OPTED-OUT');
    }
    // The inbound events: from masked (the team did not ask for full numbers), keyword and action.
    const inbound = gw.putEvents.filter((e) => e.detailType === INBOUND_RECEIVED);
    expect(inbound.map((e) => (e.detail as Record<string, unknown>).action)).toEqual(
      expect.arrayContaining(['opt-out', 'opt-in', 'opt-out-all']),
    );
    for (const event of inbound) expect(JSON.stringify(event.detail)).not.toContain(recipient);
  });

  it('HELP only publishes the event; nothing is suppressed', async () => {
    const recipient = '15551410003';
    const id = await mo(recipient, SENDER, { keyword: 'help', media: ['https://example.com/mo/1.jpg'] });
    await moHandled(id);
    const event = gw.putEvents.find(
      (e) => e.detailType === INBOUND_RECEIVED && (e.detail as Record<string, unknown>)['inbound-id'] === id,
    );
    expect(event?.detail).toMatchObject({
      team: 'local-dev',
      action: 'help',
      keyword: 'help',
      from: '*******0003',
      to: SENDER,
      content: ['https://example.com/mo/1.jpg'],
    });
    expect((await entriesOf()).some((e) => e.number === recipient)).toBe(false);
  });
});

describe('an opt-out that arrives while the message waits', () => {
  it('fails a queued message with GW-RECIPIENT-OPTED-OUT and never sends it', async () => {
    const recipient = '15551420001';
    await gw.stopSendWorkers();
    let trackingId: string;
    try {
      const answer = await send(gw, sendmms(recipient));
      expect(answer.status).toBe(202);
      trackingId = String(answer.body['tracking-id']);
      await moHandled(await mo(recipient, SENDER, { keyword: 'STOP' }));
    } finally {
      gw.startSendWorkers();
    }
    const message = await waitForState(gw, trackingId, ['failed', 'submitted', 'sent', 'delivered']);
    expect(message).toMatchObject({ state: 'failed', 'last-error-code': 'GW-RECIPIENT-OPTED-OUT' });
    expect(gw.simulator.requests().some((r) => (r.body as { to?: unknown })?.to === recipient)).toBe(false);
    const events = await failedEvent(trackingId);
    expect(events).toHaveLength(1);
    expect(events[0]?.detail).toMatchObject({ 'new-state': 'failed', code: 'GW-RECIPIENT-OPTED-OUT' });
  });

  it('fails a scheduled message and one held by quiet hours, never sent', async () => {
    const scheduledTo = '15551420002';
    const quietTo = '15551420003';
    const scheduled = await send(
      gw,
      sendmms(scheduledTo, { 'send-at': new Date(Date.now() + 65_000).toISOString() }),
    );
    expect(scheduled.status).toBe(202);
    // Quiet hours from an hour ago until the next minute but one (UTC): the send waits for their end.
    const hhmm = (d: Date) => d.toISOString().slice(11, 16);
    const end = new Date(Date.now() + 120_000);
    await gw.teams.setQuietHours('quiet-team', {
      timeZone: 'UTC',
      start: hhmm(new Date(Date.now() - 3_600_000)),
      end: hhmm(end),
    });
    const held = await send(gw, sendmms(quietTo, { from: QUIET_SENDER }), {}, quietKey);
    expect(held.status).toBe(202);
    expect(held.body['send-at']).toBeDefined();
    await moHandled(await mo(scheduledTo, SENDER, { keyword: 'STOP' }));
    await moHandled(await mo(quietTo, QUIET_SENDER, { keyword: 'QUIT' }));

    const heldId = String(held.body['tracking-id']);
    const scheduledId = String(scheduled.body['tracking-id']);
    const [a, b] = await Promise.all([
      waitForState(gw, scheduledId, ['failed', 'submitted', 'sent', 'delivered'], 200_000),
      waitFor(
        'the quiet-hours message to end',
        async () => {
          const answer = await lookup(gw, heldId, quietKey);
          return ['failed', 'submitted', 'sent', 'delivered'].includes(String(answer.body.state))
            ? answer.body
            : undefined;
        },
        200_000,
      ),
    ]);
    for (const message of [a, b]) {
      expect(message).toMatchObject({ state: 'failed', 'last-error-code': 'GW-RECIPIENT-OPTED-OUT' });
    }
    for (const to of [scheduledTo, quietTo]) {
      expect(gw.simulator.requests().some((r) => (r.body as { to?: unknown })?.to === to)).toBe(false);
    }
    for (const id of [scheduledId, heldId]) {
      const events = await failedEvent(id);
      expect(events).toHaveLength(1);
      expect(events[0]?.detail).toMatchObject({ code: 'GW-RECIPIENT-OPTED-OUT' });
    }
  }, 240_000);
});

describe('E114 from Sinch', () => {
  it('adds a team-wide entry, and later sends are refused with the code', async () => {
    const blacklisted = '15550000009';
    const first = await send(gw, sendmms(blacklisted));
    expect(first.status).toBe(202);
    const message = await waitForState(gw, String(first.body['tracking-id']), ['failed']);
    expect(message['last-error-code']).toBe('E114');
    const events = await failedEvent(String(first.body['tracking-id']));
    expect(events[0]?.detail).toMatchObject({ code: 'E114' });
    const entry = await waitFor('the E114 entry', async () =>
      (await entriesOf()).find((e) => e.number === blacklisted),
    );
    expect(entry).toMatchObject({
      scope: 'team',
      reason: 'E114',
      source: `message:${String(first.body['tracking-id'])}`,
    });
    for (const from of [SENDER, OTHER_SENDER]) {
      const later = await send(gw, sendmms(blacklisted, { from }));
      expect(later.status).toBe(400);
      expect(later.body['error-code']).toBe('GW-RECIPIENT-OPTED-OUT');
    }
  });
});

describe('the inbound postback listener', () => {
  it('delivers mms.inbound-received to the team webhook, signed like status webhooks', async () => {
    const webhooks = new DynamoWebhooks(gw.db, gw.tables.teams);
    const registered = await webhooks.setUrl('local-dev', receiverUrl);
    const secret = 'secret' in registered ? registered.secret : undefined;
    try {
      const id = await mo('15551430001', SENDER, { text: 'INFO what are your hours?' });
      const delivery = await waitFor('the inbound webhook', () =>
        Promise.resolve(received.find((r) => r.body.includes(id))),
      );
      expect(delivery.headers['x-mms-gateway-event-type']).toBe(INBOUND_RECEIVED);
      expect(
        verifyWebhookSignature(
          secret ?? '',
          delivery.headers['x-mms-gateway-signature'] as string,
          delivery.body,
          Date.now() / 1000,
        ),
      ).toBe(true);
      const body = JSON.parse(delivery.body) as { type: string; detail: Record<string, unknown> };
      expect(body.type).toBe(INBOUND_RECEIVED);
      expect(body.detail).toMatchObject({
        action: 'help',
        keyword: 'INFO',
        text: 'INFO what are your hours?',
      });
    } finally {
      await webhooks.remove('local-dev');
    }
  });

  it('the simulator refuses a bad /_sim/mo body with 400 and posts nothing', async () => {
    const before = gw.simulator.stats().postbacks.sent;
    for (const body of [
      { from: '15551440009', to: SENDER },
      { from: 'x', to: SENDER, keyword: 'STOP' },
      '[]',
    ]) {
      expect((await call(`${gw.simulator.origin}/_sim/mo`, { body })).status).toBe(400);
    }
    expect(gw.simulator.stats().postbacks.sent).toBe(before);
  });

  it('answers 400 (never 5xx) to a garbage MO and stores a duplicate once', async () => {
    const garbage = [
      { origin: 'MMS_MO', code: 'N401', from: 'not a number', to: SENDER, 'tracking-id': 'x' },
      {
        origin: 'MMS_MO',
        code: 'N401',
        from: '15551440001',
        to: SENDER,
        'tracking-id': 'y',
        content: 'nope',
      },
      { code: 'N401', from: '15551440001', to: SENDER },
      { origin: 'MMS_MO', from: '15551440001', to: SENDER, 'tracking-id': 'z', keyword: { a: 1 } },
    ];
    for (const body of garbage) {
      const answer = await call(gw.postbackUrl, { body });
      expect(answer.status).toBe(400);
    }
    expect((await call(gw.postbackUrl, { body: '{"origin":"MMS_MO",' })).status).toBe(400);

    const duplicate = {
      origin: 'MMS_MO',
      code: 'N401',
      from: '15551440002',
      to: SENDER,
      keyword: 'STOP',
      'tracking-id': 'MO_duplicate_1',
      timestamp: new Date().toISOString(),
      content: [],
    };
    for (let i = 0; i < 3; i += 1) expect((await call(gw.postbackUrl, { body: duplicate })).status).toBe(200);
    await moHandled('MO_duplicate_1');
    const stored = await gw.db.send(
      new ScanCommand({
        TableName: gw.tables.postbacks,
        FilterExpression: 'trackingId = :t',
        ExpressionAttributeValues: { ':t': { S: 'MO_duplicate_1' } },
      }),
    );
    expect(stored.Items).toHaveLength(1);
    expect(stored.Items?.[0]?.state?.S).toBe('applied');
  });
});

describe('GET, PUT and DELETE /v2/suppressions', () => {
  it('pages and filters by sender; a second team cannot list, add or delete the first team\u2019s entries', async () => {
    const numbers = ['15551450001', '15551450002', '15551450003'];
    for (const n of numbers) expect((await entryApi(n, 'PUT', { sender: OTHER_SENDER })).status).toBe(200);
    const teamWide = await entryApi('15551450004', 'PUT', { reason: 'manual' });
    expect(teamWide.body.suppression).toMatchObject({
      number: '15551450004',
      scope: 'team',
      reason: 'manual',
    });

    const first = await suppressionsApi(`?sender=${OTHER_SENDER}&limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.suppressions).toHaveLength(2);
    const rest = await suppressionsApi(
      `?sender=${OTHER_SENDER}&limit=100&cursor=${String(first.body.cursor)}`,
    );
    const filtered = [...(first.body.suppressions as Entry[]), ...(rest.body.suppressions as Entry[])];
    expect(filtered.every((e) => e.sender === OTHER_SENDER || e.scope === 'team')).toBe(true);
    expect(filtered.map((e) => e.number)).toEqual(expect.arrayContaining([...numbers, '15551450004']));

    // The other team sees none of them, cannot use the first team's sender, and deletes nothing.
    expect(await entriesOf(otherKey)).toEqual([]);
    const foreign = await entryApi('15551450001', 'PUT', { sender: OTHER_SENDER }, otherKey);
    expect(foreign.status).toBe(400);
    expect(foreign.body['error-code']).toBe('E111');
    expect((await entryApi('15551450001', 'DELETE', undefined, otherKey)).status).toBe(404);
    expect((await entryApi('15551450001', 'PUT', {}, otherKey)).status).toBe(200);
    expect((await entriesOf(otherKey)).map((e) => e.number)).toEqual(['15551450001']);
    expect(await hasEntry('15551450001', OTHER_SENDER)).toBe(true);

    const removed = await entryApi('15551450001', 'DELETE');
    expect(removed.status).toBe(200);
    expect(await hasEntry('15551450001', OTHER_SENDER)).toBe(false);
    expect((await entriesOf(otherKey)).map((e) => e.number)).toEqual(['15551450001']);
    expect((await send(gw, sendmms('15551450001', { from: OTHER_SENDER }))).status).toBe(202);

    expect((await entryApi('12', 'PUT', {})).body['error-code']).toBe('E110');
    expect((await entryApi('15551450005', 'PUT', { reason: 'because' })).status).toBe(400);
  });
});

describe('npm run teams -- suppressions import|export, inbound-numbers', () => {
  const teamsCli = async (...args: string[]) => {
    const lines: string[] = [];
    const tables = [
      '--table',
      gw.tables.suppressions,
      '--teams-table',
      gw.tables.teams,
      '--endpoint',
      gw.dynamoEndpoint,
    ];
    const code = await runTeamsCli([...args, ...tables], (l) => lines.push(l));
    return { code, out: lines.join('\n') };
  };

  it('imports a CSV (nothing when a line is wrong) and exports the list again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'consent-cli-'));
    try {
      const bad = join(dir, 'bad.csv');
      writeFileSync(bad, `${CSV_HEADER}\n15551460001,${SENDER},manual\n15551460002,15559999999,manual\n`);
      const refused = await teamsCli('suppressions', 'import', 'local-dev', bad);
      expect(refused.code).toBe(1);
      expect(refused.out).toContain('line 3');
      expect((await entriesOf()).some((e) => e.number === '15551460001')).toBe(false);

      const good = join(dir, 'good.csv');
      writeFileSync(good, `${CSV_HEADER}\n15551460001,${SENDER},manual\n15551460002,,keyword\n`);
      expect((await teamsCli('suppressions', 'import', 'local-dev', good)).code).toBe(0);
      const refusedSend = await send(gw, sendmms('15551460002', { from: OTHER_SENDER }));
      expect(refusedSend.body['error-code']).toBe('GW-RECIPIENT-OPTED-OUT');

      const exported = join(dir, 'out.csv');
      expect((await teamsCli('suppressions', 'export', 'local-dev', exported)).code).toBe(0);
      const rows = readFileSync(exported, 'utf8').trim().split('\n');
      expect(rows[0]).toBe(CSV_HEADER);
      expect(rows).toEqual(
        expect.arrayContaining([
          expect.stringMatching(new RegExp(`^15551460001,${SENDER},manual,csv:good\\.csv,`)),
          expect.stringMatching(/^15551460002,,keyword,csv:good\.csv,/),
        ]),
      );
      expect(rows).toHaveLength((await entriesOf()).length + 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('inbound-numbers full: the team’s inbound events carry the full from number', async () => {
    expect((await teamsCli('inbound-numbers', 'other-team', 'full')).code).toBe(0);
    const id = await mo('15551470001', '15550003000', { keyword: 'HELP' });
    await moHandled(id);
    const event = gw.putEvents.find(
      (e) => e.detailType === INBOUND_RECEIVED && (e.detail as Record<string, unknown>)['inbound-id'] === id,
    );
    expect(event?.detail).toMatchObject({ team: 'other-team', from: '15551470001' });
  });
});
