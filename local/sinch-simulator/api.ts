/**
 * What the simulated API does with a request that passed auth, parsing, the throughput limit and fault
 * injection: validation, magic destination numbers, the template store, answers and postbacks.
 */
import { randomBytes } from 'node:crypto';
import { type SimulatorOptions, reorderRate } from './options';
import type { PostbackDispatcher, PostbackPayload } from './postbacks';
import type { Random } from './random';
import type { StatsCollector } from './stats';
import type { TimerSet } from './timers';
import {
  type Action,
  type Failure,
  type JsonObject,
  type MediaRef,
  type SaveMmsRequest,
  type SendMmsRequest,
  type SendSavedMmsRequest,
  checkFallback,
  ERROR_INFO,
  validateRequest,
} from './validation';

export type Outcome =
  'accepted' | 'rejected' | 'unauthorized' | 'invalid-json' | 'throttled' | 'fault' | 'simulated-failure';

export interface ApiResult {
  body: JsonObject;
  outcome: Outcome;
  errorCode?: string;
  trackingId?: string;
}

/** Magic destination numbers (see docs/sinch-simulator.md). */
export const MAGIC = {
  delivered: '15550000001',
  fallbackSms: '15550000002',
  rejected: '15550000003',
  failed: '15550000004',
  expired: '15550000005',
  sentOnly: '15550000006',
  syncE110: '15550000007',
  flakyE503: '15550000008',
  blacklistedE114: '15550000009',
} as const;

/** Requests to 15550000008 get E503 this many times in a row before one is accepted. */
const FLAKY_FAILURES = 2;

interface MtEvent {
  code: string;
  status: string;
  details: string;
  sentAs: 'MMS' | 'SMS';
}

const EVENTS = {
  N101: { code: 'N101', status: 'Sent', details: 'Message Sent', sentAs: 'MMS' },
  N102: { code: 'N102', status: 'Delivered', details: 'Message Delivered', sentAs: 'MMS' },
  N202: { code: 'N202', status: 'Delivered', details: 'Message Delivered as SMS', sentAs: 'SMS' },
  E102: { code: 'E102', status: 'Rejected', details: 'Message Rejected', sentAs: 'MMS' },
  E101: { code: 'E101', status: 'Failed', details: 'Message Failed', sentAs: 'MMS' },
  N103: { code: 'N103', status: 'Expired', details: 'Message Expired', sentAs: 'MMS' },
} as const satisfies Record<string, MtEvent>;

/** The postback sequence of a destination: an N101 or not, then a final event or none. */
function scenario(to: string): { sent: boolean; final: MtEvent | undefined } {
  switch (to) {
    case MAGIC.fallbackSms:
      return { sent: true, final: EVENTS.N202 };
    case MAGIC.rejected:
      return { sent: true, final: EVENTS.E102 };
    case MAGIC.failed:
      return { sent: false, final: EVENTS.E101 };
    case MAGIC.expired:
      return { sent: true, final: EVENTS.N103 };
    case MAGIC.sentOnly:
      return { sent: true, final: undefined };
    default:
      return { sent: true, final: EVENTS.N102 };
  }
}

interface Template {
  mmsId: string;
  name: string;
  trackingId: string;
  state: 'transcoding' | 'ready' | 'failed';
  slideCount: number;
  fallbackSmsText: string | undefined;
  disableFallbackSms: boolean | undefined;
}

export interface ApiDeps {
  options: () => SimulatorOptions;
  random: () => Random;
  timers: TimerSet;
  postbacks: PostbackDispatcher;
  stats: StatsCollector;
}

export class SimulatedMmsApi {
  private readonly templates = new Map<string, Template>();
  private readonly flakyCounts = new Map<string, number>();
  private nextMmsId = 100_000 + Math.floor(Math.random() * 800_000);
  private sequence = 0;

  constructor(private readonly deps: ApiDeps) {}

  private status(success: boolean): string {
    const lower = success ? 'success' : 'failure';
    return this.deps.options().statusCasing === 'lower' ? lower : lower[0]?.toUpperCase() + lower.slice(1);
  }

  failure(code: string, info: string, outcome: Outcome): ApiResult {
    return {
      body: { status: this.status(false), 'error-code': code, 'error-info': info },
      outcome,
      errorCode: code,
    };
  }

  private rejected(failure: Failure): ApiResult {
    return this.failure(failure.code, failure.info, 'rejected');
  }

  private trackingId(): string {
    this.sequence += 1;
    return `SIM_${this.sequence.toString(36)}_${randomBytes(6).toString('base64url')}`;
  }

  handle(action: Action, body: JsonObject): ApiResult {
    const { requireServiceId } = this.deps.options();
    const validation = validateRequest(action, body, { requireServiceId });
    if (!validation.ok) return this.rejected(validation.failure);
    const request = validation.request;
    switch (request.action) {
      case 'sendmms':
        return this.send(request, undefined);
      case 'savemms':
        return this.save(request);
      case 'sendsavedmms':
        return this.sendSaved(request);
    }
  }

  private sendSaved(request: SendSavedMmsRequest): ApiResult {
    const template = this.templates.get(request.mmsId);
    if (!template || template.state === 'failed')
      return this.rejected({ code: 'E241', info: ERROR_INFO.E241 });
    if (template.state === 'transcoding') return this.rejected({ code: 'E626', info: ERROR_INFO.E626 });
    const beyond = request.customSlides.find((slide) => slide > template.slideCount);
    if (beyond !== undefined) {
      return this.rejected({ code: 'E100', info: `custom-slide ${beyond} does not exist in the template.` });
    }
    const fallback = checkFallback(
      request.fallbackSmsText ?? template.fallbackSmsText,
      request.disableFallbackSms ?? template.disableFallbackSms,
    );
    if (fallback) return this.rejected(fallback);
    return this.send(request, template.mmsId);
  }

