/**
 * Found by the fault campaign: pending postbacks (stored before the send worker recorded Sinch's tracking-id) were
 * retried by the sweep oldest first, 100 per run. Postbacks that will never correlate (the first send of an
 * ambiguous timeout, a send whose acceptance was never recorded) stay `pending` for CORRELATION_WINDOW_SECONDS
 * (1 h) before they become orphans; once 100 of them waited, no newer pending postback was retried until they aged
 * out, so a message whose final postback came "too early" kept its old state for up to an hour.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DynamoPostbacks } from '../../lambdas/adapters/dynamo-postbacks';
import { startLocalGateway, type LocalGateway } from '../../local/runtime';
import { call, waitFor } from '../integration/helpers';

let gw: LocalGateway;
// Long enough that one postback and one sweep fit in it on a busy machine.
const STUCK_AFTER_SECONDS = 10;
beforeAll(async () => {
  gw = await startLocalGateway({
    sweepIntervalMs: 0,
    logLevel: 'SILENT',
    env: { RECEIVED_STUCK_AFTER_SECONDS: String(STUCK_AFTER_SECONDS) },
  });
});
afterAll(async () => {
  await gw?.stop();
});

const postback = (trackingId: string, code: string, timestamp: string) =>
  call(gw.postbackUrl, { body: { origin: 'MMS_MT', code, 'tracking-id': trackingId, timestamp } });

const submittedMessage = async (id: string, sinchTrackingId: string) => {
  const now = new Date().toISOString();
  await gw.db.send(
    new PutCommand({
      TableName: gw.tables.messages,
      Item: {
        id,
        teamId: 'local-dev',
        request: { action: 'sendmms', to: '15550000001', from: '15550001000', slide: [] },
        state: 'submitted',
        attempts: 1,
        createdAt: now,
        updatedAt: now,
        sinchTrackingId,
        history: [],
        openShard: 'open',
        openSince: now,
      },
    }),
  );
};
const itemOf = async (id: string) =>
  (await gw.db.send(new GetCommand({ TableName: gw.tables.messages, Key: { id }, ConsistentRead: true })))
    .Item;
const stateOf = async (id: string) => (await itemOf(id))?.state as string | undefined;

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
  await submittedMessage('mms_recorded_late', 'recorded-late');
  for (let run = 0; run < 3; run += 1) await gw.runSweep();
  // Before the fix, the sweep retried only `list('pending', 100)`, the 100 oldest, and this stayed `submitted`.
  expect(await stateOf('mms_recorded_late')).toBe('delivered');
});

it('the sweep applies a postback the status processor gave up on (still received), once it is old enough', async () => {
  // Found by the fault campaign: while DynamoDB restarts, the status processor runs out of retries and the
  // postback stays `received`; before, only an operator's redrive (ProcessorDlqNotEmpty) applied it.
  await gw.stopStatusProcessor();
  try {
    await submittedMessage('mms_given_up', 'given-up');
    expect((await postback('given-up', 'N102', '2026-11-25T10:00:02Z')).status).toBe(200);
    await gw.runSweep();
    expect(await stateOf('mms_given_up')).toBe('submitted'); // too recent: the processor may still have it
    // Sweeps until it is applied (a generous deadline), then: applied no earlier than the window allows.
    await waitFor(
      'the sweep to apply the given-up postback',
      async () => {
        await gw.runSweep();
        return (await stateOf('mms_given_up')) === 'delivered' ? true : undefined;
      },
      120_000,
    );
    const store = new DynamoPostbacks(gw.db, gw.tables.postbacks);
    const [received] = (await store.list('applied', 1000)).filter((p) => p.body.includes('"given-up"'));
    const history = (await itemOf('mms_given_up'))?.history as { at: string; ref?: string }[];
    const applied = history.find((entry) => entry.ref === received?.pk);
    expect(applied).toBeDefined();
    expect(Date.parse(applied!.at) - Date.parse(received!.receivedAt)).toBeGreaterThanOrEqual(
      STUCK_AFTER_SECONDS * 1000,
    );
  } finally {
    await gw.startStatusProcessor();
  }
});
