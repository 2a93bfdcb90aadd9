/**
 * Recurring sends end to end: POST /v2/schedules → a recurring schedule in the local EventBridge Scheduler
 * (cron in a time zone) → at each firing, `{"recurring":…}` on the events queue → the events worker → one accept
 * per recipient → Sinch. `fireNow` fires the schedule's next planned occurrence at once, as EventBridge Scheduler
 * would at that time.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recurringScheduleName } from '../../lambdas/domain/recurring/recurring';
import { startLocalGateway, type LocalGateway } from '../../local/runtime';
import { call, sendmms, SENDER, waitFor, waitUntil, type HttpAnswer } from './helpers';

const GROUP = 'mms-gateway-local';
let gw: LocalGateway;
let otherKey: string;
beforeAll(async () => {
  gw = await startLocalGateway({ accountTps: 50 });
  otherKey = await gw.teams.addTeam({
    id: 'other-team',
    allowedSenders: [SENDER],
    perSecond: 10,
    perDay: 100,
  });
});
afterAll(async () => {
  await gw?.stop();
});

const schedules = (path = '', init: Parameters<typeof call>[1] = {}) =>
  call(`${gw.apiUrl}/v2/schedules${path}`, { apiKey: gw.apiKey, ...init });

const { to: _to, ...message } = sendmms('0');
const acceptedBySinch = (to: string) =>
  gw.simulator
    .requests()
    .filter((r) => r.outcome === 'accepted' && (r.body as Record<string, unknown>).to === to);

const recipients = ['15551280001', '15551280002', '15551280003'];

async function create(
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  return schedules('', { body, headers });
}

/** Puts a firing on the events queue as Scheduler does: how a redelivered or late firing looks. */
async function deliverFiring(scheduleId: string, scheduledTime: string) {
  await gw.sqs.send(
    new SendMessageCommand({
      QueueUrl: gw.queues.events,
      MessageBody: JSON.stringify({ recurring: { scheduleId, scheduledTime } }),
    }),
  );
}

