/**
 * MMS templates (savemms / sendsavedmms). A team saves a template through the gateway; the gateway submits it to
 * Sinch through the same paced send pipeline, learns Sinch's `mms-id` from the synchronous answer or from the
 * N003 postback (whichever arrives), and lets the team send it once Sinch has transcoded it.
 *
 * Template states: submitting → transcoding (Sinch accepted) → ready (N003) | failed (E002–E004, or a
 * permanent error on submission).
 */
import type { TemplateRecord, TemplateRepository } from './ports';
import { GatewayError } from '../sinch/error-codes';
import type { SendRequest } from '../sinch/mms';
import type { HistoryEntry } from '../messages/ports';
import type { Postback } from '../postbacks/parsing';
import { historyView } from '../messages/history';
import {
  canTransitionTemplate,
  isTemplatePostbackCode,
  TEMPLATE_POSTBACK_CODES,
  type TemplateState,
} from '../messages/state-machine';

export const TEMPLATE_ID_PREFIX = 'tpl_';
export const isTemplateId = (id: string): boolean => id.startsWith(TEMPLATE_ID_PREFIX);

/** Seconds a caller should wait before retrying a send of a template that is still transcoding. */
export const TRANSCODING_RETRY_AFTER_SECONDS = 30;

/**
 * Resolves the `mms-id` of a sendsavedmms request — the gateway template id (`tpl_…`) or Sinch's mms-id — to a
 * ready template of the calling team, and returns the request as Sinch must see it (Sinch's mms-id).
 */
export async function resolveSavedTemplate(
  templates: TemplateRepository,
  teamId: string,
  request: SendRequest & { action: 'sendsavedmms' },
): Promise<SendRequest> {
  const given = request['mms-id'];
  const template = isTemplateId(given) ? await templates.get(given) : await templates.findByMmsId(given);
  if (!template || template.teamId !== teamId) {
    throw new GatewayError('E241', `No template with mms-id ${given} for this team`);
  }
  if (template.state === 'failed') {
    throw new GatewayError(
      'E241',
      `Template ${template.id} failed${template.failureCode ? ` (${template.failureCode}${template.failureInfo ? `: ${template.failureInfo}` : ''})` : ''}; save it again`,
    );
  }
  if (template.state !== 'ready' || !template.mmsId) {
    throw new GatewayError('E626', `Template ${template.id} is still being transcoded; try again later`, {
      retryAfterSeconds: TRANSCODING_RETRY_AFTER_SECONDS,
    });
  }
  if (request['custom-slides']) {
    const slides = template.request.slide?.length ?? 0;
    const beyond = request['custom-slides'].find((c) => Number(c['custom-slide']) > slides);
    if (beyond) {
      throw new GatewayError(
        'GW-INVALID-CUSTOM-SLIDE',
        `custom-slide ${beyond['custom-slide']} is beyond the template's ${slides} slide(s)`,
      );
    }
  }
  return { ...request, 'mms-id': template.mmsId };
}

export interface TemplateView {
  readonly 'template-id': string;
  readonly name: string;
  readonly state: TemplateState;
  readonly 'mms-id'?: string;
  readonly 'sinch-tracking-id'?: string;
  readonly 'failure-code'?: string;
  readonly 'failure-info'?: string;
  readonly 'created-at': string;
  readonly 'updated-at': string;
  readonly history: ReadonlyArray<Record<string, unknown>>;
}

export function templateView(t: TemplateRecord): TemplateView {
  return {
    'template-id': t.id,
    name: t.name,
    state: t.state,
    ...(t.mmsId ? { 'mms-id': t.mmsId } : {}),
    ...(t.sinchTrackingId ? { 'sinch-tracking-id': t.sinchTrackingId } : {}),
    ...(t.failureCode ? { 'failure-code': t.failureCode } : {}),
    ...(t.failureInfo ? { 'failure-info': t.failureInfo } : {}),
    'created-at': t.createdAt,
    'updated-at': t.updatedAt,
    history: t.history.map(historyView),
  };
}

/**
 * Applies a template postback (N003 ready, E002–E004 failed with the media named). Returns 'not-mine' when no
 * template is known for it (yet): the caller then treats it as a message postback or keeps it pending.
 */
export function templatePostbacks(templates: TemplateRepository, now: () => Date) {
  return {
    async handle(postback: Postback, ref: string): Promise<'applied' | 'not-mine'> {
      const code = postback.code ?? '';
      const byTracking = postback.trackingId
        ? await templates.findBySinchTrackingId(postback.trackingId)
        : undefined;
      const template =
        byTracking ?? (postback.mmsId ? await templates.findByMmsId(postback.mmsId) : undefined);
      if (!template) return 'not-mine';
      if (template.history.some((h) => h.ref === ref)) return 'applied';
      const at = now().toISOString();
      if (!isTemplatePostbackCode(code)) {
        await templates.appendHistory(template.id, { at, event: 'postback', code, ref });
        return 'applied';
      }
      const meaning = TEMPLATE_POSTBACK_CODES[code];
      const next: TemplateState = meaning.outcome === 'ready' ? 'ready' : 'failed';
      const entry: HistoryEntry = {
        at,
        event: 'postback',
        code,
        ref,
        state: next,
        ...(postback.timestamp ? { eventTime: postback.timestamp } : {}),
      };
      for (let round = 0; round < 5; round += 1) {
        const current = round === 0 ? template : await templates.get(template.id);
        if (!current) return 'applied';
        if (!canTransitionTemplate(current.state, next)) {
          const { state: _unchanged, ...historyOnly } = entry;
          await templates.appendHistory(current.id, historyOnly);
          return 'applied';
        }
        const moved = await templates.transition(
          current.id,
          { state: current.state, attempts: current.attempts },
          {
            state: next,
            history: entry,
            ...(postback.mmsId ? { mmsId: postback.mmsId } : {}),
            ...(meaning.outcome === 'failed'
              ? {
                  failureCode: code,
                  failureInfo: `${meaning.media} transcoding failed${postback.failedMedia ? ` for ${postback.failedMedia}` : ''}`,
                }
              : {}),
          },
        );
        if (moved) return 'applied';
      }
      throw new Error(`template ${template.id}: kept changing while applying ${code}`);
    },
  };
}
