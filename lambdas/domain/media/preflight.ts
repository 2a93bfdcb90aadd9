/**
 * Media preflight: before a message is accepted, each slide's media URL is checked the way Sinch will fetch it
 * (reference §5.1, §5.3), so a team learns at once instead of from a failed message later:
 *
 * - an absolute http:// or https:// URL to a public address (the webhook URL rules of ../webhooks.ts; the HTTP
 *   adapter repeats the address check on every resolved address at connect time, against DNS rebinding);
 * - a `HEAD` (or, if HEAD is not answered 200, a `GET` cut after the headers) answered 200, after at most one
 *   redirect;
 * - `Content-Length` present and no chunked transfer encoding;
 * - a `Content-Type` allowed for the slide's kind (`application/octet-stream` is refused);
 * - a size within the configured limit of the kind.
 *
 * Failures carry Sinch's own codes (E351–E357 could not fetch, E331–E337 too big, E629 content type) with the
 * slide path (`slide[2].image`). The whole check has one time budget; running out of it gives
 * GW-MEDIA-CHECK-TIMEOUT, never a 5xx. Results per URL are cached (default 10 minutes), so a campaign that sends
 * one image to 10,000 recipients fetches it once. Where it runs and what it costs: docs/decisions/0015.
 */
import { type ErrorCode, type Violation, GatewayError } from '../sinch/error-codes';
import { type ContentKey, type Slide, CONTENT_KEYS } from '../sinch/mms';
import type { Clock } from '../ports';
import type { HistoryEntry } from '../messages/ports';
import type { Team } from '../teams/ports';
import { checkWebhookUrl } from '../webhooks/webhooks';
import { ProbeFailure, type MediaCheckCache, type MediaProber, type UrlFacts } from './ports';

export const MEDIA_CHECK_MODES = ['off', 'warn', 'enforce'] as const;
/** `off`: no check; `warn`: a history entry and a metric, the send goes on; `enforce`: refused with the code. */
export type MediaCheckMode = (typeof MEDIA_CHECK_MODES)[number];

export const isMediaCheckMode = (value: unknown): value is MediaCheckMode =>
  typeof value === 'string' && (MEDIA_CHECK_MODES as readonly string[]).includes(value);

/** Content types Sinch accepts per slide kind (reference §1.2). */
export const ALLOWED_CONTENT_TYPES: Readonly<Record<ContentKey, readonly string[]>> = {
  image: ['image/jpeg', 'image/jpg', 'image/png', 'image/gif'],
  audio: ['audio/mp3', 'audio/mpeg', 'audio/x-wave', 'audio/x-wav', 'audio/wav', 'audio/amr'],
  video: ['video/mp4', 'video/mpeg', 'video/x-msvideo', 'video/x-ms-wmv', 'video/quicktime', 'video/3gpp'],
  contact: ['text/vcard', 'text/v-card', 'text/x-vcard'],
  calendar: ['text/calendar'],
  pdf: ['application/pdf', 'application/x-pdf'],
};

/** Size limits in KB (1 KB = 1024 bytes); `object` covers contact, calendar and pdf. */
export interface MediaLimitsKb {
  readonly image: number;
  readonly gif: number;
  readonly audio: number;
  readonly video: number;
  readonly object: number;
}

/** Sinch's upload limits with transcoding (reference §5.3). Accounts without transcoding should lower them. */
export const DEFAULT_MEDIA_LIMITS_KB: MediaLimitsKb = {
  image: 3000,
  gif: 1024,
  audio: 10000,
  video: 50000,
  object: 2048,
};

const FETCH_CODE: Readonly<Record<ContentKey, ErrorCode>> = {
  image: 'E351',
  audio: 'E352',
  video: 'E353',
  contact: 'E355',
  calendar: 'E356',
  pdf: 'E357',
};

const SIZE_CODE: Readonly<Record<ContentKey, ErrorCode>> = {
  image: 'E331',
  audio: 'E332',
  video: 'E333',
  contact: 'E335',
  calendar: 'E336',
  pdf: 'E337',
};

/** One media URL of a request, with the slide path it came from (`slide[2].image`). */
export interface MediaRef {
  readonly path: string;
  readonly kind: ContentKey;
  readonly url: string;
}

export interface MediaFinding {
  readonly path: string;
  readonly url: string;
  readonly code: ErrorCode;
  readonly reason: string;
}

