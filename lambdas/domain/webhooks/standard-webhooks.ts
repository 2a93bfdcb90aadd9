/**
 * Standard Webhooks signatures (the open specification), sent next to the gateway's own (legacy)
 * `x-mms-gateway-signature` on every delivery: `webhook-id`, `webhook-timestamp` and `webhook-signature`, the
 * last being `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, one per signing secret (space separated)
 * during a rotation. Receivers verify with any Standard Webhooks library. Docs: docs/webhooks.md.
 *
 * The HMAC key of a secret (decision 0017):
 * - `whsec_<base64>`: the decoded bytes, as the specification defines. New secrets are 32 random bytes in
 *   standard base64, so they work unchanged with every Standard Webhooks library.
 * - `whsec_<base64url>` (secrets made before, with `-` and `_`): the same decoded bytes; their standard form is
 *   {@link standardWebhookSecret}, which `GET /v2/team` never shows but the typed client computes.
 * - anything else: the UTF-8 bytes of the whole secret string (libraries' "raw" key format).
 */
import { createHmac } from 'node:crypto';

export const STANDARD_ID_HEADER = 'webhook-id';
export const STANDARD_TIMESTAMP_HEADER = 'webhook-timestamp';
export const STANDARD_SIGNATURE_HEADER = 'webhook-signature';

const PREFIX = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** The HMAC key of a secret, by the rules above. */
export function standardWebhookKey(secret: string): Buffer {
  if (secret.startsWith(PREFIX)) {
    const rest = secret.slice(PREFIX.length);
    if (BASE64.test(rest) && rest.length % 4 === 0) {
      const key = Buffer.from(rest, 'base64');
      if (key.length > 0 && key.toString('base64') === rest) return key;
    }
    if (BASE64URL.test(rest)) {
      const key = Buffer.from(rest, 'base64url');
      if (key.length > 0 && key.toString('base64url') === rest) return key;
    }
  }
  return Buffer.from(secret, 'utf8');
}

/** The secret in the form Standard Webhooks libraries accept: `whsec_<standard base64 of the key>`. */
export const standardWebhookSecret = (secret: string): string =>
  `${PREFIX}${standardWebhookKey(secret).toString('base64')}`;

/** `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` with the key of `secret`. */
export const standardSignature = (
  secret: string,
  id: string,
  timestampSeconds: number,
  body: string,
): string =>
  `v1,${createHmac('sha256', standardWebhookKey(secret))
    .update(`${id}.${timestampSeconds}.`, 'utf8')
    .update(body, 'utf8')
    .digest('base64')}`;

/** The three Standard Webhooks headers of one delivery, one signature per signing secret (current first). */
export function standardWebhookHeaders(
  secrets: readonly string[],
  id: string,
  body: string,
  timestampSeconds: number,
): Record<string, string> {
  if (secrets.length === 0) throw new Error('a webhook needs at least one signing secret');
  const t = Math.floor(timestampSeconds);
  return {
    [STANDARD_ID_HEADER]: id,
    [STANDARD_TIMESTAMP_HEADER]: String(t),
    [STANDARD_SIGNATURE_HEADER]: secrets.map((s) => standardSignature(s, id, t, body)).join(' '),
  };
}
