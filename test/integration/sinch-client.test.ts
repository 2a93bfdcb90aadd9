/** The Sinch client against the simulator: each outcome classified as the send worker relies on. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SinchHttpClient } from '../../lambdas/adapters/sinch-client';
import { startSinchSimulator, type SinchSimulator } from '../../local/sinch-simulator/index';

const KEY = 'client-test-key';
let sim: SinchSimulator;
let client: SinchHttpClient;
/** Times out before the simulator's slow answer (slowMs 800); `client` waits long enough for a busy machine. */
let impatient: SinchHttpClient;
const body = (to: string) => ({
  action: 'sendmms',
  to,
  from: '15550001000',
  'fallback-sms-text': 'Hi',
  slide: [{ 'message-text': 'Hello' }],
});

// The simulator's throughput window runs on this fake clock; each test starts a second after the last one.
let now = 0;
beforeEach(() => {
  now += 1_000;
});
beforeAll(async () => {
  sim = await startSinchSimulator({ apiKey: KEY, tps: 5, slowMs: 800, clock: () => now });
  client = new SinchHttpClient({ baseUrl: sim.url, timeoutMs: 10_000 });
  impatient = new SinchHttpClient({ baseUrl: sim.url, timeoutMs: 300 });
});
afterAll(async () => {
  client?.close();
  impatient?.close();
  await sim?.stop();
});

describe('SinchHttpClient', () => {
  it('accepted: the tracking-id; sent with the key and the JSON content type', async () => {
    const outcome = await client.submit(body('15551280001'), KEY);
    expect(outcome).toMatchObject({ kind: 'accepted' });
    const last = sim.requests().at(-1);
    expect(last?.keyValid).toBe(true);
    expect(outcome.kind === 'accepted' && outcome.trackingId).toBe(
      (last?.response?.body as Record<string, unknown>)['tracking-id'],
    );
  });

  it('a wrong key is a permanent E104', async () => {
    expect(await client.submit(body('15551280002'), 'wrong')).toMatchObject({
      kind: 'permanent',
      code: 'E104',
    });
  });

  it('above the limit: retryable E113 (8 calls in one second of the fake clock, limit 5)', async () => {
    sim.resetStats();
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, i) => client.submit(body(`155512801${i}0`), KEY)),
    );
    const throttled = outcomes.filter((o) => o.kind === 'retryable' && o.code === 'E113');
    expect(throttled.length).toBe(3);
    expect(sim.stats().e113).toBe(3);
  });

  it.each([
    ['e503', { kind: 'retryable', code: 'E503', ambiguous: false }],
    ['http500', { kind: 'retryable', code: 'HTTP500', ambiguous: false }],
    ['http502', { kind: 'retryable', code: 'HTTP502', ambiguous: false }],
    ['drop', { kind: 'retryable', code: 'GW-UPSTREAM-CONNECTION', ambiguous: true }],
    ['slow', { kind: 'retryable', code: 'GW-UPSTREAM-TIMEOUT', ambiguous: true }],
  ] as const)('fault %s is classified %o', async (fault, expected) => {
    sim.configure({ faults: { e503: 0, http500: 0, http502: 0, drop: 0, slow: 0, [fault]: 1 } });
    try {
      const by = fault === 'slow' ? impatient : client;
      expect(await by.submit(body('15551280003'), KEY)).toMatchObject(expected);
    } finally {
      sim.configure({ faults: { e503: 0, http500: 0, http502: 0, drop: 0, slow: 0 } });
      await new Promise((r) => setTimeout(r, 250));
    }
  });

  it('nothing listening: a retryable connection error that is not ambiguous', async () => {
    const nowhere = new SinchHttpClient({ baseUrl: 'http://127.0.0.1:9/ep/v2/', timeoutMs: 300 });
    try {
      expect(await nowhere.submit(body('15551280004'), KEY)).toMatchObject({
        kind: 'retryable',
        code: 'GW-UPSTREAM-CONNECTION',
        ambiguous: false,
      });
    } finally {
      nowhere.close();
    }
  });
});