/** Every media URL of a request's slides (sendmms, savemms); sendsavedmms has none of its own. */
export function mediaRefs(request: object): MediaRef[] {
  const refs: MediaRef[] = [];
  const slides = 'slide' in request && Array.isArray(request.slide) ? (request.slide as Slide[]) : [];
  slides.forEach((slide, i) => {
    for (const kind of CONTENT_KEYS) {
      const url = slide[kind]?.url;
      if (typeof url === 'string') refs.push({ path: `slide[${i}].${kind}`, kind, url });
    }
  });
  return refs;
}

export type MediaUrlCheck =
  { readonly ok: true; readonly url: URL } | { readonly ok: false; readonly reason: string };

/**
 * Whether Sinch may be pointed at `raw`: http(s), no user info, and a public target by the webhook URL rules
 * (`checkWebhookUrl`, judged as if it were https; the shared rules also ignore trailing dots and refuse all of
 * 6to4). `allowedLocalOrigins` (local runtime only) are let through.
 */
export function checkMediaUrl(raw: string, allowedLocalOrigins: readonly string[] = []): MediaUrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'not a valid absolute URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, reason: 'must use http:// or https://' };
  }
  if (allowedLocalOrigins.includes(url.origin) && url.username === '' && url.password === '') {
    return { ok: true, url };
  }
  const asHttps = new URL(url.href);
  asHttps.protocol = 'https:';
  const rules = checkWebhookUrl(asHttps.href, { allowInsecureLocal: false });
  if (!rules.ok) return { ok: false, reason: rules.reason.replace(/^must use https$/, 'must use http(s)') };
  return { ok: true, url };
}

export interface MediaCheckDeps {
  readonly prober: MediaProber;
  readonly cache: MediaCheckCache;
  readonly clock: Clock;
  readonly limitsKb: MediaLimitsKb;
  /** The whole check (every URL, in parallel) must finish within this. */
  readonly budgetMs: number;
  readonly cacheTtlSeconds: number;
  /** Local runtime only: origins (`http://127.0.0.1:4567`) of the sample media server. Empty in AWS. */
  readonly allowedLocalOrigins: readonly string[];
}

const isRedirect = (status: number) => [301, 302, 303, 307, 308].includes(status);

/** Thrown (never cached) when the time budget ran out. */
class BudgetExceeded extends Error {}

/** The check use case: findings for a list of media references (empty = all fine). */
export function checkMedia(deps: MediaCheckDeps) {
  /** Facts about one URL: at most one redirect, HEAD with a GET fallback. */
  const fetchFacts = async (raw: string, signal: AbortSignal): Promise<UrlFacts> => {
    const first = checkMediaUrl(raw, deps.allowedLocalOrigins);
    if (!first.ok) return { ok: false, reason: `URL refused: ${first.reason}` };
    let current = first.url;
    try {
      for (let redirects = 0; ; redirects += 1) {
        let answer = await deps.prober.request(current, 'HEAD', signal);
        if (answer.status !== 200 && !isRedirect(answer.status)) {
          answer = await deps.prober.request(current, 'GET', signal);
        }
        if (isRedirect(answer.status)) {
          if (redirects >= 1)
            return { ok: false, reason: 'more than one redirect (Sinch follows at most one)' };
          if (!answer.location) return { ok: false, reason: `redirect ${answer.status} without a Location` };
          const next = checkMediaUrl(new URL(answer.location, current).href, deps.allowedLocalOrigins);
          if (!next.ok) return { ok: false, reason: `redirect refused: ${next.reason}` };
          current = next.url;
          continue;
        }
        if (answer.status !== 200) return { ok: false, reason: `the server answered HTTP ${answer.status}` };
        return {
          ok: true,
          redirects,
          chunked: answer.chunked,
          ...(answer.contentLength !== undefined ? { contentLength: answer.contentLength } : {}),
          ...(answer.contentType !== undefined ? { contentType: answer.contentType } : {}),
        };
      }
    } catch (error) {
      if (error instanceof ProbeFailure && error.kind !== 'timeout')
        return { ok: false, reason: error.message };
      if (signal.aborted || (error instanceof ProbeFailure && error.kind === 'timeout'))
        throw new BudgetExceeded();
      throw error;
    }
  };

  const factsFor = async (url: string, signal: AbortSignal, fresh: boolean): Promise<UrlFacts> => {
    // The cache only saves work: when it fails, the URL is fetched (and the answer not cached), never a 5xx.
    if (!fresh) {
      const cached = await deps.cache.get(url, deps.clock.now()).catch(() => undefined);
      if (cached) return cached;
    }
    const facts = await fetchFacts(url, signal);
    const expiresAt = new Date(deps.clock.now().getTime() + deps.cacheTtlSeconds * 1000);
    await deps.cache.put(url, facts, expiresAt).catch(() => undefined);
    return facts;
  };

  return async (refs: readonly MediaRef[], options: { fresh?: boolean } = {}): Promise<MediaFinding[]> => {
    const signal = AbortSignal.timeout(deps.budgetMs);
    const unique = [...new Set(refs.map((r) => r.url))];
    const results = new Map<string, UrlFacts | 'timeout'>();
    await Promise.all(
      unique.map(async (url) => {
        try {
          results.set(url, await factsFor(url, signal, options.fresh === true));
        } catch (error) {
          if (!(error instanceof BudgetExceeded)) throw error;
          results.set(url, 'timeout');
        }
      }),
    );
    return refs.flatMap((ref) => {
      const facts = results.get(ref.url);
      const finding = facts === undefined ? undefined : judge(ref, facts, deps);
      return finding ? [finding] : [];
    });
  };
}

