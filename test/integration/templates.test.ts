/**
 * The template lifecycle end to end: savemms through the gateway → Sinch (simulator) → N003/E002 postbacks →
 * template state; sendsavedmms by the gateway template id or by Sinch's mms-id, with custom slides.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalGateway, type LocalGateway } from '../../local/runtime';
import { call, send, SENDER, waitFor, waitForState } from './helpers';

let gw: LocalGateway;
beforeAll(async () => {
  gw = await startLocalGateway({ accountTps: 50, simulator: { transcodeMs: 1500 } });
});
afterAll(async () => {
  await gw?.stop();
});

const savemms = (name: string) => ({
  action: 'savemms',
  name,
  'message-subject': 'Spring sale',
  'fallback-sms-text': 'Spring sale - see it here:',
  slide: [
    { video: { url: 'https://cdn.example.com/promo.mp4' }, 'message-text': '20% off' },
    { 'message-text': 'See you soon' },
  ],
});
const template = (id: string) => call(`${gw.apiUrl}/v2/templates/${id}`, { apiKey: gw.apiKey });
const waitForTemplate = (id: string, state: string) =>
  waitFor(`template ${id} to be ${state}`, async () => {
    const answer = await template(id);
    return answer.body.state === state ? answer.body : undefined;
  });
const sendsaved = (mmsId: string, to: string, extra: Record<string, unknown> = {}) =>
  send(gw, { action: 'sendsavedmms', 'mms-id': mmsId, to, from: SENDER, ...extra });

describe.each([
  ['postback', '1555125'],
  ['sync', '1555126'],
] as const)('mms-id delivered by %s', (mode, prefix) => {
  it('saves, transcodes, refuses sends while transcoding (409 E626), then sends by either id', async () => {
    // A generous transcoding window, so that the send below lands in it even on a busy machine.
    gw.simulator.configure({ mmsIdMode: mode, transcodeMs: 10_000 });
    const saved = await send(gw, savemms(`promo-${mode}`));
    expect(saved.status).toBe(202);
    expect(saved.body).toMatchObject({
      status: 'success',
      'status-details': 'Save MMS request accepted and queued for processing.',
    });
    const templateId = String(saved.body['template-id']);
    expect(templateId).toMatch(/^tpl_/);

    const transcoding = await waitForTemplate(templateId, 'transcoding');
    gw.simulator.configure({ transcodeMs: 1500 }); // Sinch has it: later templates transcode faster again
    // Sync: Sinch's answer to savemms carries the mms-id; postback: it comes only with N003.
    expect(transcoding['mms-id'] !== undefined).toBe(mode === 'sync');
    const early = await sendsaved(templateId, `${prefix}0001`);
    expect(early.status).toBe(409);
    expect(early.body['error-code']).toBe('E626');
    expect(Number(early.headers.get('retry-after'))).toBeGreaterThan(0);

    const ready = await waitForTemplate(templateId, 'ready');
    const mmsId = String(ready['mms-id']);
    expect(mmsId).toMatch(/^\d+$/);
    expect((ready.history as Array<{ code?: string }>).some((h) => h.code === 'N003')).toBe(true);

    const byGatewayId = await sendsaved(templateId, `${prefix}0002`, {
      'custom-slides': [{ 'custom-slide': '2', 'custom-message-text': 'Hi Ann' }],
    });
    expect(byGatewayId.status).toBe(202);
    const bySinchId = await sendsaved(mmsId, `${prefix}0003`);
    expect(bySinchId.status).toBe(202);
    await waitForState(gw, String(byGatewayId.body['tracking-id']), ['delivered']);
    await waitForState(gw, String(bySinchId.body['tracking-id']), ['delivered']);
    const sent = gw.simulator
      .requests()
      .filter((r) => r.action === 'sendsavedmms' && r.outcome === 'accepted');
    const toAnn = sent.find((r) => (r.body as Record<string, unknown>).to === `${prefix}0002`);
    // Sinch always gets its own mms-id, whichever id the team used.
    expect(toAnn?.body).toMatchObject({
      'mms-id': mmsId,
      'custom-slides': [{ 'custom-slide': '2', 'custom-message-text': 'Hi Ann' }],
    });
  });
});

describe('failures and ownership', () => {
  it('a template that fails transcoding (E002) is failed, names the media, and sends get E241 with the reason', async () => {
    const saved = await send(gw, {
      ...savemms('fail-broken-audio'),
      slide: [{ audio: { url: 'https://cdn.example.com/a.mp3' } }],
    });
    const templateId = String(saved.body['template-id']);
    const failed = await waitForTemplate(templateId, 'failed');
    expect(failed['failure-code']).toBe('E002');
    expect(String(failed['failure-info'])).toContain('audio');
    const answer = await sendsaved(templateId, '15551240010');
    expect(answer.status).toBe(400);
    expect(answer.body['error-code']).toBe('E241');
    expect(String(answer.body['error-info'])).toContain('E002');
  });

  it('an unknown mms-id is E241', async () => {
    const answer = await sendsaved('999999999', '15551240011');
    expect(answer.status).toBe(400);
    expect(answer.body['error-code']).toBe('E241');
  });

  it("another team's template is E241 and invisible", async () => {
    const saved = await send(gw, savemms('private'));
    const templateId = String(saved.body['template-id']);
    await waitForTemplate(templateId, 'ready');
    const otherKey = await gw.teams.addTeam({
      id: 'tpl-other',
      allowedSenders: [SENDER],
      perSecond: 10,
      perDay: 100,
    });
    const answer = await send(
      gw,
      { action: 'sendsavedmms', 'mms-id': templateId, to: '15551240012', from: SENDER },
      {},
      otherKey,
    );
    expect(answer.body['error-code']).toBe('E241');
    expect((await call(`${gw.apiUrl}/v2/templates/${templateId}`, { apiKey: otherKey })).status).toBe(404);
  });

  it('custom-slides are validated with the slide rules', async () => {
    const answer = await sendsaved('tpl_x', '15551240013', {
      'custom-slides': [{ 'custom-slide': '1', 'custom-message-text': 'x'.repeat(5001) }],
    });
    expect(answer.status).toBe(400);
    expect(answer.body['error-code']).toBe('E228');
  });

  it('GET /v2/templates lists the team’s templates with state and mms-id', async () => {
    const list = await call(`${gw.apiUrl}/v2/templates`, { apiKey: gw.apiKey });
    expect(list.status).toBe(200);
    const templates = list.body.templates as Array<{ name: string; state: string }>;
    expect(templates.map((t) => t.name)).toEqual(
      expect.arrayContaining(['promo-postback', 'promo-sync', 'fail-broken-audio']),
    );
    expect(templates.find((t) => t.name === 'fail-broken-audio')?.state).toBe('failed');
  });
});
