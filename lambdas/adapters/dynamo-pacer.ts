import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { reserveSlot, type PacerSettings } from '../domain/rate-limit';
import type { SendPacer } from '../domain/ports';

/**
 * The account-wide send bucket, shared by every send worker: one item holding the GCRA theoretical arrival
 * time, advanced with a conditional write. A lost race re-reads and tries again.
 */
export class DynamoSendPacer implements SendPacer {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly settings: PacerSettings,
    private readonly bucketKey = 'pacer#sinch-account',
  ) {}

  async reserve(
    nowMs: number,
  ): Promise<{ ok: true; sendAtMs: number } | { ok: false; retryAfterMs: number }> {
    for (let round = 0; round < 50; round += 1) {
      const current = await this.db.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: this.bucketKey }, ConsistentRead: true }),
      );
      const tat = typeof current.Item?.tat === 'number' ? current.Item.tat : undefined;
      const now = Math.max(nowMs, Date.now());
      const slot = reserveSlot(tat, now, this.settings);
      if (!slot.ok) return slot;
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              pk: this.bucketKey,
              tat: slot.newTatMs,
              expiresAt: Math.ceil(slot.newTatMs / 1000) + 86_400,
            },
            ConditionExpression: tat === undefined ? 'attribute_not_exists(pk)' : 'tat = :tat',
            ...(tat === undefined ? {} : { ExpressionAttributeValues: { ':tat': tat } }),
          }),
        );
        return { ok: true, sendAtMs: slot.sendAtMs };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // Another worker took this slot; read the new state and take the next one.
      }
    }
    return { ok: false, retryAfterMs: 1000 };
  }
}
