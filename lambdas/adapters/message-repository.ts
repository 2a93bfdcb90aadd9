import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { INDEX } from '../../definitions/data-model';
import type { HistoryEntry, MessageRecord, MessageRepository, StateChange } from '../domain/messages/ports';
import { isTerminal } from '../domain/messages/state-machine';
import { appendHistoryEntry, transitionItem } from './dynamo-state';
import { redactionKeys } from './dynamo-redaction';

/** Messages keep their records this long after creation (TTL), then DynamoDB removes them. */
export const RETENTION_SECONDS = 90 * 24 * 3600;
const OPEN_SHARD = 'open';

type Item = MessageRecord & {
  openShard?: string;
  openSince?: string;
  expiresAt: number;
  redactShard?: string;
};

const toRecord = (item: Record<string, unknown>): MessageRecord => {
  const { openShard: _o, openSince: _s, expiresAt: _e, redactShard: _r, ...record } = item as unknown as Item;
  return record;
};

export class DynamoMessageRepository implements MessageRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(message: MessageRecord): Promise<boolean> {
    const item: Item = {
      ...message,
      openShard: OPEN_SHARD,
      openSince: message.createdAt,
      expiresAt: Math.floor(Date.parse(message.createdAt) / 1000) + RETENTION_SECONDS,
      ...redactionKeys(message),
    };
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(id)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async get(id: string): Promise<MessageRecord | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { id }, ConsistentRead: true }),
    );
    return out.Item ? toRecord(out.Item) : undefined;
  }

  async findByClientReference(teamId: string, clientReference: string): Promise<MessageRecord[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: INDEX.messagesByClientReference,
        KeyConditionExpression: 'teamId = :t AND clientReference = :c',
        ExpressionAttributeValues: { ':t': teamId, ':c': clientReference },
        Limit: 100,
      }),
    );
    return (out.Items ?? []).map(toRecord);
  }

  async findBySinchTrackingId(sinchTrackingId: string): Promise<MessageRecord | undefined> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: INDEX.messagesBySinchTrackingId,
        KeyConditionExpression: 'sinchTrackingId = :s',
        ExpressionAttributeValues: { ':s': sinchTrackingId },
        Limit: 1,
      }),
    );
    const item = out.Items?.[0];
    // The index is eventually consistent: read the item itself for its current state.
    return item ? this.get(String(item.id)) : undefined;
  }

  async transition(
    id: string,
    expected: { state: MessageRecord['state']; attempts: number },
    change: StateChange,
  ): Promise<boolean> {
    const { state, history, ...set } = change;
    // Final and swept messages leave the open index.
    const closes = isTerminal(state) || state === 'unknown';
    return transitionItem(this.db, this.tableName, id, expected, {
      state,
      history,
      set,
      ...(closes ? { remove: ['openShard', 'openSince'] } : {}),
    });
  }

  async listOpen(beforeIso: string, limit: number): Promise<MessageRecord[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: INDEX.messagesOpenByAge,
        KeyConditionExpression: 'openShard = :open AND openSince < :before',
        ExpressionAttributeValues: { ':open': OPEN_SHARD, ':before': beforeIso },
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map(toRecord);
  }

  async appendHistory(id: string, entry: HistoryEntry): Promise<void> {
    await appendHistoryEntry(this.db, this.tableName, id, entry);
  }
}
