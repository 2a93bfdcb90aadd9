/**
 * Outbound address rules (SSRF): which URLs and which resolved addresses the gateway may send a request to on
 * a team's behalf (webhooks; media preflight). One place, built on node:net's BlockList, so every caller
 * refuses the same ranges and spellings:
 *
 * - `checkOutboundUrl(raw, rules)` before a URL is stored or used: https only, no user info, no control
 *   characters or spaces (header injection), no `localhost` (trailing dots included) and no IP literal in a
 *   non-public range. Decimal, octal and hex IPv4 spellings (`https://2130706433/`, `https://0x7f.1/`) are
 *   normalised to dotted quads by the WHATWG URL parser before the check.
 * - `isNonPublicAddress(address)` on every address a host name resolves to, at connect time (DNS rebinding).
 *
 * IPv6 forms that carry an IPv4 address are judged by it (IPv4-mapped `::ffff:0:0/96`, NAT64 `64:ff9b::/96`);
 * forms whose tunnel end cannot be trusted are refused whole (IPv4-compatible `::/96`, 6to4 `2002::/16`,
 * Teredo `2001::/32`, local NAT64 `64:ff9b:1::/48`).
 */
import { BlockList, isIP } from 'node:net';

/** IPv4 ranges outside the public unicast space (RFC 6890 and friends). */
const V4_NON_PUBLIC: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, incl. the 169.254.169.254 metadata service
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, incl. 255.255.255.255
];

/** IPv6 ranges refused whole. */
const V6_NON_PUBLIC: ReadonlyArray<readonly [string, number]> = [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible addresses
  ['64:ff9b:1::', 48], // local-use NAT64 (RFC 8215)
  ['100::', 64], // discard-only
  ['2001::', 32], // Teredo
  ['2001:10::', 28], // ORCHID
  ['2001:20::', 28], // ORCHIDv2
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
];

const blockList = (): BlockList => {
  const list = new BlockList();
  for (const [net, prefix] of V4_NON_PUBLIC) list.addSubnet(net, prefix, 'ipv4');
  for (const [net, prefix] of V6_NON_PUBLIC) list.addSubnet(net, prefix, 'ipv6');
  return list;
};

/** Node's BlockList also matches IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) against the IPv4 rules. */
const NON_PUBLIC = blockList();

const NAT64 = new BlockList();
NAT64.addSubnet('64:ff9b::', 96, 'ipv6');

/** The IPv4 address in the last 32 bits of a NAT64 address (`64:ff9b::a.b.c.d`). */
function nat64Ipv4(address: string): string {
  const groups = expandIpv6(address);
  const hi = groups[6] ?? 0;
  const lo = groups[7] ?? 0;
  return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
}

/** The eight groups of a valid IPv6 address (as `isIP` accepted it). */
function expandIpv6(address: string): number[] {
  // new URL normalises every valid literal to the compressed hex form (a dotted tail becomes two groups).
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const [head = '', tail = ''] = canonical.split('::');
  const part = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const h = part(head);
  const t = canonical.includes('::') ? part(tail) : [];
  return [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t];
}

/**
 * Whether an IP address is outside the public unicast space (see the lists above). Brackets and an IPv6 zone
 * (`%eth0`) are ignored. Anything that is not an IP address counts as non-public.
 */
export function isNonPublicAddress(address: string): boolean {
  const host = address.replace(/^\[|\]$/g, '').split('%')[0] ?? '';
  const family = isIP(host);
  if (family === 4) return NON_PUBLIC.check(host, 'ipv4');
  if (family !== 6) return true;
  if (NON_PUBLIC.check(host, 'ipv6')) return true;
  if (NAT64.check(host, 'ipv6')) return NON_PUBLIC.check(nat64Ipv4(host), 'ipv4');
  return false;
}

/** Whether an address is a loopback address (127/8, ::1, or IPv4-mapped 127/8). */
function isLoopbackAddress(host: string): boolean {
  const family = isIP(host);
  if (family === 4) return host.startsWith('127.');
  if (family !== 6) return false;
  const groups = expandIpv6(host);
  if (groups.slice(0, 7).every((g) => g === 0) && groups[7] === 1) return true;
  return groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff && (groups[6] ?? 0) >> 8 === 127;
}

export interface OutboundUrlRules {
  /** Tests and `npm start`: allows http:// and https:// to loopback (127.0.0.0/8, ::1, localhost). */
  readonly allowInsecureLocal: boolean;
  /** Longest accepted URL; default 2048. */
  readonly maxLength?: number;
}

export type OutboundUrlCheck =
  { readonly ok: true; readonly url: URL } | { readonly ok: false; readonly reason: string };

export const MAX_OUTBOUND_URL_LENGTH = 2048;

/** The host of a URL as the rules judge it: no brackets, lower case, without trailing dots. */
export const normalizedHost = (url: URL): string =>
  url.hostname
    .replace(/^\[|\]$/g, '')
    .toLowerCase()
    .replace(/\.+$/, '');

const isLocalhostName = (host: string): boolean => host === 'localhost' || host.endsWith('.localhost');

/**
 * Whether `raw` may be the target of an outbound request: an absolute https URL without user info, control
 * characters or white space, whose host is neither `localhost` nor an IP literal in a non-public range. Host
 * names are checked again at connect time with `isNonPublicAddress` on each resolved address.
 */
export function checkOutboundUrl(raw: string, rules: OutboundUrlRules): OutboundUrlCheck {
  const maxLength = rules.maxLength ?? MAX_OUTBOUND_URL_LENGTH;
  if (raw.length > maxLength) return { ok: false, reason: `longer than ${maxLength} characters` };
  // The URL parser silently drops tabs and line breaks; refuse them (and any other control or space
  // character) so the stored URL is exactly the one used, and nothing can smuggle a header line.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f-\u009f\u2028\u2029]/.test(raw)) {
    return { ok: false, reason: 'must not contain spaces or control characters' };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'not a valid absolute URL' };
  }
  if (url.username !== '' || url.password !== '' || url.host.includes('@')) {
    return { ok: false, reason: 'must not contain a user name or password' };
  }
  const host = normalizedHost(url);
  const loopback = isLocalhostName(host) || isLoopbackAddress(host);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, reason: 'must use https' };
  if (rules.allowInsecureLocal && loopback) return { ok: true, url };
  if (url.protocol !== 'https:') return { ok: false, reason: 'must use https' };
  if (isLocalhostName(host)) return { ok: false, reason: 'must not point at this machine (localhost)' };
  if (host === '') return { ok: false, reason: 'must name a host' };
  if (isIP(host) !== 0 && isNonPublicAddress(host)) {
    return { ok: false, reason: `must not point at a private, loopback or link-local address (${host})` };
  }
  return { ok: true, url };
}

export type AddressCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Whether a connection to `address` (what `host` resolved to) is allowed. */
export function checkResolvedAddress(host: string, address: string): AddressCheck {
  return isNonPublicAddress(address)
    ? { ok: false, reason: `${host} resolves to ${address}, which is not a public address` }
    : { ok: true };
}
