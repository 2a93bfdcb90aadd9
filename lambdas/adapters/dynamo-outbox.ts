import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PublishedEventLog } from '../domain/messages/status-events';

/** Stream records are retried for at most a day; a week of memory covers every redelivery. */
const PUBLISHED_TTL_SECONDS = 7 * 24 * 3600;

const key = (eventId: string) => `published#${eventId}`;

/** The status publisher's record of published event ids, in the control table (short-lived items, TTL). */
export class DynamoPublishedEvents implements PublishedEventLog {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async wasPublished(eventId: string): Promise<boolean> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: key(eventId) }, ConsistentRead: true }),
    );
    return out.Item !== undefined;
  }

  async markPublished(eventId: string, at: Date): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: key(eventId),
          publishedAt: at.toISOString(),
          expiresAt: Math.floor(at.getTime() / 1000) + PUBLISHED_TTL_SECONDS,
        },
      }),
    );
  }
}
