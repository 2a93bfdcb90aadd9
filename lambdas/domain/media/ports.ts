/**
 * Ports of the media preflight: one HTTP request to a media server, and a short-lived per-URL result cache.
 * Adapters: lambdas/adapters/media-prober.ts (node http/https) and lambdas/adapters/dynamo-media-cache.ts.
 */

/** What one HTTP answer (HEAD, or a GET cut after the headers) told about a media URL. */
export interface ProbeAnswer {
  readonly status: number;
  /** `Location` of a redirect, as sent. */
  readonly location?: string;
  readonly contentLength?: number;
  /** The media type without parameters, lower case. */
  readonly contentType?: string;
  readonly chunked: boolean;
}

/** Why a request did not get an answer. `address`: the host resolved to a non-public address at connect time. */
export type ProbeFailureKind = 'address' | 'timeout' | 'network';

export class ProbeFailure extends Error {
  constructor(
    readonly kind: ProbeFailureKind,
    message: string,
  ) {
    super(message);
    this.name = 'ProbeFailure';
  }
}

export interface MediaProber {
  /**
   * One request to `url` (no redirect followed) with `method`; throws a ProbeFailure when there is no answer.
   * The adapter refuses to connect to a non-public address (DNS rebinding) unless the origin is allowlisted.
   */
  request(url: URL, method: 'HEAD' | 'GET', signal: AbortSignal): Promise<ProbeAnswer>;
}

/** The facts about one URL, independent of the slide kind that uses it (rules per kind are applied on top). */
export type UrlFacts =
  | {
      readonly ok: true;
      readonly redirects: number;
      readonly contentLength?: number;
      readonly contentType?: string;
      readonly chunked: boolean;
    }
  | { readonly ok: false; readonly reason: string };

export interface MediaCheckCache {
  get(url: string, now: Date): Promise<UrlFacts | undefined>;
  put(url: string, facts: UrlFacts, expiresAt: Date): Promise<void>;
}
