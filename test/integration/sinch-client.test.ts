/** The Sinch client against the simulator: each outcome classified as the send worker relies on. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SinchHttpClient } from '../../lambdas/adapters/sinch-client';
import { startSinchSimulator, type SinchSimulator } from '../../local/sinch-simulator/index';

const KEY = 'client-test-key';
let sim: SinchSimulator;
let client: SinchHttpClient;
const body = (to: string) => ({
  action: 'sendmms',
  to,
  from: '15550001000',
  'fallback-sms-text': 'Hi',
  slide: [{ 'message-text': 'Hello' }],
});

beforeAll(async () => {
  sim = await startSinchSimulator({ apiKey: KEY, tps: 5, slowMs: 800 });
  client = new SinchHttpClient({ baseUrl: sim.url, timeoutMs: 300 });
});
afterAll(async () => {
  client?.close();
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

  it('above the limit: retryable E113', async () => {
    sim.resetStats();
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, i) => client.submit(body(`155512801${i}0`), KEY)),
    );
    const throttled = outcomes.filter((o) => o.kind === 'retryable' && o.code === 'E113');
    expect(throttled.length).toBe(3);
    expect(sim.stats().e113).toBe(3);
    await new Promise((r) => setTimeout(r, 1100));
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
      expect(await client.submit(body('15551280003'), KEY)).toMatchObject(expected);
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
