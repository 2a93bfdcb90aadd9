import { createHash } from 'node:crypto';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { MediaCheckCache, UrlFacts } from '../domain/media/ports';

/**
 * The media check's per-URL result cache in the media-cache table: key = SHA-256 of the URL (URLs may be long),
 * `expiresAt` is the TTL attribute. DynamoDB deletes expired items lazily (and DynamoDB Local never), so reads
 * ignore an item whose time has passed.
 */
export class DynamoMediaCache implements MediaCheckCache {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(url: string, now: Date): Promise<UrlFacts | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { pk: keyOf(url) } }));
    const item = out.Item;
    if (!item || Number(item.expiresAt) * 1000 <= now.getTime()) return undefined;
    return JSON.parse(String(item.facts)) as UrlFacts;
  }

  async put(url: string, facts: UrlFacts, expiresAt: Date): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: keyOf(url),
          facts: JSON.stringify(facts),
          expiresAt: Math.floor(expiresAt.getTime() / 1000),
        },
      }),
    );
  }
}

const keyOf = (url: string) => `URL#${createHash('sha256').update(url, 'utf8').digest('hex')}`;
