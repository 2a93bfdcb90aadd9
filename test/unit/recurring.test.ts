/**
 * The recurring-send rules without AWS: the definition's validation, the management use cases against in-memory
 * ports, and a firing's fan-out (idempotency keys, permanent and transient refusals, rate-limit pacing).
 */
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../lambdas/domain/sinch/error-codes';
import type { Clock } from '../../lambdas/domain/ports';
import type { StoredResponse } from '../../lambdas/domain/messages/ports';
import type { Team } from '../../lambdas/domain/teams/ports';
import {
  fireRecurring,
  manageRecurring,
  MAX_RECIPIENTS,
  parseScheduleDefinition,
} from '../../lambdas/domain/recurring/recurring';
import type {
  FiringSummary,
  RecurringRepository,
  RecurringSchedule,
  RecurringScheduler,
  RecurringState,
} from '../../lambdas/domain/recurring/ports';
import type { TemplateRepository } from '../../lambdas/domain/templates/ports';

const message = {
  action: 'sendmms',
  from: '15550001000',
  'message-subject': 'Hello',
  'fallback-sms-text': 'Hello',
  slide: [{ 'message-text': 'Hello', image: { url: 'https://example.com/a.jpg' } }],
};
const ctx = { now: new Date('2026-11-25T12:00:00Z'), requireServiceId: false };
const team: Team = {
  id: 'team-a',
  allowedSenders: ['15550001000'],
  limits: { perSecond: 10, perDay: 1000 },
  revoked: false,
};

const codes = (body: unknown) => {
  const result = parseScheduleDefinition(body, ctx);
  return result.ok ? [] : result.violations.map((v) => `${v.code} ${v.path}`);
};

describe('parseScheduleDefinition', () => {
  const valid = {
    schedule: 'cron(0 9 ? * MON-FRI *)',
    timezone: 'Europe/Stockholm',
    recipients: ['46701234567'],
    message,
  };

  it('accepts a cron or rate schedule with 1 to 1,000 distinct recipients', () => {
    expect(codes(valid)).toEqual([]);
    expect(codes({ ...valid, schedule: 'rate(5 minutes)', timezone: undefined })).toEqual([]);
    const many = Array.from({ length: MAX_RECIPIENTS }, (_, i) => String(46700000000 + i));
    expect(codes({ ...valid, recipients: many })).toEqual([]);
    const parsed = parseScheduleDefinition({ ...valid, timezone: undefined }, ctx);
    expect(parsed.ok && parsed.definition.timeZone).toBe('UTC');
  });

  it.each([
    [{ ...valid, schedule: undefined }, ['E100 schedule']],
    [{ ...valid, schedule: 'cron(0 9 * * * *)' }, ['GW-INVALID-SCHEDULE schedule']],
    [{ ...valid, schedule: 'at(2027-01-01T09:00:00)' }, ['GW-INVALID-SCHEDULE schedule']],
    [{ ...valid, schedule: 'every day' }, ['GW-INVALID-SCHEDULE schedule']],
    [{ ...valid, timezone: 'Europe/Atlantis' }, ['GW-INVALID-SCHEDULE timezone']],
    [{ ...valid, recipients: [] }, ['GW-INVALID-RECIPIENTS recipients']],
    [{ ...valid, recipients: '46701234567' }, ['GW-INVALID-TYPE recipients']],
    [{ ...valid, recipients: ['46701234567', '46701234567'] }, ['GW-INVALID-RECIPIENTS recipients[1]']],
    [{ ...valid, recipients: ['0701234567'] }, ['E110 recipients[0]']],
    [{ ...valid, recipients: [46701234567] }, ['GW-INVALID-TYPE recipients[0]']],
    [{ ...valid, message: { ...message, to: '46701234567' } }, ['GW-UNKNOWN-FIELD message.to']],
    [
      { ...valid, message: { ...message, 'send-at': '2027-01-01T09:00:00Z' } },
      ['GW-UNKNOWN-FIELD message.send-at'],
    ],
    [{ ...valid, message: { ...message, action: 'savemms' } }, ['E100 message.action']],
    [
      { ...valid, message: { ...message, 'ignore-quiet-hours': 'yes' } },
      ['GW-INVALID-TYPE message.ignore-quiet-hours'],
    ],
    [{ ...valid, name: '' }, ['GW-INVALID-TYPE name']],
    [
      { ...valid, message: { ...message, 'mms-expiry-timestamp': '2026-11-27T00:00:00Z' } },
      ['GW-UNKNOWN-FIELD message.mms-expiry-timestamp'],
    ],
    [{ ...valid, every: 'day' }, ['GW-UNKNOWN-FIELD every']],
  ])('refuses %j', (body, expected) => {
    expect(codes(body)).toEqual(expected);
  });

  it('reports more than 1,000 recipients, and the message by the Sinch rules under message.', () => {
    const many = Array.from({ length: MAX_RECIPIENTS + 1 }, (_, i) => String(46700000000 + i));
    expect(codes({ ...valid, recipients: many })).toEqual(['GW-INVALID-RECIPIENTS recipients']);
    const bad = codes({ ...valid, message: { ...message, from: undefined } });
    expect(bad.length).toBeGreaterThan(0);
    expect(bad.every((c) => c.includes(' message.'))).toBe(true);
  });

  it('reports every problem at once', () => {
    expect(codes({ schedule: 'rate(0 minutes)', recipients: [], message: 'hi' })).toEqual([
      'GW-INVALID-SCHEDULE schedule',
      'GW-INVALID-RECIPIENTS recipients',
      'GW-INVALID-TYPE message',
    ]);
  });
});

