import { describe, expect, it } from 'vitest';
import type { MessageRecord } from '../../lambdas/domain/messages/ports';
import {
  messageStatusEvent,
  outboxEvent,
  publishStatusChange,
  templateStatusEvent,
} from '../../lambdas/domain/messages/status-events';
import type { TemplateRecord } from '../../lambdas/domain/templates/ports';

const at = '2026-01-01T00:00:00.000Z';
const base: MessageRecord = {
  id: 'mms_1',
  teamId: 'team-a',
  request: { action: 'sendmms', to: '15551234567', from: '15550001000', slide: [{ 'message-text': 'x' }] },
  state: 'queued',
  createdAt: at,
  updatedAt: at,
  attempts: 0,
  groupId: 'grp_1',
  history: [{ at, event: 'accepted', state: 'queued' }],
};
const moved = (
  m: MessageRecord,
  change: Partial<MessageRecord>,
  entry: MessageRecord['history'][number],
) => ({
  ...m,
  ...change,
  history: [...m.history, entry],
});

describe('messageStatusEvent', () => {
  it('publishes an accepted message without an old state, with masked to and group id', () => {
    const event = messageStatusEvent(undefined, base);
    expect(event?.detail).toMatchObject({
      'event-id': 'mms_1:1:queued',
      'new-state': 'queued',
      cause: 'accepted',
      to: '*******4567',
      'group-id': 'grp_1',
      attempts: 0,
    });
    expect(event?.detail['old-state']).toBeUndefined();
    expect(JSON.stringify(event)).not.toContain('15551234567');
  });

  it('ignores history-only writes and the silent submitting claim', () => {
    const noted = moved(base, {}, { at, event: 'webhook-delivered', code: '200' });
    expect(messageStatusEvent(base, noted)).toBeUndefined();
    const claimed = moved(
      base,
      { state: 'submitting', attempts: 1 },
      { at, event: 'attempt', state: 'submitting' },
    );
    expect(messageStatusEvent(base, claimed)).toBeUndefined();
    expect(messageStatusEvent(base, undefined)).toBeUndefined(); // TTL removal
  });

  it('takes code and reason from the entry the write appended, else from the last error', () => {
    const claimed = moved(
      base,
      { state: 'submitting', attempts: 1 },
      { at, event: 'attempt', state: 'submitting' },
    );
    const failed = moved(
      claimed,
      { state: 'failed', lastErrorCode: 'E110', lastErrorInfo: 'Invalid to number.' },
      { at, event: 'failed', state: 'failed', code: 'E110', detail: 'Invalid to number.' },
    );
    expect(messageStatusEvent(claimed, failed)?.detail).toMatchObject({
      'old-state': 'submitting',
      'new-state': 'failed',
      code: 'E110',
      reason: 'Invalid to number.',
      cause: 'failed',
      'event-id': 'mms_1:3:failed',
    });
    const bare = moved(
      claimed,
      { state: 'failed', lastErrorCode: 'GW-X', lastErrorInfo: 'why' },
      { at, event: 'x', state: 'failed' },
    );
    expect(messageStatusEvent(claimed, bare)?.detail).toMatchObject({ code: 'GW-X', reason: 'why' });
  });

  it('publishes a reschedule (same state, new send-at) and nothing for an unchanged send-at', () => {
    const scheduled = { ...base, state: 'scheduled' as const, sendAt: '2026-01-02T00:00:00.000Z' };
    const later = moved(scheduled, { sendAt: '2026-01-03T00:00:00.000Z' }, { at, event: 'rescheduled' });
    expect(messageStatusEvent(scheduled, later)?.detail).toMatchObject({
      cause: 'rescheduled',
      'old-state': 'scheduled',
      'new-state': 'scheduled',
      'send-at': '2026-01-03T00:00:00.000Z',
      'event-id': 'mms_1:2:rescheduled',
    });
    expect(messageStatusEvent(scheduled, moved(scheduled, {}, { at, event: 'note' }))).toBeUndefined();
  });
});

describe('templateStatusEvent', () => {
  const template: TemplateRecord = {
    id: 'tpl_1',
    teamId: 'team-a',
    name: 'promo',
    request: {
      action: 'savemms',
      name: 'promo',
      slide: [{ 'message-text': 'x' }],
    },
    state: 'transcoding',
    attempts: 1,
    createdAt: at,
    updatedAt: at,
    history: [],
  };
  it('publishes failed with the code, the media type and name, and ignores transcoding', () => {
    const failed = {
      ...template,
      state: 'failed' as const,
      failureCode: 'E004',
      failureInfo: 'image transcoding failed for cat.jpg',
      history: [{ at, event: 'postback', code: 'E004', state: 'failed' as const }],
    };
    expect(outboxEvent({ before: template as never, after: failed })?.detail).toMatchObject({
      'template-id': 'tpl_1',
      'new-state': 'failed',
      code: 'E004',
      'failed-media-type': 'image',
      'failed-media': 'cat.jpg',
    });
    expect(templateStatusEvent(undefined, template)).toBeUndefined();
  });
});

describe('publishStatusChange', () => {
  it('publishes once per event id, and again if the publish failed before it was recorded', async () => {
    const published: string[] = [];
    const seen = new Set<string>();
    let failNext = true;
    const publish = publishStatusChange({
      events: {
        publish: (_type, detail) => {
          if (failNext) {
            failNext = false;
            return Promise.reject(new Error('bus down'));
          }
          published.push(String(detail['event-id']));
          return Promise.resolve();
        },
      },
      log: {
        wasPublished: (id) => Promise.resolve(seen.has(id)),
        markPublished: (id) => Promise.resolve(void seen.add(id)),
      },
      clock: { now: () => new Date(at) },
    });
    const change = { after: base as unknown as Record<string, unknown> };
    await expect(publish(change)).rejects.toThrow('bus down');
    expect(await publish(change)).toBe('published');
    expect(await publish(change)).toBe('duplicate');
    expect(published).toEqual(['mms_1:1:queued']);
  });
});
