import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
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
    if (state === 'applied') {
      // Applied postbacks leave the by-state index (nobody lists them): one index delete, no index copy.
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk },
          UpdateExpression: 'SET outcome = :applied REMOVE #state',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':applied': 'applied' },
        }),
      );
      return;
    }
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

  /**
   * Marks many postbacks applied with BatchWriteItem (25 a call): `stored` are their items as the stream delivered
   * them (the postback Lambda never changes an item after storing it), written back without `state` and with
   * `outcome: applied`, exactly what `mark(pk, 'applied')` leaves.
   */
  async markAppliedAll(stored: ReadonlyArray<Record<string, unknown>>): Promise<void> {
    for (let i = 0; i < stored.length; i += 25) {
      let requests = stored.slice(i, i + 25).map((item) => {
        const { state: _state, ...rest } = item;
        return { PutRequest: { Item: { ...rest, outcome: 'applied' } } };
      });
      for (let round = 0; requests.length > 0; round += 1) {
        if (round >= 8) throw new Error(`BatchWriteItem left ${requests.length} postback marks unprocessed`);
        if (round > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** round)));
        const out = await this.db.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }),
        );
        requests = (out.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
      }
    }
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