class MemorySchedules implements RecurringRepository {
  readonly items = new Map<string, RecurringSchedule>();
  create(s: RecurringSchedule) {
    if (this.items.has(s.id)) return Promise.resolve(false);
    this.items.set(s.id, s);
    return Promise.resolve(true);
  }
  get(id: string) {
    return Promise.resolve(this.items.get(id));
  }
  listByTeam(teamId: string) {
    return Promise.resolve([...this.items.values()].filter((s) => s.teamId === teamId));
  }
  async countByTeam(teamId: string) {
    return (await this.listByTeam(teamId)).length;
  }
  setState(id: string, state: RecurringState, at: string) {
    const s = this.items.get(id);
    if (!s) return Promise.resolve(undefined);
    const updated = { ...s, state, updatedAt: at };
    this.items.set(id, updated);
    return Promise.resolve(updated);
  }
  recordFiring(id: string, summary: FiringSummary) {
    const s = this.items.get(id);
    if (s && (!s.lastFiring || s.lastFiring.scheduledTime < summary.scheduledTime)) {
      this.items.set(id, { ...s, lastFiring: summary, firings: s.firings + 1 });
    }
    return Promise.resolve();
  }
  delete(id: string) {
    this.items.delete(id);
    return Promise.resolve();
  }
}

class MemoryScheduler implements RecurringScheduler {
  readonly schedules = new Map<string, RecurringState>();
  fail = false;
  upsert(s: Pick<RecurringSchedule, 'id' | 'state'>) {
    if (this.fail) return Promise.reject(new Error('scheduler down'));
    this.schedules.set(s.id, s.state);
    return Promise.resolve();
  }
  delete(id: string) {
    this.schedules.delete(id);
    return Promise.resolve();
  }
}

const clockAt = (start: number): Clock & { slept: number[] } => {
  let now = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => new Date(now),
    sleep: (ms: number) => {
      slept.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
};

const noTemplates = {
  get: () => Promise.resolve(undefined),
  findByMmsId: () => Promise.resolve(undefined),
} as unknown as TemplateRepository;

function setup() {
  const schedules = new MemorySchedules();
  const scheduler = new MemoryScheduler();
  let n = 0;
  const manage = manageRecurring({
    schedules,
    scheduler,
    templates: noTemplates,
    clock: clockAt(Date.parse('2026-11-25T12:00:00Z')),
    ids: { messageId: () => `mms_${String(++n).padStart(32, '0')}` },
    requireServiceId: false,
  });
  return { schedules, scheduler, manage };
}

const body = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    schedule: 'cron(0 9 * * ? *)',
    recipients: ['46701234567', '46701234568'],
    message,
    ...extra,
  });

