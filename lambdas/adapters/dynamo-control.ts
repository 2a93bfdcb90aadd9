import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { IdempotencyClaim, IdempotencyStore, StoredResponse } from '../domain/messages/ports';
import type { Team } from '../domain/teams/ports';
import type { UsageDecision, UsageLimiter } from '../domain/pacing/ports';
import { teamWindows } from '../domain/pacing/rate-limit';

/** Idempotency keys live 24 h. */
const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
/** A claim whose request never completed (crash) may be taken over after this long. */
const IN_PROGRESS_TIMEOUT_MS = 60_000;

const idempotencyKey = (teamId: string, key: string) => `idem#${teamId}#${key}`;

/** Idempotency records in the control table: one conditional put claims a key for one request body. */
export class DynamoIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async claim(teamId: string, key: string, requestHash: string, now: Date): Promise<IdempotencyClaim> {
    const pk = idempotencyKey(teamId, key);
    const nowMs = now.getTime();
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk,
            requestHash,
            status: 'in-progress',
            claimedAt: nowMs,
            expiresAt: Math.floor(nowMs / 1000) + IDEMPOTENCY_TTL_SECONDS,
          },
          // A new key, an expired one (TTL deletion is lazy), or an abandoned claim.
          ConditionExpression:
            'attribute_not_exists(pk) OR expiresAt < :nowSeconds OR (#status = :inProgress AND claimedAt < :stale AND requestHash = :hash)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':nowSeconds': Math.floor(nowMs / 1000),
            ':inProgress': 'in-progress',
            ':stale': nowMs - IN_PROGRESS_TIMEOUT_MS,
            ':hash': requestHash,
          },
        }),
      );
      return { status: 'new' };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const existing = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { pk }, ConsistentRead: true }),
    );
    const item = existing.Item;
    if (!item) return this.claim(teamId, key, requestHash, now);
    if (item.requestHash !== requestHash) return { status: 'conflict' };
    if (item.status === 'completed') return { status: 'replay', response: item.response as StoredResponse };
    return { status: 'in-progress' };
  }

  async complete(teamId: string, key: string, response: StoredResponse): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: idempotencyKey(teamId, key) },
        UpdateExpression: 'SET #status = :completed, #response = :response',
        ExpressionAttributeNames: { '#status': 'status', '#response': 'response' },
        ExpressionAttributeValues: { ':completed': 'completed', ':response': response },
      }),
    );
  }

  async release(teamId: string, key: string): Promise<void> {
    await this.db
      .send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: idempotencyKey(teamId, key) },
          ConditionExpression: '#status = :inProgress',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':inProgress': 'in-progress' },
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      });
  }
}

/**
 * Per-team rate (messages per second) and quota (messages per UTC day) as counters in the control table. Each
 * window is one atomic, conditional ADD: a request over the limit is refused and counts nothing.
 */
export class DynamoUsageLimiter implements UsageLimiter {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async consume(team: Team, messages: number, now: Date): Promise<UsageDecision> {
    const windows = teamWindows(team.id, now.getTime());
    const nowMs = now.getTime();
    if (!(await this.add(windows.second.key, messages, team.limits.perSecond, windows.second.endsAtMs))) {
      return {
        ok: false,
        code: 'GW-RATE-LIMITED',
        retryAfterSeconds: Math.max(1, Math.ceil((windows.second.endsAtMs - nowMs) / 1000)),
      };
    }
    if (!(await this.add(windows.day.key, messages, team.limits.perDay, windows.day.endsAtMs))) {
      // Give the second's count back: these messages were not accepted.
      await this.add(windows.second.key, -messages, undefined, windows.second.endsAtMs);
      return {
        ok: false,
        code: 'GW-QUOTA-EXCEEDED',
        retryAfterSeconds: Math.max(1, Math.ceil((windows.day.endsAtMs - nowMs) / 1000)),
      };
    }
    return { ok: true };
  }

  /** What `consume` would decide now, read from the same counters without changing them. */
  async check(team: Team, messages: number, now: Date): Promise<UsageDecision> {
    const windows = teamWindows(team.id, now.getTime());
    const used = async (pk: string) => {
      const out = await this.db.send(
        new GetCommand({ TableName: this.tableName, Key: { pk }, ConsistentRead: true }),
      );
      return Number(out.Item?.used ?? 0);
    };
    const retryAfter = (endsAtMs: number) => Math.max(1, Math.ceil((endsAtMs - now.getTime()) / 1000));
    if ((await used(windows.second.key)) + messages > team.limits.perSecond) {
      return { ok: false, code: 'GW-RATE-LIMITED', retryAfterSeconds: retryAfter(windows.second.endsAtMs) };
    }
    if ((await used(windows.day.key)) + messages > team.limits.perDay) {
      return { ok: false, code: 'GW-QUOTA-EXCEEDED', retryAfterSeconds: retryAfter(windows.day.endsAtMs) };
    }
    return { ok: true };
  }

  /** Adds `amount` to a window's counter if the result stays within `limit` (no limit: always). */
  private async add(
    pk: string,
    amount: number,
    limit: number | undefined,
    endsAtMs: number,
  ): Promise<boolean> {
    if (limit !== undefined && amount > limit) return false;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk },
          UpdateExpression: 'ADD used :n SET expiresAt = :exp',
          ...(limit !== undefined
            ? { ConditionExpression: 'attribute_not_exists(used) OR used <= :room' }
            : {}),
          ExpressionAttributeValues: {
            ':n': amount,
            ':exp': Math.ceil(endsAtMs / 1000) + 3600,
            ...(limit !== undefined ? { ':room': limit - amount } : {}),
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
