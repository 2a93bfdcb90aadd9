import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { MessageRecord } from '../domain/messages/ports';
import { batchGetMessages, DynamoMessageRepository } from './message-repository';

/** BatchGetItem reads at most 100 keys per call. */
const MAX_KEYS = 100;

/**
 * The message repository of a batch handler (send worker, status processor): the records of one batch are
 * handled concurrently and each first reads its message, so the reads asked for in the same turn of the event
 * loop are served by one strongly consistent BatchGetItem instead of one GetItem each (a send batch of 10 costs
 * 1 read call instead of 10). A read that is alone still costs one call; everything else is the plain repository.
 */
export class CoalescedMessageRepository extends DynamoMessageRepository {
  private pending = new Map<string, Array<(result: MessageRecord | undefined | Error) => void>>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {
    super(client, table);
  }

  override get(id: string): Promise<MessageRecord | undefined> {
    if (this.pending.size === 0) setImmediate(() => void this.flush());
    return new Promise((resolve, reject) => {
      const waiting = this.pending.get(id) ?? [];
      waiting.push((result) => (result instanceof Error ? reject(result) : resolve(result)));
      this.pending.set(id, waiting);
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    const ids = [...batch.keys()];
    for (let i = 0; i < ids.length; i += MAX_KEYS) {
      const chunk = ids.slice(i, i + MAX_KEYS);
      try {
        const found =
          chunk.length === 1
            ? await this.one(chunk[0] as string)
            : await batchGetMessages(this.client, this.table, chunk, { consistent: true });
        for (const id of chunk) for (const settle of batch.get(id) ?? []) settle(found.get(id));
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        for (const id of chunk) for (const settle of batch.get(id) ?? []) settle(failure);
      }
    }
  }

  private async one(id: string): Promise<Map<string, MessageRecord>> {
    const record = await super.get(id);
    return new Map(record ? [[id, record]] : []);
  }
}
