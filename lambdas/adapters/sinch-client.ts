import { Agent, request } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import {
  classifySinchExchange,
  type SinchExchange,
  type SinchOutcome,
} from '../domain/sinch/outcome-classification';
import type { SinchApi } from '../domain/sinch/ports';

export interface SinchClientOptions {
  /** The API's base URL, e.g. https://api.ci.mblox.com/ep/v2/ */
  readonly baseUrl: string;
  /** Per-request timeout: no complete answer within it counts as a timeout. */
  readonly timeoutMs: number;
  /** Keep-alive sockets kept open per worker. */
  readonly maxSockets?: number;
}

/**
 * The Sinch MMS JSON API client: POSTs the body with `x-api-key` over keep-alive connections and returns the
 * classified outcome. It never logs; callers log outcomes without keys or phone numbers.
 */
export class SinchHttpClient implements SinchApi {
  private readonly url: URL;
  private readonly agent: Agent | HttpsAgent;

  constructor(private readonly options: SinchClientOptions) {
    this.url = new URL(options.baseUrl);
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 16 };
    this.agent = this.url.protocol === 'https:' ? new HttpsAgent(agentOptions) : new Agent(agentOptions);
  }

  async submit(body: Record<string, unknown>, apiKey: string): Promise<SinchOutcome> {
    return classifySinchExchange(await this.exchange(JSON.stringify(body), apiKey));
  }

  /** Closes the keep-alive sockets (tests and the local runtime call it on shutdown). */
  close(): void {
    this.agent.destroy();
  }

  private exchange(payload: string, apiKey: string): Promise<SinchExchange> {
    const send = this.url.protocol === 'https:' ? httpsRequest : request;
    return new Promise((resolve) => {
      let settled = false;
      let requestSent = false;
      const done = (exchange: SinchExchange) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(exchange);
      };
      const req = send(this.url, {
        method: 'POST',
        agent: this.agent,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(payload),
          'x-api-key': apiKey,
        },
      });
      const timer = setTimeout(() => {
        done({
          kind: 'transport-error',
          reason: 'timeout',
          requestSent,
          detail: `no answer within ${this.options.timeoutMs} ms`,
        });
        req.destroy();
      }, this.options.timeoutMs);
      req.on('finish', () => {
        requestSent = true;
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          done({
            kind: 'response',
            httpStatus: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', (error) =>
          done({ kind: 'transport-error', reason: 'connection', requestSent: true, detail: error.message }),
        );
      });
      req.on('error', (error: NodeJS.ErrnoException) =>
        done({
          kind: 'transport-error',
          reason: 'connection',
          requestSent,
          detail: error.code ?? error.message,
        }),
      );
      req.end(payload);
    });
  }
}
