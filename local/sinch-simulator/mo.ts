/**
 * `POST /_sim/mo`: an inbound message (MO) as Sinch would post it to the gateway's postback URL (origin
 * `MMS_MO`, code `N401`), built from `{ from, to, keyword?, text?, media?, subject?, copy-to? }`.
 */
import { randomBytes } from 'node:crypto';
import type { PostbackPayload } from './postbacks';
import type { JsonObject } from './validation';

const NUMBER = /^[0-9]{5,15}$/;

export function moPayload(
  input: JsonObject,
  now: Date,
): { ok: true; payload: PostbackPayload } | { ok: false; error: string } {
  const { from, to, keyword, text, media, subject } = input;
  const copyTo = input['copy-to'];
  if (typeof from !== 'string' || !NUMBER.test(from)) return { ok: false, error: 'from: a phone number' };
  if (typeof to !== 'string' || !NUMBER.test(to)) return { ok: false, error: 'to: a number or short code' };
  if (typeof keyword !== 'string' && typeof text !== 'string') {
    return { ok: false, error: 'keyword or text is required' };
  }
  for (const [name, value] of Object.entries({ keyword, text, subject })) {
    if (value !== undefined && typeof value !== 'string') return { ok: false, error: `${name}: a string` };
  }
  const urls = media ?? [];
  if (!Array.isArray(urls) || !urls.every((u) => typeof u === 'string')) {
    return { ok: false, error: 'media: an array of URLs' };
  }
  const members = copyTo ?? [];
  if (!Array.isArray(members) || !members.every((n) => typeof n === 'string' && NUMBER.test(n))) {
    return { ok: false, error: 'copy-to: an array of numbers' };
  }
  const payload: PostbackPayload = {
    origin: 'MMS_MO',
    code: 'N401',
    from,
    to,
    'tracking-id': `MO_${randomBytes(9).toString('base64url')}`,
    'operator-id': '310012',
    timestamp: now.toISOString(),
    content: urls.map((file) => ({ file })),
  };
  if (typeof keyword === 'string') payload.keyword = keyword;
  if (typeof text === 'string') payload.text = text;
  if (typeof subject === 'string') payload['message-subject'] = subject;
  if (members.length > 0) payload['copy-to'] = (members as string[]).map((number) => ({ number }));
  return { ok: true, payload };
}
