import {
  DeleteCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { INDEX } from '../../definitions/data-model';
import type { SendRequest } from '../domain/sinch/mms';
import type { HistoryEntry, MessageRecord } from '../domain/messages/ports';
import type { RedactionStore } from '../domain/privacy/retention';

const DUE_SHARD = 'due';
/** A redacted record (state, codes, timestamps) stays this long after its retention ended, then TTL deletes it. */
export const STATS_KEEP_SECONDS = 365 * 24 * 3600;

/** Extra attributes of a new message item: the `redact-due` index keys and the TTL after the retention. */
export function redactionKeys(message: MessageRecord): { redactShard?: string; expiresAt?: number } {
  if (!message.redactAfter) return {};
  return {
    redactShard: DUE_SHARD,
    expiresAt: Math.floor(Date.parse(message.redactAfter) / 1000) + STATS_KEEP_SECONDS,
  };
}

/** Redaction in the messages table (through the sparse `redact-due` index) and the postbacks table. */
export class DynamoRedactionStore implements RedactionStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly messagesTable: string,
    private readonly postbacksTable: string,
  ) {}

  async listDue(beforeIso: string, limit: number): Promise<MessageRecord[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.messagesTable,
        IndexName: INDEX.messagesRedactDue,
        KeyConditionExpression: 'redactShard = :due AND redactAfter < :before',
        ExpressionAttributeValues: { ':due': DUE_SHARD, ':before': beforeIso },
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map((item) => {
      const { redactShard: _r, openShard: _o, openSince: _s, expiresAt: _e, ...record } = item;
      return record as MessageRecord;
    });
  }

  async redact(
    id: string,
    expected: { state: MessageRecord['state'] },
    redacted: SendRequest,
    entry: HistoryEntry,
  ): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.messagesTable,
          Key: { id },
          UpdateExpression:
            'SET #request = :request, redactedAt = :at, updatedAt = :at, #history = list_append(#history, :entry) REMOVE redactShard',
          ConditionExpression: '#state = :state AND attribute_not_exists(redactedAt)',
          ExpressionAttributeNames: { '#request': 'request', '#history': 'history', '#state': 'state' },
          ExpressionAttributeValues: {
            ':request': redacted,
            ':at': entry.at,
            ':entry': [entry],
            ':state': expected.state,
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async postpone(id: string, redactAfter: string): Promise<void> {
    await this.db
      .send(
        new UpdateCommand({
          TableName: this.messagesTable,
          Key: { id },
          UpdateExpression: 'SET redactAfter = :after',
          ConditionExpression: 'attribute_exists(redactShard)',
          ExpressionAttributeValues: { ':after': redactAfter },
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      });
  }

  async deletePostbacks(keys: readonly string[]): Promise<void> {
    // A message has a handful of postbacks: one DeleteItem each (no BatchWriteItem permission needed).
    for (const pk of keys) {
      await this.db.send(new DeleteCommand({ TableName: this.postbacksTable, Key: { pk } }));
    }
  }
}
