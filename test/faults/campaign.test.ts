/**
 * The short fault campaign (the 2,000 messages take ~10 minutes on a 2-core machine; 400 take about
 * 2–3): every message through the whole local gateway while Sinch misbehaves and the gateway's own parts are
 * killed and restarted. The long one is `npm run test:faults` (test/faults/run-campaign.ts, 10,000 messages).
 * What each figure means: docs/reliability.md.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCampaign, type CampaignResult } from './campaign';

const MESSAGES = Number(process.env.FAULT_CAMPAIGN_MESSAGES ?? 400);

let result: CampaignResult;
beforeAll(async () => {
  result = await runCampaign({
    messages: MESSAGES,
    ...(process.env.FAULT_CAMPAIGN_SEED ? { seed: Number(process.env.FAULT_CAMPAIGN_SEED) } : {}),
    workerKills: 6,
    processorRestarts: 6,
    dynamoRestarts: 1,
  });
});
afterAll(() => {
  // The seed replays the same plan and the same simulator faults (timing still varies).
  if (result) console.log(`fault campaign seed: ${result.seed}`);
});

describe(`fault campaign: ${MESSAGES} messages, Sinch faults, killed workers and processors, a DynamoDB restart`, () => {
  it('did what it set out to do', () => {
    expect(result.accepted).toBe(MESSAGES);
    expect(result.chaos.workerKills).toBeGreaterThanOrEqual(5);
    expect(result.chaos.processorRestarts).toBeGreaterThanOrEqual(5);
    expect(result.chaos.dynamoRestarts).toBe(1);
    expect(result.sinch.e113).toBeGreaterThan(0);
    const f = result.sinch.faults;
    expect(f.e503 ?? 0).toBeGreaterThan(0);
    expect((f.http502 ?? 0) + (f.slow ?? 0) + (f.drop ?? 0)).toBeGreaterThan(0);
    expect(result.sinch.postbacks.duplicated).toBeGreaterThan(0);
    expect(result.sinch.postbacks.reordered).toBeGreaterThan(0);
  });

  it('lost no message: each one is terminal or in the DLQ', () => {
    // TODO(bug: shared BatchProcessor across concurrent local invocations): lambdas/handlers/send.ts keeps one
    // module-level Powertools BatchProcessor; the local runtime runs 2+ send batches of that module at once, and
    // a batch that starts meanwhile resets the processor's failure list (prepare()), so an item that failed
    // (e.g. DynamoDB refused while restarting) is not reported, the poller deletes it, and its message stays
    // `queued`/`submitting` for ever (seen: 9 consecutive `queued` messages lost in a 2,000-message run; also
    // "Invalid batch response" errors listing 20 ids for a batch of 10). Lambda runs one invocation per
    // environment, so AWS is not affected; create the processor per invocation, or give each local worker its own
    // module instance. Fails when the DynamoDB restart falls on two concurrent batches.
    expect(result.lost).toEqual([]);
  });

  it('every message ends in the state its destination number prescribes', () => {
    expect(result.mismatches).toEqual([]);
  });

  it('every second accepted send at Sinch is explained by a retry after an ambiguous timeout', () => {
    // TODO(bug: silent resend after an unrecorded acceptance): when the send worker's write of `submitted`
    // fails after Sinch accepted (DynamoDB restarting) or the worker dies there, SQS redelivers the item, the
    // message is still `submitting` with the same attempts, and lambdas/domain/send.ts claims and sends it again
    // without a `retry-after-ambiguous-timeout` entry (history: attempt, attempt, submitted). The re-claim of a
    // `submitting` message is itself an ambiguous retry and should be recorded (or failed, under
    // AMBIGUOUS_TIMEOUT_POLICY=fail).
    // TODO(bug: idempotency lost after a failure mid-accept): when DynamoDB fails after the message was created
    // and queued but before the Idempotency-Key was completed (lambdas/domain/accept.ts), the caller gets 500,
    // the key stays `in-progress`, and the retry with the same key 60 s later creates and sends a second message
    // (`unreported` in the summary).
    // Both fail this assertion whenever the DynamoDB restart falls on a send or an accept.
    expect(result.unexplainedDuplicates).toEqual([]);
    expect(result.unreported).toBe(0);
  });
});
