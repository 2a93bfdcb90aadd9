/**
 * The media preflight's HTTP adapter: one HEAD or GET with node's http/https, no redirect followed, the body
 * never read. Against DNS rebinding, the host name is resolved by a custom `lookup` that refuses the connection
 * when any resolved address is non-public (`isNonPublicAddress`, the webhook rules), so the address checked is
 * the address connected to. IP-literal hosts skip `lookup`; the domain's URL check has judged them already.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { ProbeFailure, type MediaProber, type ProbeAnswer } from '../domain/media/ports';
import { isNonPublicAddress } from '../domain/webhooks/webhooks';
import http from 'node:http';
import https from 'node:https';

export const MEDIA_USER_AGENT = 'mms-gateway-media-check/1';

type Resolve = (hostname: string) => Promise<LookupAddress[]>;

const systemResolve: Resolve = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });

/** A `lookup` for http.request that only ever hands public addresses to the socket. */
export function guardedLookup(resolve: Resolve = systemResolve): LookupFunction {
  return (hostname, options: LookupOptions, callback) => {
    resolve(hostname)
      .then((addresses) => {
        const refused = addresses.find((a) => isNonPublicAddress(a.address));
        if (refused || addresses.length === 0) {
          const why = refused
            ? `resolves to a non-public address (${refused.address})`
            : 'resolves to nothing';
          callback(new ProbeFailure('address', `URL refused: ${hostname} ${why}`), '', 0);
          return;
        }
        const wanted = options.family === 4 || options.family === 6 ? options.family : undefined;
        const usable = wanted ? addresses.filter((a) => a.family === wanted) : addresses;
        if (options.all) callback(null, usable);
        else callback(null, usable[0]?.address ?? '', usable[0]?.family ?? 4);
      })
      .catch((error: NodeJS.ErrnoException) => {
        callback(
          new ProbeFailure('network', `${hostname} could not be resolved (${error.code ?? 'error'})`),
          '',
          0,
        );
      });
  };
}

export interface NodeMediaProberOptions {
  /** Local runtime only: origins connected to without the address check (the sample media server). */
  readonly allowedLocalOrigins?: readonly string[];
  /** For tests: a resolver standing in for DNS. */
  readonly resolve?: Resolve;
}

export class NodeMediaProber implements MediaProber {
  private readonly lookup: LookupFunction;

  constructor(private readonly options: NodeMediaProberOptions = {}) {
    this.lookup = guardedLookup(options.resolve);
  }

  request(url: URL, method: 'HEAD' | 'GET', signal: AbortSignal): Promise<ProbeAnswer> {
    const local = (this.options.allowedLocalOrigins ?? []).includes(url.origin);
    const client = url.protocol === 'https:' ? https : http;
    return new Promise<ProbeAnswer>((resolve, reject) => {
      const request = client.request(
        url,
        {
          method,
          signal,
          agent: false,
          headers: { 'user-agent': MEDIA_USER_AGENT, accept: '*/*' },
          ...(local ? {} : { lookup: this.lookup }),
        },
        (response) => {
          const length = response.headers['content-length'];
          const type = response.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
          const location = response.headers.location;
          resolve({
            status: response.statusCode ?? 0,
            chunked: /chunked/i.test(response.headers['transfer-encoding'] ?? ''),
            ...(length !== undefined && /^\d+$/.test(length) ? { contentLength: Number(length) } : {}),
            ...(type ? { contentType: type } : {}),
            ...(location ? { location } : {}),
          });
          // Only the headers matter: never read (or wait for) the body.
          response.destroy();
        },
      );
      request.on('error', (error: Error) => {
        if (error instanceof ProbeFailure) reject(error);
        else if (signal.aborted || error.name === 'AbortError')
          reject(new ProbeFailure('timeout', 'time budget exceeded'));
        else
          reject(
            new ProbeFailure(
              'network',
              `could not fetch: ${(error as NodeJS.ErrnoException).code ?? error.message}`,
            ),
          );
      });
      request.end();
    });
  }
}
