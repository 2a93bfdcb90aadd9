/**
 * The ports of this capability: what its use cases need from the outside world. Adapters (lambdas/adapters/) implement them.
 */
import type { Postback } from './parsing';

export type PostbackState = 'received' | 'pending' | 'applied' | 'orphan' | 'ignored';

export interface StoredPostback {
  readonly pk: string;
  readonly body: string;
  readonly receivedAt: string;
}

export interface PostbackStore {
  mark(pk: string, state: PostbackState, detail?: string): Promise<void>;
  /** Postbacks in `state`, oldest first (or newest first); only those received before `receivedBefore` if given. */
  list(
    state: PostbackState,
    limit: number,
    options?: { newestFirst?: boolean; receivedBefore?: string },
  ): Promise<StoredPostback[]>;
}

export interface EventPublisher {
  publish(detailType: string, detail: Record<string, unknown>): Promise<void>;
}

/** Optional handler for template postbacks (N003, E002–E004) and postbacks about template submissions. */
export interface TemplatePostbackHandler {
  handle(postback: Postback, ref: string): Promise<'applied' | 'not-mine'>;
}
