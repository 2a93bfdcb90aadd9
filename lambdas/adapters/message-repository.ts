import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { INDEX } from '../../lib/data-model';
import type { HistoryEntry, MessageRecord, MessageRepository, StateChange } from '../domain/ports';
import { isTerminal } from '../domain/status';

/** Messages keep their records this long after creation (TTL), then DynamoDB removes them. */
const RETENTION_SECONDS = 90 * 24 * 3600;
const OPEN_SHARD = 'open';

type Item = MessageRecord & { openShard?: string; openSince?: string; expiresAt: number };

const toRecord = (item: Record<string, unknown>): MessageRecord => {
  const { openShard: _o, openSince: _s, expiresAt: _e, ...record } = item as unknown as Item;
  return record;
};

export class DynamoMessageRepository implements MessageRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(message: MessageRecord): Promise<void> {
    const item: Item = {
      ...message,
      openShard: OPEN_SHARD,
      openSince: message.createdAt,
      expiresAt: Math.floor(Date.parse(message.createdAt) / 1000) + RETENTION_SECONDS,
    };
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: item,
        ConditionExpression: 'attribute_not_exists(id)',
      }),
    );
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
    const names: Record<string, string> = { '#state': 'state', '#history': 'history' };
    const values: Record<string, unknown> = {
      ':expectedState': expected.state,
      ':expectedAttempts': expected.attempts,
      ':state': change.state,
      ':updatedAt': change.history.at,
      ':entry': [change.history],
    };
    const sets = ['#state = :state', 'updatedAt = :updatedAt', '#history = list_append(#history, :entry)'];
    const removes: string[] = [];
    const optional = ['attempts', 'sinchTrackingId', 'lastErrorCode', 'lastErrorInfo'] as const;
    for (const field of optional) {
      const value = change[field];
      if (value !== undefined) {
        sets.push(`${field} = :${field}`);
        values[`:${field}`] = value;
      }
    }
    // Final and swept messages leave the open index.
    if (isTerminal(change.state) || change.state === 'unknown') removes.push('openShard', 'openSince');
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { id },
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: '#state = :expectedState AND attempts = :expectedAttempts',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
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
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { id },
        UpdateExpression: 'SET #history = list_append(#history, :entry), updatedAt = :at',
        ConditionExpression: 'attribute_exists(id)',
        ExpressionAttributeNames: { '#history': 'history' },
        ExpressionAttributeValues: { ':entry': [entry], ':at': entry.at },
      }),
    );
  }
}
