/**
 * The send pipeline end to end on the local runtime: real DynamoDB Local, the SQS emulator, the Sinch simulator
 * and the same handler modules as in Lambda. Started on free ports, stopped after.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalGateway, type LocalGateway } from '../../local/runtime';
import { call, lookup, send, sendmms, SENDER, waitFor, waitForState } from './helpers';

let gw: LocalGateway;

beforeAll(async () => {
  gw = await startLocalGateway({ accountTps: 50, env: { AUTH_CACHE_SECONDS: '0' } });
});
afterAll(async () => {
  await gw?.stop();
});

const simRequestsTo = (to: string) =>
  gw.simulator.requests().filter((r) => (r.body as { to?: unknown })?.to === to);

describe('POST /v2/ sendmms, end to end', () => {
  it('answers 202, reaches the simulator exactly once with the account key, and shows submitted', async () => {
    const to = '15551230001';
    const body = sendmms(to, { 'client-reference': 'e2e-1' });
    const answer = await send(gw, body);
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({
      status: 'success',
      to,
      'status-details': 'MMS request accepted and queued for processing and delivery.',
    });
    const trackingId = String(answer.body['tracking-id']);
    expect(trackingId).toMatch(/^mms_[0-9a-f]{32}$/);

    const message = await waitForState(gw, trackingId, ['submitted', 'sent', 'delivered']);
    const received = simRequestsTo(to);
    expect(received).toHaveLength(1);
    expect(received[0]?.body).toEqual(body);
    expect(received[0]?.keyValid).toBe(true);
    expect(message['sinch-tracking-id']).toBe(
      (received[0]?.response?.body as Record<string, unknown>)['tracking-id'],
    );
    expect(message).toMatchObject({
      'tracking-id': trackingId,
      attempts: 1,
      'client-reference': 'e2e-1',
      to,
    });
    expect((message.history as Array<{ event: string }>).map((h) => h.event)).toEqual(
      expect.arrayContaining(['accepted', 'attempt', 'submitted']),
    );

    const byReference = await call(`${gw.apiUrl}/v2/messages?client-reference=e2e-1`, { apiKey: gw.apiKey });
    expect(byReference.status).toBe(200);
    expect(
      (byReference.body.messages as Array<{ 'tracking-id': string }>).map((m) => m['tracking-id']),
    ).toEqual([trackingId]);
  });
});

describe('authentication and team rules', () => {
  it('a missing key is 401 E104', async () => {
    const answer = await call(`${gw.apiUrl}/v2/`, { body: sendmms('15551230002') });
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ status: 'failure', 'error-code': 'E104' });
  });

  it('a wrong key is 401 E104', async () => {
    const answer = await send(gw, sendmms('15551230002'), {}, 'not-a-key');
    expect(answer.status).toBe(401);
    expect(answer.body['error-code']).toBe('E104');
  });

  it("a revoked team's key is 403 E104", async () => {
    const key = await gw.teams.addTeam({
      id: 'soon-revoked',
      allowedSenders: [SENDER],
      perSecond: 10,
      perDay: 100,
    });
    expect((await send(gw, sendmms('15551230003'), {}, key)).status).toBe(202);
    await gw.teams.setRevoked('soon-revoked', true);
    const answer = await send(gw, sendmms('15551230003'), {}, key);
    expect(answer.status).toBe(403);
    expect(answer.body['error-code']).toBe('E104');
  });

  it("a from outside the team's senders is 400 E111", async () => {
    const answer = await send(gw, sendmms('15551230004', { from: '15559999999' }));
    expect(answer.status).toBe(400);
    expect(answer.body['error-code']).toBe('E111');
  });

  it("a team cannot see another team's message (404)", async () => {
    const accepted = await send(gw, sendmms('15551230005'));
    const otherKey = await gw.teams.addTeam({
      id: 'other-team',
      allowedSenders: [SENDER],
      perSecond: 10,
      perDay: 100,
    });
    const answer = await lookup(gw, String(accepted.body['tracking-id']), otherKey);
    expect(answer.status).toBe(404);
    expect(answer.body['error-code']).toBe('GW-NOT-FOUND');
    expect((await lookup(gw, String(accepted.body['tracking-id']))).status).toBe(200);
  });

  it('over the daily quota: 429 with Retry-After and a GW code', async () => {
    const key = await gw.teams.addTeam({
      id: 'small-quota',
      allowedSenders: [SENDER],
      perSecond: 100,
      perDay: 2,
    });
    expect((await send(gw, sendmms('15551230006'), {}, key)).status).toBe(202);
    expect((await send(gw, sendmms('15551230006'), {}, key)).status).toBe(202);
    const answer = await send(gw, sendmms('15551230006'), {}, key);
    expect(answer.status).toBe(429);
    expect(answer.body['error-code']).toBe('GW-QUOTA-EXCEEDED');
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('over the per-second rate: 429 GW-RATE-LIMITED, and never more than 2 accepted in one second', async () => {
    const key = await gw.teams.addTeam({
      id: 'slow-team',
      allowedSenders: [SENDER],
      perSecond: 2,
      perDay: 1000,
    });
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => send(gw, sendmms('15551230007'), {}, key)),
    );
    expect(answers.every((a) => a.status === 202 || a.status === 429)).toBe(true);
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(1);
    expect(limited[0]?.body['error-code']).toBe('GW-RATE-LIMITED');
    // The limit per UTC second, read from each accepted message's own acceptance time (not from this test's
    // clock): a limiter admitting 4 a second would put 3 or more into one second here.
    const perSecond = new Map<number, number>();
    for (const answer of answers.filter((a) => a.status === 202)) {
      const created = (await lookup(gw, String(answer.body['tracking-id']), key)).body['created-at'];
      const second = Math.floor(Date.parse(String(created)) / 1000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    }
    expect([...perSecond.keys()].every(Number.isInteger)).toBe(true);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(2);
  });
});

describe('validation through the HTTP API: 400, Sinch-shaped, never queued', () => {
  const cases: Array<[string, unknown, string]> = [
    ['body not JSON', '{"action":', 'E108'],
    ['body not an object', '[1,2]', 'E108'],
    ['unknown action', { action: 'sendfax' }, 'E100'],
    ['missing to', { ...sendmms('1'), to: undefined }, 'E100'],
    ['to with +', sendmms('+17745559144'), 'E110'],
    ['to with 00 prefix', sendmms('0017745559144'), 'E110'],
    ['bad to-displayonly', sendmms('17745559144', { 'to-displayonly': '123' }), 'E110'],
    ['bad from', sendmms('17745559144', { from: '12' }), 'E111'],
    ['no slides', sendmms('17745559144', { slide: [] }), 'E312'],
    [
      '9 slides',
      sendmms('17745559144', { slide: Array.from({ length: 9 }, () => ({ 'message-text': 'x' })) }),
      'E225',
    ],
    ['empty slide', sendmms('17745559144', { slide: [{}] }), 'E313'],
    [
      'two objects',
      sendmms('17745559144', {
        slide: [{ pdf: { url: 'https://e.com/a.pdf' }, contact: { url: 'https://e.com/a.vcf' } }],
      }),
      'E223',
    ],
    [
      'object with image',
      sendmms('17745559144', {
        slide: [{ pdf: { url: 'https://e.com/a.pdf' }, image: { url: 'https://e.com/a.jpg' } }],
      }),
      'E224',
    ],
    [
      'audio with video',
      sendmms('17745559144', {
        slide: [{ audio: { url: 'https://e.com/a.mp3' }, video: { url: 'https://e.com/a.mp4' } }],
      }),
      'E226',
    ],
    [
      'video with image',
      sendmms('17745559144', {
        slide: [{ image: { url: 'https://e.com/a.jpg' }, video: { url: 'https://e.com/a.mp4' } }],
      }),
      'E227',
    ],
    ['text 5001', sendmms('17745559144', { slide: [{ 'message-text': 'x'.repeat(5001) }] }), 'E334'],
    [
      'media URL not http',
      sendmms('17745559144', { slide: [{ image: { url: 'ftp://e.com/a.jpg' } }] }),
      'GW-INVALID-MEDIA-URL',
    ],
    ['no fallback text', { ...sendmms('17745559144'), 'fallback-sms-text': undefined }, 'E622'],
    ['subject 81', sendmms('17745559144', { 'message-subject': 's'.repeat(81) }), 'E314'],
    [
      'client-reference 65',
      sendmms('17745559144', { 'client-reference': 'c'.repeat(65) }),
      'GW-CLIENT-REFERENCE-TOO-LONG',
    ],
    [
      'mms-expiry in the past',
      sendmms('17745559144', { 'mms-expiry-timestamp': '2020-01-01T00:00:00Z' }),
      'GW-INVALID-MMS-EXPIRY',
    ],
    [
      'link expiry not a date',
      sendmms('17745559144', { 'fallback-sms-link-expiration': 'tomorrow' }),
      'GW-INVALID-LINK-EXPIRATION',
    ],
    ['sendsavedmms without mms-id', { action: 'sendsavedmms', to: '17745559144', from: SENDER }, 'E620'],
    ['unknown field', sendmms('17745559144', { colour: 'red' }), 'GW-UNKNOWN-FIELD'],
  ];
  it.each(cases)('%s → %s', async (_name, body, code) => {
    const answer = await send(gw, body);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ status: 'failure', 'error-code': code });
    expect(typeof answer.body['error-info']).toBe('string');
    expect(Array.isArray(answer.body.errors)).toBe(true);
  });

  it('none of the invalid bodies above was queued: the simulator never saw their recipient', async () => {
    // A message queued by mistake would reach the simulator once the send worker took it: send a valid message
    // to another recipient afterwards and wait until it reached Sinch, so the queue ahead of it is drained.
    const marker = await send(gw, sendmms('15551230099'));
    expect(marker.status).toBe(202);
    await waitForState(gw, String(marker.body['tracking-id']), ['submitted', 'sent', 'delivered']);
    expect(simRequestsTo('15551230099')).toHaveLength(1);
    expect(simRequestsTo('17745559144')).toHaveLength(0);
  });

  it('reports every violation, the first in error-code', async () => {
    const answer = await send(
      gw,
      sendmms('+1', { from: '12', slide: Array.from({ length: 9 }, () => ({ 'message-text': 'x' })) }),
    );
    expect(answer.status).toBe(400);
    const codes = (answer.body.errors as Array<{ code: string; field: string }>).map((e) => e.code);
    expect(codes).toEqual(expect.arrayContaining(['E110', 'E111', 'E225']));
    expect(answer.body['error-code']).toBe(codes[0]);
  });
});

describe('Idempotency-Key', () => {
  it('the same key and body give the first answer again, without a second message', async () => {
    const body = sendmms('15551230010');
    const first = await send(gw, body, { 'Idempotency-Key': 'idem-1' });
    const second = await send(gw, body, { 'Idempotency-Key': 'idem-1' });
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body['tracking-id']).toBe(first.body['tracking-id']);
    await waitForState(gw, String(first.body['tracking-id']), ['submitted', 'sent', 'delivered']);
    await new Promise((r) => setTimeout(r, 500));
    expect(simRequestsTo('15551230010')).toHaveLength(1);
  });

  it('the same key with another body is 409', async () => {
    await send(gw, sendmms('15551230011'), { 'Idempotency-Key': 'idem-2' });
    const answer = await send(gw, sendmms('15551230012'), { 'Idempotency-Key': 'idem-2' });
    expect(answer.status).toBe(409);
    expect(answer.body['error-code']).toBe('GW-IDEMPOTENCY-CONFLICT');
  });

  it('a key over 255 characters is refused', async () => {
    const answer = await send(gw, sendmms('15551230013'), { 'Idempotency-Key': 'k'.repeat(256) });
    expect(answer.status).toBe(400);
    expect(answer.body['error-code']).toBe('GW-INVALID-IDEMPOTENCY-KEY');
  });
});

describe('group sends', () => {
  it('fan out one message per recipient with the others in to-displayonly', async () => {
    const members = ['15551230021', '15551230022', '15551230023'];
    const answer = await send(gw, sendmms(members as unknown as string, { 'to-displayonly': '15551230029' }));
    expect(answer.status).toBe(202);
    const messages = answer.body.messages as Array<{ to: string; 'tracking-id': string }>;
    expect(messages.map((m) => m.to)).toEqual(members);
    for (const m of messages) await waitForState(gw, m['tracking-id'], ['submitted', 'sent', 'delivered']);
    for (const to of members) {
      const received = simRequestsTo(to);
      expect(received).toHaveLength(1);
      const display = String((received[0]?.body as Record<string, unknown>)['to-displayonly']).split(',');
      expect(display.sort()).toEqual([...members.filter((m) => m !== to), '15551230029'].sort());
    }
  });

  it('one bad number rejects the whole group, naming its index', async () => {
    const answer = await send(gw, sendmms(['15551230031', '+1555'] as unknown as string));
    expect(answer.status).toBe(400);
    expect(answer.body['error-code']).toBe('E110');
    expect((answer.body.errors as Array<{ field: string }>)[0]?.field).toBe('to[1]');
    await new Promise((r) => setTimeout(r, 300));
    expect(simRequestsTo('15551230031')).toHaveLength(0);
  });
});

describe('Sinch outcomes', () => {
  it('a permanent Sinch error ends the message failed with the Sinch code, after one attempt', async () => {
    const answer = await send(gw, sendmms('15550000007'));
    const message = await waitForState(gw, String(answer.body['tracking-id']), ['failed']);
    expect(message).toMatchObject({ 'last-error-code': 'E110', attempts: 1 });
    expect(simRequestsTo('15550000007')).toHaveLength(1);
  });

  it('E503 twice, then success: retried with back-off and submitted on the third attempt', async () => {
    const answer = await send(gw, sendmms('15550000008'));
    const message = await waitForState(
      gw,
      String(answer.body['tracking-id']),
      ['submitted', 'sent', 'delivered'],
      30_000,
    );
    expect(message.attempts).toBe(3);
    const retries = (message.history as Array<{ event: string; code?: string }>).filter(
      (h) => h.event === 'retry',
    );
    expect(retries.map((r) => r.code)).toEqual(['E503', 'E503']);
  });
});

describe('lookups', () => {
  it('an unknown id is 404', async () => {
    const answer = await lookup(gw, 'mms_doesnotexist');
    expect(answer.status).toBe(404);
  });

  it('the send queue drains: every accepted message left the queue and reached Sinch once', async () => {
    const recipients = ['15551230101', '15551230102', '15551230103'];
    const ids: string[] = [];
    for (const to of recipients) {
      const answer = await send(gw, sendmms(to));
      expect(answer.status).toBe(202);
      ids.push(String(answer.body['tracking-id']));
    }
    const depth = async () => {
      const { GetQueueAttributesCommand } = await import('@aws-sdk/client-sqs');
      const attrs = await gw.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: gw.queues.send,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return (
        Number(attrs.Attributes?.ApproximateNumberOfMessages ?? 0) +
        Number(attrs.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
      );
    };
    await waitFor('the send queue to drain', async () => ((await depth()) === 0 ? true : undefined), 60_000);
    expect(await depth()).toBe(0);
    for (const [i, id] of ids.entries()) {
      expect((await lookup(gw, id)).body.state, id).toMatch(/^(submitted|sent|delivered)$/);
      expect(
        simRequestsTo(recipients[i]!).filter((r) => r.outcome === 'accepted'),
        id,
      ).toHaveLength(1);
    }
  });
});
