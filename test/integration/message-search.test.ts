/**
 * GET /v2/messages (search) and GET /v2/messages/stats on the local runtime, over 1,000 messages of one team.
 *
 * The messages are written through the repository (`DynamoMessageRepository.create`, the accept use case's own
 * write, 25 at a time) as realistic items: distinct accepted times one second apart, states, recipients, client
 * references, groups and recurring schedule ids spread over them. Going through the HTTP accept path would send
 * them all to the simulator and take minutes for nothing this test checks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoMessageRepository } from '../../lambdas/adapters/message-repository';
import type { MessageRecord } from '../../lambdas/domain/messages/ports';
import type { MessageState } from '../../lambdas/domain/messages/state-machine';
import { startLocalGateway, type LocalGateway } from '../../local/runtime';
import { call, type HttpAnswer } from './helpers';

let gw: LocalGateway;
const TEAM = 'local-dev';
const OTHER_KEY = 'search-other-team-key';
const STATES: MessageState[] = ['queued', 'sent', 'delivered', 'failed', 'canceled'];
const BASE = Date.parse('2026-03-01T00:00:00.000Z');
const messages: MessageRecord[] = [];

const at = (i: number) => new Date(BASE + i * 1000).toISOString();

function message(i: number): MessageRecord {
  const state = STATES[i % STATES.length] ?? 'queued';
  const groupId = i >= 500 && i < 510 ? 'grp_search' : undefined;
  const record: MessageRecord & { scheduleId?: string } = {
    id: `mms_search${String(i).padStart(6, '0')}`,
    teamId: TEAM,
    request: {
      action: 'sendmms',
      to: `1555100${String(i % 7).padStart(4, '0')}`,
      from: '15550001000',
      slide: [{ 'message-text': `message ${i}` }],
    },
    state,
    createdAt: at(i),
    updatedAt: at(i),
    attempts: state === 'queued' ? 0 : 1,
    ...(i % 10 === 0 ? { clientReference: `ref-${i % 30}` } : {}),
    ...(groupId ? { groupId } : {}),
    ...(i % 50 === 0 ? { scheduleId: 'sch_search' } : {}),
    history: [{ at: at(i), event: 'accepted', state }],
  };
  return record;
}

beforeAll(async () => {
  gw = await startLocalGateway({ sweepIntervalMs: 0 });
  await gw.teams.addTeam(
    { id: 'search-other', allowedSenders: ['15550001000'], perSecond: 10, perDay: 1000 },
    OTHER_KEY,
  );
  const repository = new DynamoMessageRepository(gw.db, gw.tables.messages);
  for (let i = 0; i < 1000; i += 1) messages.push(message(i));
  for (let i = 0; i < messages.length; i += 25) {
    const written = await Promise.all(messages.slice(i, i + 25).map((m) => repository.create(m)));
    expect(written.every(Boolean)).toBe(true);
  }
}, 180_000);

afterAll(async () => {
  await gw?.stop();
});

const get = (query: string, apiKey = gw.apiKey) => call(`${gw.apiUrl}/v2/messages${query}`, { apiKey });

/** Reads every page of a search; returns the tracking-ids in answer order and the number of pages. */
async function readAll(query: string, apiKey = gw.apiKey) {
  const ids: string[] = [];
  const times: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const sep = query === '' ? '?' : '&';
    const answer: HttpAnswer = await get(
      `?${query}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}`.replace('?&', '?'),
      apiKey,
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const page = answer.body.messages as Array<Record<string, unknown>>;
    ids.push(...page.map((m) => String(m['tracking-id'])));
    times.push(...page.map((m) => String(m['created-at'])));
    cursor = answer.body['next-cursor'] as string | undefined;
    pages += 1;
    expect(pages).toBeLessThan(1100);
  } while (cursor);
  return { ids, times, pages };
}

const expected = (keep: (m: MessageRecord) => boolean) =>
  messages
    .filter(keep)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .map((m) => m.id);

