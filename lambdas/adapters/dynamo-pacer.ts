import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { emissionIntervalMs, reserveSlot, type PacerSettings } from '../domain/rate-limit';
import type { SendPacer } from '../domain/ports';

/**
 * The account-wide send bucket, shared by every send worker: one item holding the GCRA theoretical arrival time
 * (TAT). While the bucket is booked ahead (the usual case under load), a reservation is ONE atomic update —
 * `tat = tat + interval` on condition `now ≤ tat ≤ now + maxWait` — so concurrent workers queue inside DynamoDB
 * instead of failing conditional writes and retrying (measured in bench/README.md: a read-then-conditional-put
 * bucket needed 31 DynamoDB calls per reservation with 40 in flight; this needs 1). Only an idle bucket (TAT in
 * the past) or one booked beyond the longest wait falls back to a read and the domain's `reserveSlot`.
 */
export class DynamoSendPacer implements SendPacer {
  private readonly intervalMs: number;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly settings: PacerSettings,
    private readonly bucketKey = 'pacer#sinch-account',
  ) {
    this.intervalMs = emissionIntervalMs(settings);
  }

  async reserve(
    nowMs: number,
  ): Promise<{ ok: true; sendAtMs: number } | { ok: false; retryAfterMs: number }> {
    for (let round = 0; round < 5; round += 1) {
      const now = Math.max(nowMs, Date.now());
      const booked = await this.takeNextBookedSlot(now);
      if (booked !== undefined) return { ok: true, sendAtMs: booked };
      // Idle or booked too far ahead: decide with the domain's maths on the current TAT.
      const current = await this.db.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: this.bucketKey }, ConsistentRead: true }),
      );
      const tat = typeof current.Item?.tat === 'number' ? current.Item.tat : undefined;
      const slot = reserveSlot(tat, now, this.settings);
      if (!slot.ok) return slot;
      if (tat !== undefined && tat >= now) continue; // booked ahead meanwhile: take the next slot atomically
      if (await this.startIdleBucket(now, slot.newTatMs)) return { ok: true, sendAtMs: slot.sendAtMs };
    }
    return { ok: false, retryAfterMs: 1000 };
  }

  /** The next slot of a bucket booked ahead within the longest wait, or undefined. */
  private async takeNextBookedSlot(now: number): Promise<number | undefined> {
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: this.bucketKey },
          UpdateExpression: 'SET tat = tat + :interval',
          ConditionExpression: 'tat BETWEEN :now AND :latest',
          ExpressionAttributeValues: {
            ':interval': this.intervalMs,
            ':now': now,
            ':latest': now + this.settings.maxWaitMs,
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(out.Attributes?.tat) - this.intervalMs;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /** Takes the first slot of an idle bucket (TAT missing or in the past); false when another worker did. */
  private async startIdleBucket(now: number, newTat: number): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: this.bucketKey },
          UpdateExpression: 'SET tat = :next, expiresAt = :expires',
          ConditionExpression: 'attribute_not_exists(tat) OR tat < :now',
          ExpressionAttributeValues: {
            ':next': newTat,
            ':now': now,
            ':expires': Math.ceil(newTat / 1000) + 86_400,
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
