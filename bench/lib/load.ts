/** What the benchmarks send, and a small closed-loop client to send it with. */

export const SENDER = '15550001000';

/** Distinct valid recipients, clear of the simulator's magic numbers (1555000000x). */
export const recipient = (i: number): string => String(15_554_000_000 + i);

/** A valid sendmms body (one image slide, with a fallback SMS). */
export const sendmmsBody = (to: string) => ({
  action: 'sendmms',
  to,
  from: SENDER,
  'message-subject': 'Benchmark',
  'fallback-sms-text': 'Benchmark message, see the picture online',
  slide: [{ 'message-text': 'Hello from the benchmark', image: { url: 'https://example.com/a.jpg' } }],
});

export interface SubmitOutcome {
  readonly ok: number;
  readonly failed: number;
  /** Status code → count, for anything but the expected status. */
  readonly unexpected: Record<string, number>;
  /** When the last answer arrived (epoch ms). */
  readonly endMs: number;
}

/**
 * POSTs `count` bodies with `concurrency` requests in flight; when `signal` aborts, starts no new request (those
 * in flight finish and count). `onAnswer` sees every answer (for progress).
 */
export async function submitAll({
  url,
  apiKey,
  count,
  body,
  concurrency,
  expectStatus = 202,
  signal,
  onAnswer,
}: {
  url: string;
  apiKey: string;
  count: number;
  body: (i: number) => unknown;
  concurrency: number;
  expectStatus?: number;
  signal?: AbortSignal;
  onAnswer?: (ok: boolean) => void;
}): Promise<SubmitOutcome> {
  let next = 0;
  let ok = 0;
  let failed = 0;
  const unexpected: Record<string, number> = {};
  const worker = async () => {
    while (next < count && !signal?.aborted) {
      const i = next++;
      let status = 'error';
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
          body: JSON.stringify(body(i)),
        });
        await res.arrayBuffer();
        status = String(res.status);
      } catch {
        // counted below as 'error'
      }
      const good = status === String(expectStatus);
      if (good) ok += 1;
      else {
        failed += 1;
        unexpected[status] = (unexpected[status] ?? 0) + 1;
      }
      onAnswer?.(good);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return { ok, failed, unexpected, endMs: Date.now() };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
