import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { emissionIntervalMs, reserveSlot, type PacerSettings } from '../domain/pacing/rate-limit';
import type { BlockPacer, BlockReservation } from '../domain/pacing/ports';

/**
 * The account-wide send bucket, shared by every send worker: one item holding the GCRA theoretical arrival time
 * (TAT). While the bucket is booked ahead (the usual case under load), a reservation is ONE atomic update —
 * `tat = tat + interval` on condition `now ≤ tat ≤ now + maxWait` — so concurrent workers queue inside DynamoDB
 * instead of failing conditional writes and retrying (measured in bench/README.md: a read-then-conditional-put
 * bucket needed 31 DynamoDB calls per reservation with 40 in flight; this needs 1). Only an idle bucket (TAT in
 * the past) or one booked beyond the longest wait falls back to a read and the domain's `reserveSlot`. A send
 * batch books its slots as one block (`reserveBlock`, handed out by the domain's `batchPacer`): one write per
 * batch instead of one per record.
 */
export class DynamoSendPacer implements BlockPacer {
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
    const block = await this.reserveBlock(nowMs, 1);
    return block.ok ? { ok: true, sendAtMs: block.sendAtMs } : block;
  }

  /** Reserves `count` consecutive slots with one write (while the bucket is booked ahead, the usual case). */
  async reserveBlock(nowMs: number, count: number): Promise<BlockReservation> {
    const intervalMs = this.intervalMs;
    for (let round = 0; round < 5; round += 1) {
      const now = Math.max(nowMs, Date.now());
      const booked = await this.takeNextBookedSlots(now, count);
      if (booked !== undefined) return { ok: true, sendAtMs: booked, intervalMs, count };
      // Idle or booked too far ahead: decide with the domain's maths on the current TAT.
      const current = await this.db.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: this.bucketKey }, ConsistentRead: true }),
      );
      const tat = typeof current.Item?.tat === 'number' ? current.Item.tat : undefined;
      const slot = reserveSlot(tat, now, this.settings, count);
      if (!slot.ok) return slot;
      if (tat !== undefined && tat >= now) continue; // booked ahead meanwhile: take the next slots atomically
      if (await this.startIdleBucket(now, slot.newTatMs)) {
        return { ok: true, sendAtMs: slot.sendAtMs, intervalMs, count };
      }
    }
    return { ok: false, retryAfterMs: 1000 };
  }

  /** The first of the next `count` slots of a bucket booked ahead, if they all start within the longest wait. */
  private async takeNextBookedSlots(now: number, count: number): Promise<number | undefined> {
    const span = count * this.intervalMs;
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: this.bucketKey },
          UpdateExpression: 'SET tat = tat + :span',
          ConditionExpression: 'tat BETWEEN :now AND :latest',
          ExpressionAttributeValues: {
            ':span': span,
            ':now': now,
            // The last slot starts at tat + (count − 1) × interval.
            ':latest': now + this.settings.maxWaitMs - (count - 1) * this.intervalMs,
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(out.Attributes?.tat) - span;
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