/** The rules of a slide kind applied to the facts of its URL. */
function judge(ref: MediaRef, facts: UrlFacts | 'timeout', deps: MediaCheckDeps): MediaFinding | undefined {
  const finding = (code: ErrorCode, reason: string): MediaFinding => ({
    path: ref.path,
    url: ref.url,
    code,
    reason,
  });
  if (facts === 'timeout') {
    return finding(
      'GW-MEDIA-CHECK-TIMEOUT',
      `the media server did not answer within the check's time budget (${deps.budgetMs} ms)`,
    );
  }
  const fetchCode = FETCH_CODE[ref.kind];
  if (!facts.ok) return finding(fetchCode, facts.reason);
  if (facts.chunked) {
    return finding(fetchCode, 'chunked transfer encoding: Sinch needs a Content-Length and refuses chunked');
  }
  if (facts.contentLength === undefined) return finding(fetchCode, 'no Content-Length header');
  const type = facts.contentType;
  if (!type || type === 'application/octet-stream') {
    return finding(
      'E629',
      `Content-Type ${type ?? '(none)'} is not a real media type; serve the file's own type`,
    );
  }
  if (!ALLOWED_CONTENT_TYPES[ref.kind].includes(type)) {
    return finding(
      'E629',
      `Content-Type ${type} is not allowed for ${ref.kind} (allowed: ${ALLOWED_CONTENT_TYPES[ref.kind].join(', ')})`,
    );
  }
  const limitKb =
    ref.kind === 'image' && type === 'image/gif'
      ? deps.limitsKb.gif
      : ref.kind === 'image' || ref.kind === 'audio' || ref.kind === 'video'
        ? deps.limitsKb[ref.kind]
        : deps.limitsKb.object;
  if (facts.contentLength > limitKb * 1024) {
    return finding(
      SIZE_CODE[ref.kind],
      `${facts.contentLength} bytes is more than the limit of ${limitKb} KB`,
    );
  }
  return undefined;
}

export const findingToViolation = (f: MediaFinding): Violation => ({
  code: f.code,
  path: f.path,
  message: `${f.path}: ${f.reason}`,
});

/** What the accept use case needs to run the preflight for a team. */
export interface MediaGate {
  readonly check: ReturnType<typeof checkMedia>;
  /** Mode of teams without their own `media-check` setting. */
  readonly defaultMode: MediaCheckMode;
  /** Counts warnings (a metric); optional. */
  readonly onWarning?: (findings: readonly MediaFinding[]) => void;
}

export const MEDIA_WARNING_EVENT = 'media-warning';

/**
 * The accept hook: in `enforce` mode a failing request is refused (GatewayError with every finding); in `warn`
 * mode the findings come back as history entries for the recorded message(s); `off` does nothing.
 */
export async function preflightRequest(
  gate: MediaGate | undefined,
  team: Team,
  request: object,
  now: Date,
): Promise<HistoryEntry[]> {
  const mode = team.mediaCheck ?? gate?.defaultMode ?? 'off';
  if (!gate || mode === 'off') return [];
  const refs = mediaRefs(request);
  if (refs.length === 0) return [];
  const findings = await gate.check(refs);
  if (findings.length === 0) return [];
  if (mode === 'enforce') throw GatewayError.fromViolations(findings.map(findingToViolation));
  gate.onWarning?.(findings);
  return findings.map((f) => ({
    at: now.toISOString(),
    event: MEDIA_WARNING_EVENT,
    code: f.code,
    detail: `${f.path}: ${f.reason}`,
  }));
}
