/**
 * Pacing under the account limit: 100 messages, a simulator that answers E113 above 10 requests per second,
 * and 4 concurrent send workers sharing one bucket. Every message must reach Sinch exactly once and E113 must
 * stay under 1 %.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLocalGateway, type LocalGateway } from '../../local/runtime';
import { send, sendmms, waitUntil } from './helpers';

let gw: LocalGateway;
beforeAll(async () => {
  gw = await startLocalGateway({ accountTps: 10, sendWorkers: 4 });
});
afterAll(async () => {
  await gw?.stop();
});

it('100 messages at 10 TPS with 4 workers: each reaches Sinch exactly once, E113 under 1 %', async () => {
  const recipients = Array.from({ length: 100 }, (_, i) => `1555300${String(i).padStart(4, '0')}`);
  for (let i = 0; i < recipients.length; i += 20) {
    const answers = await Promise.all(recipients.slice(i, i + 20).map((to) => send(gw, sendmms(to))));
    for (const a of answers) expect(a.status).toBe(202);
  }
  await waitUntil(
    'all 100 messages to be accepted by the simulator',
    () => gw.simulator.stats().accepted >= 100,
    60_000,
  );
  await new Promise((r) => setTimeout(r, 500));
  const stats = gw.simulator.stats();
  const accepted = gw.simulator.requests().filter((r) => r.outcome === 'accepted');
  const perRecipient = new Map<string, number>();
  for (const r of accepted) {
    const to = String((r.body as Record<string, unknown>).to);
    perRecipient.set(to, (perRecipient.get(to) ?? 0) + 1);
  }
  expect([...perRecipient.keys()].sort()).toEqual(recipients);
  expect([...perRecipient.values()].every((n) => n === 1)).toBe(true);
  const totalRequests = stats.requests.sendmms;
  const e113Rate = stats.e113 / totalRequests;
  console.log(
    `pacing: ${accepted.length} accepted, ${totalRequests} requests, E113 ${stats.e113} (${(e113Rate * 100).toFixed(2)} %), highest rate ${stats.maxPerSecond}/s`,
  );
  expect(e113Rate).toBeLessThan(0.01);
});
