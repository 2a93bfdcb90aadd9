/**
 * Found by the fault campaign: pending postbacks (stored before the send worker recorded Sinch's tracking-id) are
 * retried by the sweep oldest first, 100 per run. Postbacks that will never correlate (the first send of an
 * ambiguous timeout, a send whose acceptance was never recorded) stay `pending` for CORRELATION_WINDOW_SECONDS
 * (1 h) before they become orphans; once 100 of them wait, no newer pending postback is retried until they age
 * out, so a message whose final postback came "too early" keeps its old state for up to an hour.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DynamoPostbacks } from '../../lambdas/adapters/dynamo-postbacks';
import { createLambdaContext } from '../../local/infra/api-gateway';
import { startLocalGateway, type LocalGateway } from '../../local/runtime';
import { call, waitFor } from '../integration/helpers';

let gw: LocalGateway;
let sweep: () => Promise<unknown>;
beforeAll(async () => {
  gw = await startLocalGateway({ sweepIntervalMs: 0, logLevel: 'SILENT' });
  // The sweep handler with a fresh context per run, as in AWS (the runtime's runSweep() reuses one context that
  // expires 60 s after start: see test/faults/campaign.ts).
  const handler = (await import('../../lambdas/handlers/sweep')).handler as unknown as (
    event: unknown,
    context: Context,
  ) => Promise<unknown>;
  sweep = () => handler({}, createLambdaContext({ functionName: 'test-sweep', timeoutMs: 60_000 }));
});
afterAll(async () => {
  await gw?.stop();
});

const postback = (trackingId: string, code: string, timestamp: string) =>
  call(gw.postbackUrl, { body: { origin: 'MMS_MT', code, 'tracking-id': trackingId, timestamp } });

it('a pending postback is applied by the next sweeps even when 150 older ones never correlate', async () => {
  const store = new DynamoPostbacks(gw.db, gw.tables.postbacks);
  const pending = async (n: number) =>
    waitFor(`${n} pending postbacks`, async () =>
      (await store.list('pending', 1000)).length >= n ? true : undefined,
    );
  for (let i = 0; i < 150; i += 25) {
    await Promise.all(
      Array.from({ length: 25 }, (_, k) =>
        postback(`never-recorded-${i + k}`, 'N101', '2026-11-25T10:00:00Z'),
      ),
    );
  }
  await pending(150);
  // A final postback that arrives before the send worker recorded Sinch's tracking-id...
  expect((await postback('recorded-late', 'N102', '2026-11-25T10:00:01Z')).status).toBe(200);
  await pending(151);
  // ...and the worker's record, written afterwards (directly: the race is hard to produce on demand).
  const now = new Date().toISOString();
  await gw.db.send(
    new PutCommand({
      TableName: gw.tables.messages,
      Item: {
        id: 'mms_recorded_late',
        teamId: 'local-dev',
        request: { action: 'sendmms', to: '15550000001', from: '15550001000', slide: [] },
        state: 'submitted',
        attempts: 1,
        createdAt: now,
        updatedAt: now,
        sinchTrackingId: 'recorded-late',
        history: [],
        openShard: 'open',
        openSince: now,
      },
    }),
  );
  for (let run = 0; run < 3; run += 1) await sweep();
  const message = await gw.db.send(
    new GetCommand({ TableName: gw.tables.messages, Key: { id: 'mms_recorded_late' }, ConsistentRead: true }),
  );
  // TODO(bug: pending postbacks starved): lambdas/domain/sweep.ts retries `list('pending', 100)`, the 100 OLDEST
  // pending postbacks, every run; with 100+ uncorrelatable ones waiting out CORRELATION_WINDOW_SECONDS the newer
  // ones are never reached, and this message stays `submitted` (for up to an hour in AWS). Fails until fixed
  // (e.g. page through all pending postbacks, or orphan/skip the ones retried recently, or newest first).
  expect(message.Item?.state).toBe('delivered');
});
