import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../lambdas/domain/sinch/error-codes';
import { isLegacyReferenceLookup, parseSearchQuery } from '../../lambdas/domain/messages/search';
import { expireIfStale, extractValidity } from '../../lambdas/domain/messages/validity';
import type { MessageRecord, StateChange } from '../../lambdas/domain/messages/ports';

const errorsOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof GatewayError) return error.toBody().errors?.map((e) => [e.code, e.field]) ?? [];
  }
  return [];
};

describe('parseSearchQuery', () => {
  it('defaults: no filter, 25 per page', () => {
    expect(parseSearchQuery({})).toEqual({ filters: {}, limit: 25 });
  });

  it('reads every filter, normalising times to UTC', () => {
    const q = parseSearchQuery({
      state: 'failed,expired',
      since: '2026-01-01T01:00:00+01:00',
      until: '2026-01-02T00:00:00Z',
      to: '15551234567',
      'client-reference': 'r',
      'group-id': 'grp_1',
      'schedule-id': 'sch_1',
      limit: '100',
    });
    expect(q).toEqual({
      filters: {
        states: ['failed', 'expired'],
        since: '2026-01-01T00:00:00.000Z',
        until: '2026-01-02T00:00:00.000Z',
        to: '15551234567',
        clientReference: 'r',
        groupId: 'grp_1',
        scheduleId: 'sch_1',
      },
      limit: 100,
    });
  });

  it('reports every bad parameter at once', () => {
    expect(
      errorsOf(() =>
        parseSearchQuery({
          state: 'nope',
          since: '2026-01-02',
          until: 'x',
          limit: '101',
          cursor: '!!',
          q: '1',
        }),
      ),
    ).toEqual([
      ['GW-INVALID-FILTER', 'q'],
      ['GW-INVALID-FILTER', 'state'],
      ['GW-INVALID-FILTER', 'since'],
      ['GW-INVALID-FILTER', 'until'],
      ['GW-INVALID-FILTER', 'limit'],
      ['GW-INVALID-CURSOR', 'cursor'],
    ]);
    expect(
      errorsOf(() => parseSearchQuery({ since: '2026-02-01T00:00:00Z', until: '2026-01-01T00:00:00Z' })),
    ).toEqual([['GW-INVALID-FILTER', 'until']]);
  });

  it('keeps the client-reference lookup only when it is the only parameter', () => {
    expect(isLegacyReferenceLookup({ 'client-reference': 'a' })).toBe(true);
    expect(isLegacyReferenceLookup({ 'client-reference': 'a', limit: '5' })).toBe(false);
  });
});

describe('validity-period', () => {
  const sendAt = new Date('2026-01-01T10:00:00Z');
  it('takes validity-period out of the body and checks it and the expiry against send-at', () => {
    expect(extractValidity({ action: 'sendmms', 'validity-period': 600 }, undefined)).toEqual({
      body: { action: 'sendmms' },
      validityPeriodSeconds: 600,
      violations: [],
    });
    for (const bad of [59, 259_201, 60.5, '600']) {
      expect(extractValidity({ 'validity-period': bad }, undefined).violations.map((v) => v.code)).toEqual([
        'GW-INVALID-VALIDITY-PERIOD',
      ]);
    }
    const early = extractValidity({ 'mms-expiry-timestamp': '2026-01-01T09:59:00Z' }, sendAt);
    expect(early.violations.map((v) => v.code)).toEqual(['GW-EXPIRY-BEFORE-SEND-AT']);
    expect(extractValidity({ 'mms-expiry-timestamp': '2026-01-01T10:01:00Z' }, sendAt).violations).toEqual(
      [],
    );
  });

  it('expires only a stale message that cannot have reached Sinch', async () => {
    const changes: StateChange[] = [];
    const messages = {
      transition: (_id: string, _e: unknown, change: StateChange) => {
        changes.push(change);
        return Promise.resolve(true);
      },
    };
    const m = {
      id: 'mms_1',
      state: 'queued',
      attempts: 0,
      validUntil: '2026-01-01T10:00:00.000Z',
    } as unknown as MessageRecord;
    const before = new Date('2026-01-01T09:59:59Z');
    const after = new Date('2026-01-01T10:00:01Z');
    expect(await expireIfStale(messages, m, before, false)).toBe(false);
    expect(await expireIfStale(messages, m, after, true)).toBe(false); // an attempt in doubt: never expired
    expect(await expireIfStale(messages, { ...m, state: 'submitted' }, after, false)).toBe(false);
    expect(await expireIfStale(messages, m, after, false)).toBe(true);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ state: 'expired', lastErrorCode: 'GW-EXPIRED-BEFORE-SEND' });
  });
});
