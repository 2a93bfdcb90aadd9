/**
 * The MMS gateway's typed TypeScript client. Types come from docs/openapi.json (`npm run client:generate`),
 * calls are made with openapi-fetch, so every path, body and answer is checked by the compiler:
 *
 *   const gateway = createGatewayClient({ baseUrl: 'http://127.0.0.1:8080', apiKey: 'local-dev-key' });
 *   const { 'tracking-id': id } = await gateway.send({ action: 'sendmms', to: '15550000001', ... });
 *   const final = await gateway.waitForFinal(id);
 *
 * `gateway.api` is the openapi-fetch client for every other operation (`gateway.api.GET('/v2/team')`, ...).
 */
import createClient from 'openapi-fetch';
import { Webhook } from 'standardwebhooks';
import type { components, paths } from './schema';

export type { components, paths } from './schema';
export type MmsRequest = components['schemas']['MmsRequest'];
type SubmitAnswer = paths['/v2/']['post']['responses']['202']['content']['application/json'];
type MessageView = paths['/v2/messages/{id}']['get']['responses']['200']['content']['application/json'];

/** A failure answer of the gateway (Sinch-shaped), thrown by the helpers. */
export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly body: { 'error-code'?: string; 'error-info'?: string; errors?: unknown[] },
  ) {
    super(`${status} ${body['error-code'] ?? ''}: ${body['error-info'] ?? 'request failed'}`.trim());
    this.name = 'GatewayError';
  }
}

/** States after which a message never changes. */
export const FINAL_STATES = [
  'delivered',
  'delivered-as-sms',
  'failed',
  'rejected',
  'expired',
  'canceled',
  'unknown',
];

export interface GatewayClientOptions {
  /** The API's base URL: the stage URL (`IngestApiUrl` without a trailing slash), or http://127.0.0.1:8080. */
  readonly baseUrl: string;
  readonly apiKey: string;
  /** A fetch implementation (default: the global one). */
  readonly fetch?: typeof fetch;
}

export function createGatewayClient(options: GatewayClientOptions) {
  const api = createClient<paths>({
    baseUrl: options.baseUrl,
    headers: { 'x-api-key': options.apiKey },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const fail = (response: Response, error: unknown): never => {
    throw new GatewayError(response.status, error ?? {});
  };

  return {
    api,
    /** POST /v2/: queues a message (or a group send); throws GatewayError on any refusal. */
    async send(request: MmsRequest, idempotencyKey?: string): Promise<SubmitAnswer> {
      const { data, error, response } = await api.POST('/v2/', {
        body: request,
        ...(idempotencyKey ? { params: { header: { 'Idempotency-Key': idempotencyKey } } } : {}),
      });
      // Without ?dry-run the only success is 202 (the document's 200 is the dry run's answer).
      return (data as SubmitAnswer | undefined) ?? fail(response, error);
    },
    /** GET /v2/messages/{id}: the message with its state and history. */
    async get(trackingId: string): Promise<MessageView> {
      const { data, error, response } = await api.GET('/v2/messages/{id}', {
        params: { path: { id: trackingId } },
      });
      return data ?? fail(response, error);
    },
    /** Polls the message until it reaches a final state (or `timeoutMs` passes, then throws). */
    async waitForFinal(
      trackingId: string,
      { timeoutMs = 120_000, intervalMs = 1_000 }: { timeoutMs?: number; intervalMs?: number } = {},
    ): Promise<MessageView> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const message = await this.get(trackingId);
        if (FINAL_STATES.includes(message.state)) return message;
        if (Date.now() > deadline) {
          throw new Error(`${trackingId} is still ${message.state} after ${timeoutMs} ms`);
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    },
  };
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Verifies a webhook delivery with its Standard Webhooks headers (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature`) and returns the parsed event; throws when the signature or the timestamp is wrong.
 * `body` must be the raw body as received. Accepts the three forms of gateway secrets: `whsec_` + base64,
 * `whsec_` + base64url (older secrets), or any other string (keyed with its own bytes).
 */
export function verifyWebhook(
  headers: Record<string, string | string[] | undefined> | Headers,
  body: string | Buffer,
  secret: string,
): { 'event-id': string; type: string; time: string; detail: Record<string, unknown> } {
  const flat: Record<string, string> = {};
  const entries = headers instanceof Headers ? [...headers.entries()] : Object.entries(headers);
  for (const [name, value] of entries) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  const rest = secret.startsWith('whsec_') ? secret.slice(6) : undefined;
  let webhook: Webhook;
  if (rest !== undefined && BASE64.test(rest) && rest.length % 4 === 0) webhook = new Webhook(secret);
  else if (rest !== undefined && BASE64URL.test(rest)) {
    webhook = new Webhook(Buffer.from(rest, 'base64url').toString('base64'));
  } else webhook = new Webhook(secret, { format: 'raw' });
  return webhook.verify(typeof body === 'string' ? body : body.toString('utf8'), flat) as ReturnType<
    typeof verifyWebhook
  >;
}
