/**
 * The RecurringRepository on DynamoDB: one item per recurring send, keyed by id, with a `by-team` index for the
 * team's list. The message body is stored as JSON text, so it comes back exactly as the team gave it.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  paginateQuery,
  UpdateCommand,
  type QueryCommandInput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { INDEX } from '../../definitions/data-model';
import type {
  FiringSummary,
  RecurringRepository,
  RecurringSchedule,
  RecurringState,
} from '../domain/recurring/ports';
import { MAX_SCHEDULES_PER_TEAM } from '../domain/recurring/recurring';

type Item = Omit<RecurringSchedule, 'message'> & { messageJson: string };

const toItem = ({ message, ...rest }: RecurringSchedule): Item => ({
  ...rest,
  messageJson: JSON.stringify(message),
});
const fromItem = (item: Record<string, unknown>): RecurringSchedule => {
  const { messageJson, ...rest } = item as Item;
  return { ...rest, message: JSON.parse(messageJson) as Record<string, unknown> };
};
const isConditionFailure = (error: unknown): boolean => error instanceof ConditionalCheckFailedException;

export class DynamoRecurring implements RecurringRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(schedule: RecurringSchedule): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(schedule),
          ConditionExpression: 'attribute_not_exists(id)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async get(id: string): Promise<RecurringSchedule | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { id }, ConsistentRead: true }),
    );
    return out.Item ? fromItem(out.Item) : undefined;
  }

  async listByTeam(teamId: string): Promise<RecurringSchedule[]> {
    // A team has at most MAX_SCHEDULES_PER_TEAM; one page (1 MB) may not hold them all, so page on.
    const items: Record<string, unknown>[] = [];
    for await (const page of this.teamPages(teamId, { ScanIndexForward: false })) {
      items.push(...(page.Items ?? []));
      if (items.length > MAX_SCHEDULES_PER_TEAM) break;
    }
    return items.map(fromItem);
  }

  async countByTeam(teamId: string): Promise<number> {
    let count = 0;
    for await (const page of this.teamPages(teamId, { Select: 'COUNT' })) count += page.Count ?? 0;
    return count;
  }

  /** Every page of the team's schedules in the by-team index. */
  private teamPages(teamId: string, options: Pick<QueryCommandInput, 'ScanIndexForward' | 'Select'>) {
    return paginateQuery(
      { client: this.db },
      {
        TableName: this.tableName,
        IndexName: INDEX.recurringByTeam,
        KeyConditionExpression: 'teamId = :t',
        ExpressionAttributeValues: { ':t': teamId },
        ...options,
      },
    );
  }

  async setState(id: string, state: RecurringState, at: string): Promise<RecurringSchedule | undefined> {
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { id },
          UpdateExpression: 'SET #state = :state, updatedAt = :at',
          ConditionExpression: 'attribute_exists(id)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':state': state, ':at': at },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes ? fromItem(out.Attributes) : undefined;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async recordFiring(id: string, summary: FiringSummary): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { id },
          // Only a newer occurrence replaces the summary; a redelivered old firing changes nothing.
          UpdateExpression: 'SET lastFiring = :summary, firings = firings + :one',
          ConditionExpression:
            'attribute_exists(id) AND (attribute_not_exists(lastFiring) OR lastFiring.scheduledTime < :time)',
          ExpressionAttributeValues: { ':summary': summary, ':one': 1, ':time': summary.scheduledTime },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async delete(id: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: { id } }));
  }
}
