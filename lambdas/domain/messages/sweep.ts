/**
 * The scheduled sweep: retries the correlation of pending postbacks, applies postbacks the status processor gave
 * up on (still `received` long after they arrived: its retries ran out while DynamoDB failed), and moves messages
 * that never got a final postback to `unknown` after a configurable time (default 72 h, the longest MMS expiry),
 * so that no message stays open forever. Messages still in the send pipeline (queued, submitting) are left to it.
 */
import type { Clock } from '../ports';
import type { MessageRepository } from './ports';
import type { processPostback } from '../postbacks/apply';
import type { PostbackStore, StoredPostback } from '../postbacks/ports';

export interface SweepDeps {
  readonly messages: MessageRepository;
  readonly postbacks: PostbackStore;
  readonly process: ReturnType<typeof processPostback>;
  readonly clock: Clock;
  readonly unknownAfterMs: number;
  /** A postback still `received` this long after it arrived was given up by the status processor. */
  readonly receivedStuckAfterMs: number;
  readonly batchLimit: number;
}

export interface SweepReport {
  readonly retried: number;
  /** Postbacks the status processor gave up on, applied by this sweep. */
  readonly recovered: number;
  readonly orphaned: number;
  readonly applied: number;
  readonly markedUnknown: number;
}

export function sweep(deps: SweepDeps) {
  return async (): Promise<SweepReport> => {
    let orphaned = 0;
    let applied = 0;
    const seen = new Set<string>();
    /** Applies each postback this run has not seen yet; returns how many that were. */
    const applyEach = async (postbacks: readonly StoredPostback[]): Promise<number> => {
      let count = 0;
      for (const postback of postbacks) {
        if (seen.has(postback.pk)) continue;
        seen.add(postback.pk);
        count += 1;
        const state = await deps.process(postback);
        if (state === 'orphan') orphaned += 1;
        if (state === 'applied') applied += 1;
      }
      return count;
    };
    // The oldest pending postbacks (to park them as orphans) and the newest (so they are not starved by old ones).
    const oldest = await deps.postbacks.list('pending', deps.batchLimit);
    const newest = await deps.postbacks.list('pending', deps.batchLimit, { newestFirst: true });
    // Applying a postback twice is harmless (a duplicate is recognised), so a postback the processor is still
    // working on when the sweep comes by does no harm either.
    const stuck = await deps.postbacks.list('received', deps.batchLimit, {
      receivedBefore: new Date(deps.clock.now().getTime() - deps.receivedStuckAfterMs).toISOString(),
    });
    const recovered = await applyEach(stuck);
    const retried = await applyEach([...oldest, ...newest]);
    let markedUnknown = 0;
    const cutoff = new Date(deps.clock.now().getTime() - deps.unknownAfterMs).toISOString();
    for (const message of await deps.messages.listOpen(cutoff, deps.batchLimit)) {
      if (message.state !== 'submitted' && message.state !== 'sent') continue;
      const moved = await deps.messages.transition(
        message.id,
        { state: message.state, attempts: message.attempts },
        {
          state: 'unknown',
          history: {
            at: deps.clock.now().toISOString(),
            event: 'swept',
            state: 'unknown',
            detail: `no final postback within ${Math.round(deps.unknownAfterMs / 1000)} s`,
          },
        },
      );
      if (moved) markedUnknown += 1;
    }
    return { retried, recovered, orphaned, applied, markedUnknown };
  };
}