  /** Shared by sendmms and sendsavedmms once the request is valid: magic numbers, answer, postbacks. */
  private send(request: SendMmsRequest | SendSavedMmsRequest, mmsId: string | undefined): ApiResult {
    const { to, from } = request;
    if (to === MAGIC.syncE110) {
      this.deps.stats.magicFailure('e110');
      return this.failure('E110', ERROR_INFO.E110, 'simulated-failure');
    }
    if (to === MAGIC.blacklistedE114) return this.failure('E114', ERROR_INFO.E114, 'simulated-failure');
    if (to === MAGIC.flakyE503) {
      const failures = this.flakyCounts.get(to) ?? 0;
      if (failures < FLAKY_FAILURES) {
        this.flakyCounts.set(to, failures + 1);
        this.deps.stats.magicFailure('e503');
        return this.failure('E503', ERROR_INFO.E503, 'simulated-failure');
      }
      this.flakyCounts.delete(to);
    }

    const trackingId = this.trackingId();
    this.scheduleMtPostbacks({ trackingId, to, from, clientReference: request.clientReference, mmsId });
    const details = 'MMS request accepted and queued for processing and delivery.';
    const status = this.status(true);
    const body: JsonObject =
      mmsId === undefined
        ? { status, 'tracking-id': trackingId, to, 'status-details': details }
        : { status, 'mms-id': mmsId, 'tracking-id': trackingId, to, from, 'status-details': details };
    return { body, outcome: 'accepted', trackingId };
  }

  private scheduleMtPostbacks(message: {
    trackingId: string;
    to: string;
    from: string;
    clientReference: string | undefined;
    mmsId: string | undefined;
  }): void {
    const { postbacks, random } = this.deps;
    if (!postbacks.enabled) return;
    const options = this.deps.options();
    const { sentMs, finalMs } = options.postbackDelays;
    const { sent, final } = scenario(message.to);
    const acceptedAt = Date.now();
    const payload = (event: MtEvent, delayMs: number): PostbackPayload => {
      const result: PostbackPayload = {
        origin: 'MMS_MT',
        code: event.code,
        status: event.status,
        'status-details': event.details,
        'sent-as': event.sentAs,
        to: message.to,
        from: message.from,
        'tracking-id': message.trackingId,
      };
      if (message.clientReference !== undefined) result['client-reference'] = message.clientReference;
      if (message.mmsId !== undefined) result['mms-id'] = message.mmsId;
      // The event time, also when the delivery is late (reordered or retried).
      result['timestamp'] = new Date(acceptedAt + delayMs).toISOString();
      return result;
    };

    const reorder = sent && final !== undefined && random()() < reorderRate(options);
    if (final) postbacks.schedule(payload(final, finalMs), finalMs);
    if (sent) {
      // Reordered: the N101 (event time still acceptance + sentMs) is delivered after the final postback.
      postbacks.schedule(payload(EVENTS.N101, sentMs), reorder ? finalMs + Math.max(sentMs, 100) : sentMs);
      if (reorder) postbacks.noteReordered();
    }
  }

  private save(request: SaveMmsRequest): ApiResult {
    const { mmsIdMode, transcodeMs } = this.deps.options();
    const trackingId = this.trackingId();
    const template: Template = {
      mmsId: String(this.nextMmsId++),
      name: request.name,
      trackingId,
      state: 'transcoding',
      slideCount: request.slideCount,
      fallbackSmsText: request.fallbackSmsText,
      disableFallbackSms: request.disableFallbackSms,
    };
    this.templates.set(template.mmsId, template);
    this.deps.timers.later(transcodeMs, () => this.finishTranscoding(template, request));

    const body: JsonObject = {
      status: this.status(true),
      'tracking-id': trackingId,
      'status-details': 'Save MMS request accepted and queued for processing.',
    };
    if (mmsIdMode === 'sync') body['mms-id'] = template.mmsId;
    return { body, outcome: 'accepted', trackingId };
  }

  /** N003 (template usable) or, for names starting with `fail-`, E002 (template unusable: E241 afterwards). */
  private finishTranscoding(template: Template, request: SaveMmsRequest): void {
    const fails = template.name.startsWith('fail-');
    template.state = fails ? 'failed' : 'ready';
    const payload: PostbackPayload = fails
      ? {
          origin: 'MMS_MT',
          code: 'E002',
          status: 'Transcoding failed',
          'status-details': 'Audio encoding failed',
          'mms-id': template.mmsId,
          'tracking-id': template.trackingId,
        }
      : {
          origin: 'MMS_MT',
          code: 'N003',
          status: 'Transcoding successful',
          'status-details': 'MMS template transcoded and available',
          'mms-id': template.mmsId,
          'tracking-id': template.trackingId,
        };
    const failingMedia = fails ? failingAudio(request.media) : undefined;
    if (failingMedia !== undefined) payload['audio-name'] = failingMedia;
    if (request.clientReference !== undefined) payload['client-reference'] = request.clientReference;
    payload['timestamp'] = new Date().toISOString();
    this.deps.postbacks.schedule(payload, 0);
  }

  /** Restarts the count of 15550000008 (called on reset). */
  resetMagicCounters(): void {
    this.flakyCounts.clear();
  }
}

function failingAudio(media: MediaRef[]): string | undefined {
  return (media.find((item) => item.kind === 'audio') ?? media[0])?.url;
}
