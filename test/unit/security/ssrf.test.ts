/**
 * The SSRF corpus (docs/security.md): every spelling of a non-public target that an outbound URL (webhooks;
 * media preflight) or a resolved address might use, against the one set of address rules.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookHttpClient } from '../../../lambdas/adapters/webhook-client';
import { checkWebhookUrl } from '../../../lambdas/domain/webhooks/webhooks';
import {
  checkOutboundUrl,
  checkResolvedAddress,
  isNonPublicAddress,
} from '../../../lambdas/domain/webhooks/address-rules';

const production = { allowInsecureLocal: false };

/** URLs that must be refused in production, grouped by the trick they use. */
const REFUSED_URLS: Record<string, readonly string[]> = {
  'localhost names, trailing dots': [
    'https://localhost/x',
    'https://localhost./x',
    'https://localhost../x',
    'https://LOCALHOST./x',
    'https://api.localhost./x',
  ],
  'IPv4 dotted, trailing dot': [
    'https://127.0.0.1/x',
    'https://127.0.0.1./x',
    'https://10.0.0.1/x',
    'https://172.16.5.4/x',
    'https://192.168.0.1/x',
    'https://169.254.169.254/latest/meta-data/',
    'https://100.64.0.1/x',
    'https://0.0.0.0/x',
    'https://192.88.99.1/x',
    'https://255.255.255.255/x',
  ],
  'IPv4 decimal, octal, hex and short spellings': [
    'https://2130706433/x', // 127.0.0.1
    'https://017700000001/x', // 127.0.0.1 octal
    'https://0x7f000001/x', // 127.0.0.1 hex
    'https://0x7f.1/x',
    'https://0177.0.0.1/x',
    'https://127.1/x',
    'https://0xa9.0xfe.0xa9.0xfe/x', // 169.254.169.254
    'https://2852039166/x', // 169.254.169.254
    'https://012.0.0.1/x', // 10.0.0.1
  ],
  'IPv6 literals': [
    'https://[::1]/x',
    'https://[::]/x',
    'https://[0:0:0:0:0:0:0:1]/x',
    'https://[fd00::1]/x',
    'https://[fe80::1]/x',
    'https://[ff02::1]/x',
    'https://[2001:db8::1]/x',
  ],
  'IPv4-mapped and IPv4-compatible IPv6': [
    'https://[::ffff:127.0.0.1]/x',
    'https://[::ffff:7f00:1]/x',
    'https://[::ffff:a9fe:a9fe]/x',
    'https://[::ffff:169.254.169.254]/x',
    'https://[::127.0.0.1]/x',
    'https://[::8.8.8.8]/x', // IPv4-compatible: deprecated, refused whole
  ],
  '6to4, Teredo, NAT64': [
    'https://[2002:a9fe:a9fe::]/x',
    'https://[2002:7f00:1::]/x',
    'https://[2002:808:808::]/x', // 6to4 is refused whole: the relay is not ours to trust
    'https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/x', // Teredo
    'https://[64:ff9b::a9fe:a9fe]/x', // NAT64 of 169.254.169.254
    'https://[64:ff9b::127.0.0.1]/x',
    'https://[64:ff9b:1::8.8.8.8]/x', // local-use NAT64
  ],
  'user info': [
    'https://user@hooks.example.com/x',
    'https://user:pass@hooks.example.com/x',
    'https://:pass@hooks.example.com/x',
    'https://hooks.example.com@127.0.0.1/x',
  ],
  'header injection and white space': [
    'https://hooks.example.com/x\r\nX-Injected: 1',
    'https://hooks.example.com/x\nHost: 169.254.169.254',
    'https://hooks.example.com\r\n/x',
    'https://hooks.example.com/x y',
    'https://hooks.example.com/\tx',
    'https://hooks.example.com/x%0d%0a\r\nX: 1',
    'https://hooks.example.com%0d%0aX-Injected:1/x',
    'https://hooks.example.com/\u2028x',
  ],
  schemes: [
    'http://hooks.example.com/x',
    'ftp://hooks.example.com/x',
    'file:///etc/passwd',
    'gopher://127.0.0.1:6379/_x',
    'javascript:alert(1)',
    'hooks.example.com/x',
  ],
};

