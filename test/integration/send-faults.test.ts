/**
 * Faults on the way to Sinch: E113 storms (the simulator allows fewer requests than the gateway was told),
 * HTTP 5xx, E503, dropped connections and timeouts. Every message must end submitted, none lost; only an
 * ambiguous timeout (the request reached Sinch, the answer did not come back) may send twice, as documented.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalGateway, type LocalGateway } from '../../local/runtime';
import { send, sendmms, waitForState } from './helpers';

let gw: LocalGateway;
beforeAll(async () => {
  gw = await startLocalGateway({
    accountTps: 20,
    sendWorkers: 2,
    env: { SINCH_TIMEOUT_MS: '400', SEND_MAX_ATTEMPTS: '10', SEND_BACKOFF_MAX_SECONDS: '3' },
  });
});
afterAll(async () => {
  await gw?.stop();
});

const acceptedBySinch = (to: string) =>
  gw.simulator
    .requests()
    .filter((r) => r.outcome === 'accepted' && (r.body as Record<string, unknown>).to === to);

async function sendAll(prefix: string, count: number) {
  const recipients = Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);
  const ids: string[] = [];
  for (const to of recipients) {
    const answer = await send(gw, sendmms(to));
    expect(answer.status).toBe(202);
    ids.push(String(answer.body['tracking-id']));
  }
  return { recipients, ids };
}

describe('E113 storm', () => {
  it('the simulator allows 4/s while the gateway paces at 18/s: every message is retried to success', async () => {
    gw.simulator.configure({ tps: 4 });
    try {
      const { recipients, ids } = await sendAll('1555410', 30);
      for (const id of ids) {
        const message = await waitForState(gw, id, ['submitted', 'sent', 'delivered'], 60_000);
        expect(message['last-error-code']).toBeUndefined();
      }
      expect(gw.simulator.stats().e113).toBeGreaterThan(0); // the storm really happened
      for (const to of recipients) expect(acceptedBySinch(to)).toHaveLength(1);
    } finally {
      gw.simulator.configure({ tps: 20 });
    }
  });
});

describe('5xx, E503, dropped connections and timeouts', () => {
  it('every message is retried to success; duplicates only after ambiguous timeouts', async () => {
    gw.simulator.resetStats();
    gw.simulator.configure({
      faults: { e503: 0.08, http500: 0.08, http502: 0.08, drop: 0.05, slow: 0.05 },
      slowMs: 1000,
    });
    try {
      const { recipients, ids } = await sendAll('1555420', 40);
      const histories: Array<Array<{ event: string; code?: string }>> = [];
      for (const id of ids) {
        const message = await waitForState(
          gw,
          id,
          ['submitted', 'sent', 'delivered', 'delivered-as-sms'],
          90_000,
        );
        histories.push(message.history as Array<{ event: string; code?: string }>);
      }
      const faults = gw.simulator.stats().faults;
      expect(faults.e503 + faults.http500 + faults.http502 + faults.drop + faults.slow).toBeGreaterThan(0);
      const retryCodes = histories
        .flat()
        .filter((h) => h.event.startsWith('retry'))
        .map((h) => h.code);
      expect(retryCodes.length).toBeGreaterThan(0);
      let duplicates = 0;
      for (const [i, to] of recipients.entries()) {
        const count = acceptedBySinch(to).length;
        expect(count).toBeGreaterThanOrEqual(1);
        if (count > 1) {
          duplicates += count - 1;
          // Only an ambiguous timeout explains a second accepted send.
          expect(histories[i]?.some((h) => h.event === 'retry-after-ambiguous-timeout')).toBe(true);
        }
      }
      console.log(
        `faults: ${JSON.stringify(faults)}; retries ${retryCodes.length}; duplicate sends after ambiguous timeouts: ${duplicates}`,
      );
    } finally {
      gw.simulator.configure({ faults: { e503: 0, http500: 0, http502: 0, drop: 0, slow: 0 } });
    }
  });
});
