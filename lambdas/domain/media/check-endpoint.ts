/**
 * `POST /v2/media/check`: a team tests its media URLs (its CDN) without sending anything. Body:
 * `{"media":[{"kind":"image","url":"https://…"}, …]}` (1–20 entries; kinds as slide keys). The answer lists a
 * result per entry; the check always runs fresh (no cached result) and refreshes the cache.
 */
import { GatewayError, type Violation } from '../sinch/error-codes';
import { CONTENT_KEYS, type ContentKey } from '../sinch/mms';
import { parseJsonBody } from '../sinch/validation';
import type { checkMedia, MediaRef } from './preflight';

export const MAX_CHECK_ENTRIES = 20;

export function mediaCheckEndpoint(check: ReturnType<typeof checkMedia>) {
  return async (body: string | null | undefined): Promise<Record<string, unknown>> => {
    const parsed = parseJsonBody(body);
    if (!parsed.ok) throw GatewayError.fromViolations(parsed.violations);
    const media = (parsed.value as Record<string, unknown>).media;
    if (!Array.isArray(media) || media.length === 0 || media.length > MAX_CHECK_ENTRIES) {
      throw new GatewayError(
        'E100',
        `media must be a list of 1 to ${MAX_CHECK_ENTRIES} entries {"kind":"image","url":"https://…"}`,
      );
    }
    const violations: Violation[] = [];
    const refs: MediaRef[] = media.flatMap((entry: unknown, i) => {
      const e = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
      if (typeof e.url !== 'string' || !(CONTENT_KEYS as readonly string[]).includes(String(e.kind))) {
        violations.push({
          code: 'GW-INVALID-TYPE',
          path: `media[${i}]`,
          message: `media[${i}] must be {"kind": one of ${CONTENT_KEYS.join(', ')}, "url": string}`,
        });
        return [];
      }
      return [{ path: `media[${i}]`, kind: e.kind as ContentKey, url: e.url }];
    });
    if (violations.length > 0) throw GatewayError.fromViolations(violations);
    const findings = await check(refs, { fresh: true });
    return {
      status: 'success',
      results: refs.map((ref) => {
        const finding = findings.find((f) => f.path === ref.path);
        return {
          kind: ref.kind,
          url: ref.url,
          ok: finding === undefined,
          ...(finding ? { 'error-code': finding.code, 'error-info': finding.reason } : {}),
        };
      }),
    };
  };
}