describe('manageRecurring', () => {
  it('creates the record and the schedule; pause and resume change both; delete removes both', async () => {
    const { manage, scheduler, schedules } = setup();
    const created = await manage.create(team, body());
    expect(created.statusCode).toBe(201);
    const id = String((created.body as Record<string, unknown>)['schedule-id']);
    expect(scheduler.schedules.get(id)).toBe('enabled');
    expect((created.body as Record<string, unknown>)['next-firing-at']).toBe('2026-11-26T09:00:00.000Z');
    expect((await manage.pause(team.id, id)).state).toBe('paused');
    expect(scheduler.schedules.get(id)).toBe('paused');
    expect((await manage.resume(team.id, id)).state).toBe('enabled');
    expect(scheduler.schedules.get(id)).toBe('enabled');
    expect((await manage.delete(team.id, id)).state).toBe('deleted');
    expect(scheduler.schedules.has(id)).toBe(false);
    expect(schedules.items.has(id)).toBe(false);
  });

  it('leaves no record behind when the scheduler refuses, and answers 503', async () => {
    const { manage, scheduler, schedules } = setup();
    scheduler.fail = true;
    await expect(manage.create(team, body())).rejects.toMatchObject({ code: 'GW-QUEUE-UNAVAILABLE' });
    expect(schedules.items.size).toBe(0);
  });

  it('a pause the scheduler refuses changes nothing', async () => {
    const { manage, scheduler, schedules } = setup();
    const id = String(((await manage.create(team, body())).body as Record<string, unknown>)['schedule-id']);
    scheduler.fail = true;
    await expect(manage.pause(team.id, id)).rejects.toMatchObject({ code: 'GW-QUEUE-UNAVAILABLE' });
    expect(schedules.items.get(id)?.state).toBe('enabled');
  });

  it('another team gets 404 for every operation', async () => {
    const { manage } = setup();
    const id = String(((await manage.create(team, body())).body as Record<string, unknown>)['schedule-id']);
    for (const op of [
      (t: string, i: string) => manage.get(t, i),
      (t: string, i: string) => manage.pause(t, i),
      (t: string, i: string) => manage.resume(t, i),
      (t: string, i: string) => manage.delete(t, i),
    ]) {
      await expect(op('team-b', id)).rejects.toMatchObject({ code: 'GW-NOT-FOUND' });
    }
    expect((await manage.list('team-b')).schedules).toEqual([]);
  });

  it('replays a creation with the same Idempotency-Key, refuses another body with it', async () => {
    const { manage, schedules } = setup();
    const first = await manage.create(team, body(), 'k1');
    const again = await manage.create(team, body(), 'k1');
    expect(again.body).toEqual(first.body);
    expect(schedules.items.size).toBe(1);
    await expect(manage.create(team, body({ name: 'other' }), 'k1')).rejects.toMatchObject({
      code: 'GW-IDEMPOTENCY-CONFLICT',
    });
  });

  it('refuses a sendsavedmms schedule for a template the team does not have', async () => {
    const { manage } = setup();
    const saved = { action: 'sendsavedmms', 'mms-id': 'tpl_nope', from: '15550001000' };
    await expect(manage.create(team, body({ message: saved }))).rejects.toMatchObject({ code: 'E241' });
  });
});

