/**
 * The webhook HTTP client (one POST, bounded by a timeout, redirects never followed, targets in non-public
 * address ranges refused after DNS resolution) and the webhook Lambda's settings from the environment.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { loadConfig } from './config';
import { checkRetryPolicy, type DeliveryResult, type RetryPolicy } from '../domain/webhooks/webhooks';
import type { WebhookSender } from '../domain/webhooks/ports';
import { checkResolvedAddress } from '../domain/webhooks/address-rules';

export interface WebhookClientOptions {
  /** The whole exchange (connect, send, response headers and body) must end within this. */
  readonly timeoutMs: number;
  /** Refuse to connect when the host name resolves to a loopback, private or link-local address (SSRF). */
  readonly blockPrivateAddresses: boolean;
}

/** At most this much of a receiver's answer is read (and thrown away). */
const MAX_RESPONSE_BYTES = 64 * 1024;
const ANSWER_BYTES = 1024;

class DeliveryError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class WebhookHttpClient implements WebhookSender {
  constructor(private readonly options: WebhookClientOptions) {}

  post(url: string, body: string, headers: Readonly<Record<string, string>>): Promise<DeliveryResult> {
    const { timeoutMs, blockPrivateAddresses } = this.options;
    return new Promise<DeliveryResult>((resolve) => {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        resolve({ kind: 'error', code: 'invalid-url', message: 'not a valid URL' });
        return;
      }
      const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
      const payload = Buffer.from(body, 'utf8');
      let settled = false;
      const finish = (result: DeliveryResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const req = request(target, {
        method: 'POST',
        headers: { ...headers, 'content-length': String(payload.length) },
        // A fresh connection per delivery: nothing is shared between teams' endpoints.
        agent: false,
        ...(blockPrivateAddresses ? { lookup: publicOnlyLookup } : {}),
      });
      const timer = setTimeout(() => {
        req.destroy(new DeliveryError('timeout', `no complete answer within ${timeoutMs} ms`));
      }, timeoutMs);
      req.on('response', (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        // Redirects are not followed: node:http never does, and a 3xx is reported as a failure.
        let read = 0;
        // The first kilobyte of the answer, for the team's test ping (`POST /v2/team/webhook/test`).
        const head: Buffer[] = [];
        const answered = () => ({
          kind: 'response' as const,
          status,
          answer: Buffer.concat(head).subarray(0, ANSWER_BYTES).toString('utf8'),
        });
        res.on('data', (chunk: Buffer) => {
          if (read < ANSWER_BYTES) head.push(chunk.subarray(0, ANSWER_BYTES - read));
          read += chunk.length;
          if (read > MAX_RESPONSE_BYTES) {
            finish(answered());
            res.destroy();
          }
        });
        res.on('end', () => finish(answered()));
        res.on('error', () => finish(answered()));
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (error instanceof DeliveryError)
          finish({ kind: 'error', code: error.code, message: error.message });
        else finish({ kind: 'error', code: error.code ?? 'error', message: error.message });
      });
      req.end(payload);
    });
  }
}

/**
 * dns.lookup that fails with `blocked-address` when any address of the host is not public, so a host name
 * cannot be used to reach the VPC, the metadata service or the Lambda itself. Node connects only to an address
 * this returned, so a DNS answer that changes between check and connect (rebinding) is covered too.
 */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) {
      callback(error, '', 0);
      return;
    }
    const refused = addresses.map((a) => checkResolvedAddress(hostname, a.address)).find((c) => !c.ok);
    if (refused || addresses.length === 0) {
      const refusal: NodeJS.ErrnoException = new DeliveryError(
        'blocked-address',
        refused && !refused.ok ? refused.reason : `${hostname} resolves to no address`,
      );
      callback(refusal, '', 0);
      return;
    }
    if (options.all) callback(null, addresses);
    else callback(null, addresses[0]?.address ?? '', addresses[0]?.family ?? 4);
  });
};

// ---------------------------------------------------------------------------------------------------------
// Settings (their variables and schemas live with every other setting, in config.ts)
// ---------------------------------------------------------------------------------------------------------

export interface WebhookSettings {
  readonly queueUrl: string;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  /** Local runs and tests only: http:// and loopback targets allowed, no private-address check. */
  readonly allowInsecureLocal: boolean;
}

/** Reads the webhook settings from `env`; throws one error naming every bad or missing variable. */
export function loadWebhookSettings(env: NodeJS.ProcessEnv = process.env): WebhookSettings {
  const values = loadConfig(
    [
      'webhookQueueUrl',
      'webhookTimeoutMs',
      'webhookRetryDelaysSeconds',
      'webhookRetryMaxAgeSeconds',
      'webhookAllowInsecureLocal',
    ],
    env,
  );
  return {
    queueUrl: values.webhookQueueUrl,
    timeoutMs: values.webhookTimeoutMs,
    retry: checkRetryPolicy({
      delaysSeconds: values.webhookRetryDelaysSeconds,
      maxAgeSeconds: values.webhookRetryMaxAgeSeconds,
    }),
    allowInsecureLocal: values.webhookAllowInsecureLocal,
  };
}
