/**
 * Sends a list of distinct bodies, each exactly once, over keep-alive connections: `concurrency` in flight, and
 * optionally no faster than `ratePerS` (request i starts no earlier than i / rate after the start). Keeps each
 * request's latency (request written → answer read).
 */
import { Agent, request } from 'node:http';

export interface EachResult {
  readonly seconds: number;
  /** Latency of every answer with the expected status, ms. */
  readonly latencies: number[];
  readonly statusCounts: Record<string, number>;
  /** Epoch ms at which each request was sent, by index. */
  readonly sentAt: number[];
}

export async function sendEach({
  url,
  bodies,
  concurrency,
  ratePerS,
  expectStatus = 200,
  onAnswer,
}: {
  url: string;
  bodies: readonly string[];
  concurrency: number;
  ratePerS?: number;
  expectStatus?: number;
  onAnswer?: (done: number) => void;
}): Promise<EachResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(url);
  const latencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  const sentAt: number[] = [];
  let next = 0;
  let done = 0;
  const begin = performance.now();

  const one = (body: string) =>
    new Promise<number>((resolve) => {
      const req = request(target, {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      });
      req.on('response', (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      });
      req.on('error', () => resolve(0));
      req.end(body);
    });

  const worker = async () => {
    for (;;) {
      const i = next++;
      const body = bodies[i];
      if (body === undefined) return;
      if (ratePerS !== undefined) {
        const wait = begin + (i * 1000) / ratePerS - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      sentAt[i] = Date.now();
      const started = performance.now();
      const status = await one(body);
      const latency = performance.now() - started;
      statusCounts[status] = (statusCounts[status] ?? 0) + 1;
      if (status === expectStatus) latencies.push(latency);
      done += 1;
      onAnswer?.(done);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  } finally {
    agent.destroy();
  }
  return { seconds: (performance.now() - begin) / 1000, latencies, statusCounts, sentAt };
}
