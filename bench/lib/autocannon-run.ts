/** One autocannon run with every answer's latency kept (autocannon's own summary has no p95). */
import autocannon, { type AutocannonRequest, type Options } from 'autocannon';
import { percentiles, type Percentiles } from './stats';

export interface LoadResult {
  readonly seconds: number;
  readonly answers: number;
  /** Answers with the expected status. */
  readonly ok: number;
  readonly statusCounts: Record<string, number>;
  readonly errors: number;
  /** Expected answers per second. */
  readonly okPerS: number;
  /** Latency of the expected answers, ms. */
  readonly latency: Percentiles;
}

export async function runLoad(
  options: Options & { requests?: AutocannonRequest[] },
  { expectStatus, onTick }: { expectStatus: number; onTick?: (answers: number, elapsedS: number) => void },
): Promise<LoadResult> {
  const latencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  let answers = 0;
  let errors = 0;
  const started = performance.now();
  const instance = autocannon(options);
  instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    answers += 1;
    statusCounts[statusCode] = (statusCounts[statusCode] ?? 0) + 1;
    if (statusCode === expectStatus) latencies.push(responseTimeMs);
  });
  instance.on('reqError', () => {
    errors += 1;
  });
  const ticker = onTick
    ? setInterval(() => onTick(answers, (performance.now() - started) / 1000), 250)
    : undefined;
  try {
    const result = await instance;
    const seconds = result.duration || (performance.now() - started) / 1000;
    return {
      seconds,
      answers,
      ok: latencies.length,
      statusCounts,
      errors: errors + result.errors,
      okPerS: latencies.length / seconds,
      latency: percentiles(latencies),
    };
  } finally {
    clearInterval(ticker);
  }
}
