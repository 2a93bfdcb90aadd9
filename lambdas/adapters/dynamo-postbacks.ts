import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { INDEX } from '../../definitions/data-model';
import type { PostbackState, PostbackStore, StoredPostback } from '../domain/postbacks/ports';

/** Raw postbacks are kept 30 days (TTL), long enough for any investigation. */
const RETENTION_SECONDS = 30 * 24 * 3600;

export interface RawPostback {
  readonly pk: string;
  readonly body: string;
  readonly receivedAt: string;
  readonly sourceIp: string;
  readonly trackingId?: string;
  readonly code?: string;
}

export class DynamoPostbacks implements PostbackStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Stores a raw postback once; returns false when the same postback was stored before (a retry/duplicate). */
  async storeRaw(postback: RawPostback): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...postback,
            state: 'received',
            expiresAt: Math.floor(Date.parse(postback.receivedAt) / 1000) + RETENTION_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async mark(pk: string, state: PostbackState, detail?: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk },
        UpdateExpression: `SET #state = :state${detail ? ', detail = :detail' : ''}`,
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':state': state, ...(detail ? { ':detail': detail } : {}) },
      }),
    );
  }

  async list(
    state: PostbackState,
    limit: number,
    options: { newestFirst?: boolean; receivedBefore?: string } = {},
  ): Promise<StoredPostback[]> {
    const before = options.receivedBefore;
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: INDEX.postbacksByState,
        KeyConditionExpression: `#state = :state${before !== undefined ? ' AND receivedAt < :before' : ''}`,
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':state': state,
          ...(before !== undefined ? { ':before': before } : {}),
        },
        ScanIndexForward: !options.newestFirst,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map((i) => ({
      pk: String(i.pk),
      body: String(i.body),
      receivedAt: String(i.receivedAt),
    }));
  }
}
