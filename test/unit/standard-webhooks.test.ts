import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  standardWebhookHeaders,
  standardWebhookKey,
  standardWebhookSecret,
} from '../../lambdas/domain/webhooks/standard-webhooks';

const body = '{"event-id":"e1","type":"mms.status-changed"}';
const now = Math.floor(Date.now() / 1000);

/** The standardwebhooks library's verdict on headers made by the gateway. */
const libraryVerifies = (secret: string, headers: Record<string, string>, raw = false): boolean => {
  try {
    new Webhook(secret, raw ? { format: 'raw' } : undefined).verify(body, headers);
    return true;
  } catch {
    return false;
  }
};

describe('Standard Webhooks signatures', () => {
  it('a whsec_ secret in standard base64 is the key the specification defines', () => {
    const bytes = randomBytes(32);
    const secret = `whsec_${bytes.toString('base64')}`;
    expect(standardWebhookKey(secret).equals(bytes)).toBe(true);
    const headers = standardWebhookHeaders([secret], 'msg_1', body, now);
    expect(libraryVerifies(secret, headers)).toBe(true);
    expect(libraryVerifies(`whsec_${randomBytes(32).toString('base64')}`, headers)).toBe(false);
    expect(headers['webhook-timestamp']).toBe(String(now));
    expect(headers['webhook-id']).toBe('msg_1');
  });

  it('an older base64url secret keys with the same bytes; its standard form verifies in the library', () => {
    const bytes = Buffer.from('fb'.repeat(32), 'hex'); // encodes with - and _ in base64url
    const legacy = `whsec_${bytes.toString('base64url')}`;
    expect(legacy).toMatch(/[-_]/);
    expect(standardWebhookKey(legacy).equals(bytes)).toBe(true);
    expect(standardWebhookSecret(legacy)).toBe(`whsec_${bytes.toString('base64')}`);
    const headers = standardWebhookHeaders([legacy], 'msg_2', body, now);
    expect(libraryVerifies(standardWebhookSecret(legacy), headers)).toBe(true);
  });

  it("any other secret keys with its own UTF-8 bytes (the libraries' raw format)", () => {
    for (const secret of ['whsec_current', 'plain-operator-secret']) {
      expect(standardWebhookKey(secret).toString('utf8')).toBe(secret);
      const headers = standardWebhookHeaders([secret], 'msg_3', body, now);
      expect(libraryVerifies(secret, headers, true)).toBe(true);
    }
  });

  it('signs with every secret during a rotation, space separated, current first', () => {
    const current = `whsec_${randomBytes(32).toString('base64')}`;
    const previous = `whsec_${randomBytes(32).toString('base64')}`;
    const headers = standardWebhookHeaders([current, previous], 'msg_4', body, now);
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(libraryVerifies(current, headers)).toBe(true);
    expect(libraryVerifies(previous, headers)).toBe(true);
    expect(() => standardWebhookHeaders([], 'msg_4', body, now)).toThrow(/secret/);
  });
});
