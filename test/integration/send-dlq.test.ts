/** A message that never succeeds ends failed after the configured attempts and waits in the DLQ: nothing lost. */
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLocalGateway, type LocalGateway } from '../../local/runtime';
import { send, sendmms, waitForState } from './helpers';

let gw: LocalGateway;
beforeAll(async () => {
  gw = await startLocalGateway({
    env: { SEND_MAX_ATTEMPTS: '3', SEND_BACKOFF_MAX_SECONDS: '1' },
    simulator: { faults: { e503: 1 } },
  });
});
afterAll(async () => {
  await gw?.stop();
});

it('after the last attempt the message is failed, says dead-lettered, and is in the DLQ', async () => {
  const answer = await send(gw, sendmms('15554300001'));
  const id = String(answer.body['tracking-id']);
  const message = await waitForState(gw, id, ['failed'], 30_000);
  expect(message).toMatchObject({ attempts: 3, 'last-error-code': 'E503' });
  expect((message.history as Array<{ event: string }>).map((h) => h.event)).toContain('dead-lettered');
  const dlq = await gw.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: gw.queues.sendDlq, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
  );
  const bodies = (dlq.Messages ?? []).map((m) => JSON.parse(m.Body ?? '{}') as { messageId?: string });
  expect(bodies.map((b) => b.messageId)).toContain(id);
  expect(gw.simulator.stats().faults.e503).toBe(3);
});