describe('fireRecurring', () => {
  const schedule: RecurringSchedule = {
    id: 'sch_1',
    teamId: team.id,
    expression: 'cron(0 9 * * ? *)',
    timeZone: 'UTC',
    recipients: ['46700000001', '46700000002', '46700000003', '46700000004'],
    message,
    state: 'enabled',
    requestHash: 'h',
    createdAt: '2026-11-01T00:00:00Z',
    updatedAt: '2026-11-01T00:00:00Z',
    firings: 0,
  };
  const fixture = (
    accept: (to: string, key: string) => Promise<void>,
    continued?: { firing: unknown; delaySeconds: number }[],
  ) => {
    const schedules = new MemorySchedules();
    void schedules.create(schedule);
    const calls: { to: string; key: string }[] = [];
    const clock = clockAt(Date.parse('2026-11-25T09:00:01Z'));
    const fire = fireRecurring({
      schedules,
      teams: { getTeam: (id) => Promise.resolve(id === team.id ? team : undefined) },
      accept: async ({ body: raw, idempotencyKey }) => {
        const to = String((JSON.parse(raw) as { to: string }).to);
        calls.push({ to, key: idempotencyKey });
        await accept(to, idempotencyKey);
        return { statusCode: 202, body: {} } satisfies StoredResponse;
      },
      clock,
      concurrency: 2,
      ...(continued
        ? {
            continueLater: (f: unknown, delaySeconds: number) => {
              continued.push({ firing: f, delaySeconds });
              return Promise.resolve();
            },
          }
        : {}),
    });
    return { schedules, calls, clock, fire };
  };
  const firing = { scheduleId: 'sch_1', scheduledTime: '2026-11-25T09:00:00Z' };

  it('sends every recipient once, keyed by schedule, scheduled time and recipient', async () => {
    const { fire, calls, schedules } = fixture(() => Promise.resolve());
    const result = await fire(firing);
    expect(result).toMatchObject({ outcome: 'fired', summary: { accepted: 4, rejected: 0 } });
    expect(calls.map((c) => c.to).sort()).toEqual([...schedule.recipients].sort());
    expect(calls[0]?.key).toBe(`recurring:sch_1:2026-11-25T09:00:00.000Z:${calls[0]?.to}`);
    expect(schedules.items.get('sch_1')?.firings).toBe(1);
  });

  it('counts permanent refusals and records them; fails on a transient one after trying the others', async () => {
    const permanent = fixture((to) =>
      to === '46700000002' ? Promise.reject(new GatewayError('E241', 'template gone')) : Promise.resolve(),
    );
    const result = await permanent.fire(firing);
    expect(result).toMatchObject({
      outcome: 'fired',
      summary: {
        accepted: 3,
        rejected: 1,
        errors: [{ to: '46700000002', code: 'E241', info: 'template gone' }],
      },
    });

    const transcoding = fixture((to) =>
      to === '46700000003' ? Promise.reject(new GatewayError('E626')) : Promise.resolve(),
    );
    await expect(transcoding.fire(firing)).rejects.toMatchObject({ code: 'E626' });

    const transient = fixture((to) =>
      to === '46700000001' ? Promise.reject(new GatewayError('GW-QUEUE-UNAVAILABLE')) : Promise.resolve(),
    );
    await expect(transient.fire(firing)).rejects.toMatchObject({ code: 'GW-QUEUE-UNAVAILABLE' });
    expect(transient.calls).toHaveLength(4);
    expect(transient.schedules.items.get('sch_1')?.firings).toBe(0);
  });

  it('waits out GW-RATE-LIMITED within the deadline, and fails (to be retried) beyond it', async () => {
    let refusals = 2;
    const limited = () =>
      refusals-- > 0
        ? Promise.reject(new GatewayError('GW-RATE-LIMITED', undefined, { retryAfterSeconds: 1 }))
        : Promise.resolve();
    const within = fixture(limited);
    const result = await within.fire(firing, Date.parse('2026-11-25T09:01:00Z'));
    expect(result).toMatchObject({ summary: { accepted: 4 } });
    expect(within.clock.slept).toEqual([1000, 1000]);

    refusals = 1;
    const beyond = fixture(limited);
    await expect(beyond.fire(firing, Date.parse('2026-11-25T09:00:01.500Z'))).rejects.toMatchObject({
      code: 'GW-RATE-LIMITED',
    });
  });

  it('beyond the deadline, stops and puts a copy of the firing back to continue; the copy finishes it', async () => {
    const sent = new Set<string>();
    let limitedFrom = 2; // the team's rate lets two through in this invocation
    const accept = (to: string) => {
      if (sent.has(to)) return Promise.resolve(); // a replay of its idempotency key
      if (sent.size >= limitedFrom)
        return Promise.reject(new GatewayError('GW-RATE-LIMITED', undefined, { retryAfterSeconds: 1 }));
      sent.add(to);
      return Promise.resolve();
    };
    const continued: { firing: unknown; delaySeconds: number }[] = [];
    const first = fixture(accept, continued);
    const result = await first.fire(firing, Date.parse('2026-11-25T09:00:01.500Z'));
    expect(result).toEqual({ outcome: 'continued', accepted: 2, remaining: 2 });
    expect(continued).toEqual([{ firing, delaySeconds: 1 }]);
    expect(first.schedules.items.get('sch_1')?.firings).toBe(0);

    limitedFrom = 4;
    const second = fixture(accept, continued);
    const done = await second.fire(firing, Date.parse('2026-11-25T09:00:30Z'));
    expect(done).toMatchObject({ outcome: 'fired', summary: { accepted: 4, rejected: 0 } });
    expect([...sent].sort()).toEqual([...schedule.recipients].sort());
  });

  it('does nothing for a paused or deleted schedule, or a revoked team', async () => {
    const paused = fixture(() => Promise.resolve());
    await paused.schedules.setState('sch_1', 'paused', 'now');
    expect(await paused.fire(firing)).toEqual({ outcome: 'skipped', reason: 'paused' });
    expect(await paused.fire({ ...firing, scheduleId: 'sch_gone' })).toEqual({
      outcome: 'skipped',
      reason: 'deleted',
    });
    expect(paused.calls).toEqual([]);
    await expect(paused.fire({ ...firing, scheduledTime: '<aws.scheduler.scheduled-time>' })).rejects.toThrow(
      /scheduled time/,
    );
  });
});
