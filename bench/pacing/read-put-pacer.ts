/**
 * The send bucket as it was before commit 32d2ceb (lambdas/adapters/dynamo-pacer.ts then): every reservation
 * reads the TAT and writes the next one with a conditional put; a lost race reads again, up to 50 rounds. Kept
 * in the benchmark only, as the baseline of the contention measurement, so that the gain of the atomic update
 * the gateway uses now is measured in the same run on the same machine. Not used by the gateway.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { reserveSlot, type PacerSettings } from '../../lambdas/domain/pacing/rate-limit';
import type { SendPacer } from '../../lambdas/domain/pacing/ports';

export class ReadThenPutPacer implements SendPacer {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly settings: PacerSettings,
    private readonly bucketKey: string,
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
      }
    }
    return { ok: false, retryAfterMs: 1000 };
  }
}