describe('recurring sends', () => {
  let id: string;

  it('creates a cron schedule in a time zone and shows its next firing', async () => {
    const answer = await create({
      name: 'morning round',
      schedule: 'cron(0 9 * * ? *)',
      timezone: 'Europe/Stockholm',
      recipients,
      message,
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(answer.body).toMatchObject({
      status: 'success',
      name: 'morning round',
      schedule: 'cron(0 9 * * ? *)',
      timezone: 'Europe/Stockholm',
      state: 'enabled',
      recipients,
      firings: 0,
    });
    id = String(answer.body['schedule-id']);
    expect(id).toMatch(/^sch_/);
    const next = new Date(String(answer.body['next-firing-at']));
    expect(next.getTime()).toBeGreaterThan(Date.now());
    const localHour = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Stockholm',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).format(next);
    expect(localHour).toBe('09:00');
    expect((await schedules()).body.schedules).toEqual([expect.objectContaining({ 'schedule-id': id })]);
  });

  it('two firings send two rounds, and a firing delivered twice sends nothing more', async () => {
    const before = gw.scheduler.fired.length;
    await gw.scheduler.fireNow(GROUP, recurringScheduleName(id));
    await waitUntil('round 1', () => recipients.every((to) => acceptedBySinch(to).length >= 1));
    await gw.scheduler.fireNow(GROUP, recurringScheduleName(id));
    await waitUntil('round 2', () => recipients.every((to) => acceptedBySinch(to).length >= 2));
    const fired = gw.scheduler.fired.slice(before).filter((f) => f.name === recurringScheduleName(id));
    expect(fired).toHaveLength(2);
    expect(fired[0]?.at).not.toBe(fired[1]?.at);

    // At-least-once delivery: the first occurrence again, straight onto the events queue.
    await deliverFiring(id, String(fired[0]?.at));
    const view = await waitFor('the firings to be recorded', async () => {
      const got = await schedules(`/${id}`);
      return got.body.firings === 2 ? got.body : undefined;
    });
    await new Promise((r) => setTimeout(r, 2000));
    for (const to of recipients) expect(acceptedBySinch(to)).toHaveLength(2);
    expect(view['last-firing']).toMatchObject({ accepted: 3, rejected: 0, 'scheduled-time': fired[1]?.at });
    // Each round's messages are ordinary messages of the team, visible by tracking id.
    const sent = acceptedBySinch(recipients[0] ?? '').map((r) => (r.body as Record<string, unknown>).to);
    expect(sent).toEqual([recipients[0], recipients[0]]);
    // ... and each carries its schedule-id: the search finds the firings' messages by it.
    const found = await call(`${gw.apiUrl}/v2/messages?schedule-id=${id}&limit=100`, { apiKey: gw.apiKey });
    expect(found.status).toBe(200);
    const messages = found.body.messages as Array<Record<string, unknown>>;
    expect(messages).toHaveLength(2 * recipients.length);
    expect(messages.every((m) => m['schedule-id'] === id)).toBe(true);
  });

  it('a paused schedule sends nothing, even for a firing already on its way; resume restarts it', async () => {
    const paused = await schedules(`/${id}/pause`, { method: 'POST' });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ state: 'paused' });
    expect(paused.body['next-firing-at']).toBeUndefined();
    await deliverFiring(id, '2031-01-01T08:00:00Z');
    await new Promise((r) => setTimeout(r, 2000));
    for (const to of recipients) expect(acceptedBySinch(to)).toHaveLength(2);
    const resumed = await schedules(`/${id}/resume`, { method: 'POST' });
    expect(resumed.body).toMatchObject({ state: 'enabled', firings: 2 });
    expect(resumed.body['next-firing-at']).toBeDefined();
  });

  it('another team neither sees nor deletes it', async () => {
    expect((await schedules(`/${id}`, { apiKey: otherKey })).status).toBe(404);
    expect((await schedules(`/${id}`, { apiKey: otherKey, method: 'DELETE' })).status).toBe(404);
    expect((await schedules('', { apiKey: otherKey })).body.schedules).toEqual([]);
  });

  it('a deleted schedule is gone, and a late firing sends nothing', async () => {
    const deleted = await schedules(`/${id}`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ 'schedule-id': id, state: 'deleted' });
    expect((await schedules(`/${id}`)).status).toBe(404);
    await expect(gw.scheduler.fireNow(GROUP, recurringScheduleName(id))).rejects.toThrow();
    await deliverFiring(id, '2031-01-02T08:00:00Z');
    await new Promise((r) => setTimeout(r, 2000));
    for (const to of recipients) expect(acceptedBySinch(to)).toHaveLength(2);
  });

  it('an Idempotency-Key makes a retried creation return the same schedule; another body is a conflict', async () => {
    const body = { schedule: 'rate(1 day)', recipients: ['15551280010'], message };
    const first = await create(body, { 'Idempotency-Key': 'weekly-setup-1' });
    const again = await create(body, { 'Idempotency-Key': 'weekly-setup-1' });
    expect(first.status).toBe(201);
    expect(again.body['schedule-id']).toBe(first.body['schedule-id']);
    expect(first.body.timezone).toBe('UTC');
    const other = await create(
      { ...body, schedule: 'rate(2 days)' },
      { 'Idempotency-Key': 'weekly-setup-1' },
    );
    expect(other.status).toBe(409);
    expect(other.body['error-code']).toBe('GW-IDEMPOTENCY-CONFLICT');
  });

  it('refuses bad definitions with every problem and its code', async () => {
    const bad = await create({
      schedule: 'cron(0 9 * * * *)',
      timezone: 'Mars/Olympus',
      recipients: ['15551280020', '+15551280021', '15551280020'],
      message: { ...message, to: '15551280022' },
    });
    expect(bad.status).toBe(400);
    const codes = (bad.body.errors as { code: string; field: string }[]).map((e) => `${e.code} ${e.field}`);
    expect(codes).toEqual(
      expect.arrayContaining([
        'GW-INVALID-SCHEDULE schedule',
        'GW-INVALID-SCHEDULE timezone',
        'E110 recipients[1]',
        'GW-INVALID-RECIPIENTS recipients[2]',
        'GW-UNKNOWN-FIELD message.to',
      ]),
    );
    const tooMany = await create({
      schedule: 'rate(1 hour)',
      recipients: Array.from({ length: 1001 }, (_, i) => String(15551300000 + i)),
      message,
    });
    expect(tooMany.body['error-code']).toBe('GW-INVALID-RECIPIENTS');
    const oneShot = await create({ schedule: 'at(2030-01-01T09:00:00)', recipients, message });
    expect(oneShot.body['error-code']).toBe('GW-INVALID-SCHEDULE');
    const badMessage = await create({
      schedule: 'rate(1 hour)',
      recipients,
      message: { ...message, slide: [] },
    });
    expect(badMessage.status).toBe(400);
    expect((badMessage.body.errors as { field: string }[])[0]?.field).toMatch(/^message\./);
    const noTemplate = await create({
      schedule: 'rate(1 hour)',
      recipients,
      message: { action: 'sendsavedmms', 'mms-id': 'tpl_missing', from: SENDER },
    });
    expect(noTemplate.body['error-code']).toBe('E241');
  });

  it('1,000 recipients fan out in one firing, paced to the team’s per-second rate', async () => {
    const many = Array.from({ length: 1000 }, (_, i) => String(15552000000 + i));
    const answer = await create({ schedule: 'cron(0 12 ? * MON-FRI *)', recipients: many, message });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    const scheduleId = String(answer.body['schedule-id']);
    await gw.scheduler.fireNow(GROUP, recurringScheduleName(scheduleId));
    const view = await waitFor(
      'the 1,000-recipient firing to be recorded',
      async () => {
        const got = await schedules(`/${scheduleId}`);
        return got.body.firings === 1 ? got.body : undefined;
      },
      120_000,
    );
    expect(view['last-firing']).toMatchObject({ accepted: 1000, rejected: 0 });
    await schedules(`/${scheduleId}`, { method: 'DELETE' });
  }, 150_000);
});