describe('GET /v2/messages', () => {
  it('pages through all 1,000 messages, each exactly once, newest first', async () => {
    const { ids, times, pages } = await readAll('limit=100');
    expect(pages).toBe(10);
    expect(new Set(ids).size).toBe(1000);
    expect(ids).toEqual(expected(() => true));
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('default page size 25, and the last page has no next-cursor', async () => {
    const first = await get('');
    expect((first.body.messages as unknown[]).length).toBe(25);
    expect(typeof first.body['next-cursor']).toBe('string');
    const summary = (first.body.messages as Array<Record<string, unknown>>)[0];
    expect(summary).toMatchObject({ 'tracking-id': 'mms_search000999', action: 'sendmms' });
    expect(summary?.history).toBeUndefined();
    const last = await get(`?since=${encodeURIComponent(at(990))}&limit=10`);
    expect((last.body.messages as unknown[]).length).toBe(10);
    expect(last.body['next-cursor']).toBeUndefined();
  });

  it.each([
    ['state=failed', (m: MessageRecord) => m.state === 'failed'],
    ['state=queued,canceled', (m: MessageRecord) => m.state === 'queued' || m.state === 'canceled'],
    [`since=${encodeURIComponent(at(900))}`, (m: MessageRecord) => m.createdAt >= at(900)],
    [`until=${encodeURIComponent(at(99))}`, (m: MessageRecord) => m.createdAt <= at(99)],
    ['to=15551000003', (m: MessageRecord) => m.request.to === '15551000003'],
    ['client-reference=ref-10&limit=7', (m: MessageRecord) => m.clientReference === 'ref-10'],
    ['group-id=grp_search', (m: MessageRecord) => m.groupId === 'grp_search'],
    [
      'schedule-id=sch_search',
      (m: MessageRecord) => (m as { scheduleId?: string }).scheduleId === 'sch_search',
    ],
    [
      `state=delivered&to=15551000002&since=${encodeURIComponent(at(200))}&until=${encodeURIComponent(at(800))}`,
      (m: MessageRecord) =>
        m.state === 'delivered' &&
        m.request.to === '15551000002' &&
        m.createdAt >= at(200) &&
        m.createdAt <= at(800),
    ],
  ])('filter %s', async (query, keep) => {
    const want = expected(keep);
    expect(want.length).toBeGreaterThan(0);
    const { ids } = await readAll(`${query}&limit=20`.replace(/&limit=7&limit=20$/, '&limit=7'));
    expect(ids).toEqual(want);
  });

  it('client-reference alone keeps the earlier answer: full views with history, oldest first', async () => {
    const answer = await get('?client-reference=ref-10');
    expect(answer.status).toBe(200);
    const list = answer.body.messages as Array<Record<string, unknown>>;
    expect(list.map((m) => m['tracking-id'])).toEqual(
      expected((m) => m.clientReference === 'ref-10').reverse(),
    );
    expect(Array.isArray(list[0]?.history)).toBe(true);
    expect(answer.body['next-cursor']).toBeUndefined();
  });

  it("a second team sees none of them, with any filter or another team's cursor", async () => {
    const { ids } = await readAll('limit=100', OTHER_KEY);
    expect(ids).toEqual([]);
    const first = await get('?limit=5');
    const cursor = String(first.body['next-cursor']);
    const other = await get(`?cursor=${encodeURIComponent(cursor)}`, OTHER_KEY);
    expect(other.status).toBe(200);
    expect(other.body.messages).toEqual([]);
    expect((await get('?group-id=grp_search', OTHER_KEY)).body.messages).toEqual([]);
  });

  it('400 with every bad parameter at once', async () => {
    const answer = await get('?state=lost&since=yesterday&limit=0&to=abc&colour=red');
    expect(answer.status).toBe(400);
    expect(answer.body['error-code']).toBe('GW-INVALID-FILTER');
    const fields = (answer.body.errors as Array<{ field: string; code: string }>).map((e) => e.field).sort();
    expect(fields).toEqual(['colour', 'limit', 'since', 'state', 'to']);
  });

  it.each(['garbage', Buffer.from('{"v":1,"id":"x y","at":"no"}').toString('base64url'), ''])(
    'a malformed cursor %j is 400 GW-INVALID-CURSOR',
    async (cursor) => {
      const answer = await get(`?cursor=${encodeURIComponent(cursor)}`);
      expect(answer.status).toBe(400);
      expect(answer.body['error-code']).toBe('GW-INVALID-CURSOR');
    },
  );
});

describe('GET /v2/messages/stats', () => {
  it('counts per state in the range, for the calling team only', async () => {
    const query = `?since=${encodeURIComponent(at(0))}&until=${encodeURIComponent(at(999))}`;
    const answer = await call(`${gw.apiUrl}/v2/messages/stats${query}`, { apiKey: gw.apiKey });
    expect(answer.status).toBe(200);
    expect(answer.body.total).toBe(1000);
    const states = answer.body.states as Record<string, number>;
    for (const state of STATES) expect(states[state]).toBe(200);
    expect(states.rejected).toBe(0);
    const other = await call(`${gw.apiUrl}/v2/messages/stats${query}`, { apiKey: OTHER_KEY });
    expect(other.body.total).toBe(0);
  });

  it('400 for a bad range', async () => {
    const answer = await call(
      `${gw.apiUrl}/v2/messages/stats?since=2026-01-01T00:00:00Z&until=2025-01-01T00:00:00Z&x=1`,
      { apiKey: gw.apiKey },
    );
    expect(answer.status).toBe(400);
    const fields = (answer.body.errors as Array<{ field: string }>).map((e) => e.field).sort();
    expect(fields).toEqual(['until', 'x']);
  });
});
