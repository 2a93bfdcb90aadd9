/**
 * Usage counters and the webhook delivery log of each team, in the control table:
 * `USAGE#<team>#<YYYY-MM-DD>` (one number attribute per kind, kept 400 days) and `WEBHOOK-LOG#<team>` (a list of
 * the most recent attempts, capped, kept 30 days after the last one).
 */
import {
  BatchGetCommand,
  GetCommand,
  UpdateCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { USAGE_KINDS, utcDay, type UsageCounter, type UsageCounts } from '../domain/teams/usage';
import { DELIVERY_LOG_SIZE, type DeliveryAttempt, type DeliveryLog } from '../domain/webhooks/delivery-log';

const usagePk = (teamId: string, day: string) => `USAGE#${teamId}#${day}`;
const logPk = (teamId: string) => `WEBHOOK-LOG#${teamId}`;
const DAY_SECONDS = 86_400;

export class DynamoUsageCounter implements UsageCounter {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async add(teamId: string, kind: (typeof USAGE_KINDS)[number], at: Date, amount = 1): Promise<void> {
    const day = utcDay(at);
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: usagePk(teamId, day) },
        UpdateExpression: 'ADD #kind :n SET expiresAt = if_not_exists(expiresAt, :ttl)',
        ExpressionAttributeNames: { '#kind': kind },
        ExpressionAttributeValues: {
          ':n': amount,
          ':ttl': Math.floor(Date.parse(`${day}T00:00:00Z`) / 1000) + 400 * DAY_SECONDS,
        },
      }),
    );
  }

  async read(teamId: string, days: readonly string[]): Promise<ReadonlyMap<string, Partial<UsageCounts>>> {
    const out = new Map<string, Partial<UsageCounts>>();
    for (let i = 0; i < days.length; i += 100) {
      let keys: Record<string, unknown>[] | undefined = days
        .slice(i, i + 100)
        .map((day) => ({ pk: usagePk(teamId, day) }));
      for (let round = 0; keys && keys.length > 0 && round < 10; round += 1) {
        const page: BatchGetCommandOutput = await this.db.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }),
        );
        for (const item of page.Responses?.[this.tableName] ?? []) {
          const day = String(item.pk).slice(-10);
          const counts: Partial<UsageCounts> = {};
          for (const kind of USAGE_KINDS) if (typeof item[kind] === 'number') counts[kind] = item[kind];
          out.set(day, counts);
        }
        keys = page.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return out;
  }
}

export class DynamoDeliveryLog implements DeliveryLog {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async record(teamId: string, attempt: DeliveryAttempt): Promise<void> {
    const out = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: logPk(teamId) },
        UpdateExpression:
          'SET attempts = list_append(if_not_exists(attempts, :empty), :one), expiresAt = :ttl',
        ExpressionAttributeValues: {
          ':empty': [],
          ':one': [attempt],
          ':ttl': Math.floor(Date.parse(attempt.at) / 1000) + 30 * DAY_SECONDS,
        },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const length = Array.isArray(out.Attributes?.attempts) ? out.Attributes.attempts.length : 0;
    if (length > DELIVERY_LOG_SIZE) {
      // Drop the oldest entries; a concurrent append may make the list briefly longer than the cap.
      const excess = Array.from({ length: length - DELIVERY_LOG_SIZE }, (_, i) => `attempts[${i}]`);
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: logPk(teamId) },
          UpdateExpression: `REMOVE ${excess.join(', ')}`,
        }),
      );
    }
  }

  async recent(teamId: string, limit: number): Promise<DeliveryAttempt[]> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: logPk(teamId) }, ConsistentRead: true }),
    );
    const attempts = Array.isArray(out.Item?.attempts) ? (out.Item.attempts as DeliveryAttempt[]) : [];
    return attempts.slice(-limit).reverse();
  }
}