describe('SSRF corpus: outbound URLs', () => {
  for (const [group, urls] of Object.entries(REFUSED_URLS)) {
    it(`refuses ${group}`, () => {
      for (const url of urls) {
        expect(checkOutboundUrl(url, production).ok, JSON.stringify(url)).toBe(false);
        expect(checkWebhookUrl(url, production).ok, JSON.stringify(url)).toBe(false);
      }
    });
  }

  it('refuses the two spellings named in the issue with a reason', () => {
    expect(checkWebhookUrl('https://localhost./x', production)).toEqual({
      ok: false,
      reason: 'must not point at this machine (localhost)',
    });
    expect(checkWebhookUrl('https://[2002:a9fe:a9fe::]/x', production)).toEqual({
      ok: false,
      reason: 'must not point at a private, loopback or link-local address (2002:a9fe:a9fe::)',
    });
  });

  it('accepts public targets, including public IPv4-mapped and NAT64 literals', () => {
    for (const url of [
      'https://hooks.example.com/mms?team=a',
      'https://hooks.example.com./mms',
      'https://93.184.216.34:8443/x',
      'https://[2606:4700::1111]/x',
      'https://[::ffff:8.8.8.8]/x',
      'https://[64:ff9b::808:808]/x',
      'https://1.1.1.1/x',
    ]) {
      expect(checkOutboundUrl(url, production).ok, url).toBe(true);
    }
  });

  it('allows loopback over http only when insecure local targets are allowed, nothing else', () => {
    const local = { allowInsecureLocal: true };
    expect(checkOutboundUrl('http://127.0.0.1:8080/x', local).ok).toBe(true);
    expect(checkOutboundUrl('http://localhost.:8080/x', local).ok).toBe(true);
    expect(checkOutboundUrl('http://[::ffff:127.0.0.1]:8080/x', local).ok).toBe(true);
    expect(checkOutboundUrl('http://10.0.0.1/x', local).ok).toBe(false);
    expect(checkOutboundUrl('http://[2002:a9fe:a9fe::]/x', local).ok).toBe(false);
    expect(checkOutboundUrl('http://user@127.0.0.1/x', local).ok).toBe(false);
  });
});

describe('SSRF corpus: resolved addresses', () => {
  it('refuses non-public addresses a host name may resolve to', () => {
    for (const ip of [
      '127.0.0.1',
      '10.255.0.1',
      '172.31.255.255',
      '192.168.0.1',
      '100.127.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '169.254.169.254',
      '::ffff:7f00:1',
      'fc00::1',
      'ff02::1',
      '::1',
      '::',
      '::ffff:10.0.0.1',
      '::ffff:a9fe:a9fe',
      'fe80::1%eth0',
      '[fd12::1]',
      '2002:a9fe:a9fe::',
      '2001:0:4136:e378:8000:63bf:3fff:fdd2',
      '64:ff9b::a00:1',
      '64:ff9b::7f00:1',
      'not-an-address',
      '',
    ]) {
      expect(isNonPublicAddress(ip), ip).toBe(true);
      expect(checkResolvedAddress('hooks.example.com', ip).ok, ip).toBe(false);
    }
    expect(checkResolvedAddress('evil.example', '169.254.169.254')).toEqual({
      ok: false,
      reason: 'evil.example resolves to 169.254.169.254, which is not a public address',
    });
  });

  it('accepts public addresses', () => {
    for (const ip of [
      '8.8.8.8',
      '172.32.0.1',
      '100.128.0.1',
      '2606:4700::1111',
      '::ffff:8.8.8.8',
      '64:ff9b::808:808',
    ]) {
      expect(checkResolvedAddress('hooks.example.com', ip), ip).toEqual({ ok: true });
    }
  });
});

describe('SSRF: the webhook HTTP client', () => {
  let server: Server;
  let port = 0;
  const seen: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.url ?? '');
      // A redirect to the metadata service: must never be followed.
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('refuses a host name that resolves to loopback, before connecting', async () => {
    seen.length = 0;
    const client = new WebhookHttpClient({ timeoutMs: 5000, blockPrivateAddresses: true });
    const result = await client.post(`http://localhost:${port}/hook`, '{}', {});
    expect(result).toMatchObject({ kind: 'error', code: 'blocked-address' });
    expect(seen).toEqual([]);
  });

  it('reports a redirect to a private address as a failure and does not follow it', async () => {
    seen.length = 0;
    const client = new WebhookHttpClient({ timeoutMs: 5000, blockPrivateAddresses: false });
    expect(await client.post(`http://127.0.0.1:${port}/hook`, '{}', {})).toEqual({
      kind: 'response',
      status: 302,
      answer: '',
    });
    expect(seen).toEqual(['/hook']);
  });
});
