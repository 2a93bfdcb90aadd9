/**
 * Postback delivery: JSON POSTs to `postbackUrl`, acknowledged only by HTTP 200 within `postbackTimeoutMs`;
 * anything else is retried after `postbackRetryDelayMs`, at most `postbackMaxRetries` times.
 */
import http from 'node:http';
import type { SimulatorOptions } from './options';
import type { Random } from './random';
import type { PostbackStats } from './stats';
import type { TimerSet } from './timers';

/** A postback body: strings, and for inbound messages (MO) arrays of `{ file }` / `{ number }`. */
export type PostbackPayload = Record<string, string | Array<Record<string, string>>>;

export class PostbackDispatcher {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly inFlight = new Set<http.ClientRequest>();
  private counts = { sent: 0, delivered: 0, retried: 0, failed: 0, duplicated: 0, reordered: 0 };
  private pending = 0;
  private stopped = false;

  constructor(
    private readonly options: () => SimulatorOptions,
    private readonly random: () => Random,
    private readonly timers: TimerSet,
  ) {}

  get enabled(): boolean {
    return this.options().postbackUrl !== null;
  }

  /** Sends `payload` after `delayMs` (and a second copy at the same time, at the `duplicatePostbacks` rate). */
  schedule(payload: PostbackPayload, delayMs: number): void {
    if (this.stopped || !this.enabled) return;
    const copies = this.random()() < this.options().duplicatePostbacks ? 2 : 1;
    if (copies === 2) this.counts.duplicated += 1;
    for (let copy = 0; copy < copies; copy += 1) {
      this.pending += 1;
      this.timers.later(delayMs, () => void this.attempt(payload, 0));
    }
  }

  noteReordered(): void {
    this.counts.reordered += 1;
  }

  private async attempt(payload: PostbackPayload, retry: number): Promise<void> {
    const url = this.options().postbackUrl;
    if (this.stopped) return;
    if (url === null) {
      // postbackUrl was cleared after this postback was scheduled: drop it.
      this.pending -= 1;
      return;
    }
    if (retry === 0) this.counts.sent += 1;
    else this.counts.retried += 1;

    const acknowledged = await this.post(url, payload);
    if (this.stopped) return;
    if (acknowledged) {
      this.counts.delivered += 1;
      this.pending -= 1;
      return;
    }
    const { postbackMaxRetries, postbackRetryDelayMs } = this.options();
    if (retry >= postbackMaxRetries) {
      this.counts.failed += 1;
      this.pending -= 1;
      return;
    }
    this.timers.later(postbackRetryDelayMs, () => void this.attempt(payload, retry + 1));
  }

  /** Resolves true on HTTP 200 within the timeout, false on any other status, error or timeout. Never rejects. */
  private post(url: string, payload: PostbackPayload): Promise<boolean> {
    return new Promise((resolve) => {
      const body = JSON.stringify(payload);
      let settled = false;
      let request: http.ClientRequest | undefined;
      const timer = setTimeout(() => {
        request?.destroy();
        settle(false);
      }, this.options().postbackTimeoutMs);
      const settle = (ok: boolean): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (request) this.inFlight.delete(request);
        resolve(ok);
      };
      try {
        request = http.request(
          url,
          {
            method: 'POST',
            agent: this.agent,
            headers: {
              'content-type': 'application/json; charset=utf-8',
              'content-length': Buffer.byteLength(body),
              'user-agent': 'sinch-simulator',
            },
          },
          (response) => {
            response.resume();
            response.on('error', () => undefined);
            settle(response.statusCode === 200);
          },
        );
      } catch {
        settle(false);
        return;
      }
      this.inFlight.add(request);
      request.on('error', () => settle(false));
      request.on('close', () => settle(false));
      request.end(body);
    });
  }

  stats(): PostbackStats {
    return { ...this.counts, pending: this.pending };
  }

  resetStats(): void {
    this.counts = { sent: 0, delivered: 0, retried: 0, failed: 0, duplicated: 0, reordered: 0 };
  }

  /** Abandons in-flight postbacks and closes the keep-alive sockets (timers are closed by the owner). */
  stop(): void {
    this.stopped = true;
    for (const request of this.inFlight) request.destroy();
    this.inFlight.clear();
    this.agent.destroy();
    this.pending = 0;
  }
}
