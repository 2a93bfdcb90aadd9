import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  DeleteCommand,
  PutCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { GatewayError } from '../domain/sinch/error-codes';
import {
  ALL_SENDERS,
  type SuppressionEntry,
  type SuppressionPage,
  type SuppressionReason,
  type SuppressionStore,
} from '../domain/consent/suppression';

const pk = (teamId: string) => `TEAM#${teamId}`;
const sk = (recipient: string, sender: string) => `${recipient}#${sender}`;

const toEntry = (item: Record<string, unknown>): SuppressionEntry => ({
  teamId: String(item.teamId),
  recipient: String(item.recipient),
  sender: String(item.sender),
  reason: item.reason as SuppressionReason,
  source: String(item.source),
  createdAt: String(item.createdAt),
});

/** BatchGetItem takes at most 100 keys. */
const BATCH = 100;

/** The suppressions table: `pk` = `TEAM#<team>`, `sk` = `<recipient>#<sender or *>`. */
export class DynamoSuppressions implements SuppressionStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async find(teamId: string, sender: string, recipients: readonly string[]): Promise<SuppressionEntry[]> {
    const keys = [...new Set(recipients)].flatMap((r) => [
      { pk: pk(teamId), sk: sk(r, sender) },
      { pk: pk(teamId), sk: sk(r, ALL_SENDERS) },
    ]);
    const found: SuppressionEntry[] = [];
    for (let i = 0; i < keys.length; i += BATCH) {
      let pending: Record<string, unknown>[] | undefined = keys.slice(i, i + BATCH);
      for (let round = 0; pending && pending.length > 0; round += 1) {
        if (round > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** Math.min(round, 6)));
        const out: BatchGetCommandOutput = await this.db.send(
          new BatchGetCommand({
            RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } },
          }),
        );
        found.push(...(out.Responses?.[this.tableName] ?? []).map(toEntry));
        pending = out.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return found;
  }

  async put(entry: SuppressionEntry): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: pk(entry.teamId), sk: sk(entry.recipient, entry.sender), ...entry },
      }),
    );
  }

  async remove(
    teamId: string,
    recipient: string,
    sender: string,
    options: { readonly onlyReason?: SuppressionReason } = {},
  ): Promise<SuppressionEntry | undefined> {
    try {
      const out = await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: pk(teamId), sk: sk(recipient, sender) },
          ReturnValues: 'ALL_OLD',
          ...(options.onlyReason
            ? {
                ConditionExpression: 'attribute_not_exists(pk) OR reason = :reason',
                ExpressionAttributeValues: { ':reason': options.onlyReason },
              }
            : {}),
        }),
      );
      return out.Attributes ? toEntry(out.Attributes) : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  async list(
    teamId: string,
    options: { readonly sender?: string; readonly limit: number; readonly cursor?: string },
  ): Promise<SuppressionPage> {
    const start = options.cursor ? decodeCursor(options.cursor, teamId) : undefined;
    const entries: SuppressionEntry[] = [];
    let next: Record<string, unknown> | undefined = start;
    // With a sender filter a page of the table may hold fewer matches: read on until the page is full.
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ...(options.sender !== undefined
            ? {
                FilterExpression: 'sender = :sender OR sender = :all',
                ExpressionAttributeValues: {
                  ':pk': pk(teamId),
                  ':sender': options.sender,
                  ':all': ALL_SENDERS,
                },
              }
            : { ExpressionAttributeValues: { ':pk': pk(teamId) } }),
          Limit: options.limit - entries.length,
          ...(next ? { ExclusiveStartKey: next } : {}),
        }),
      );
      entries.push(...(out.Items ?? []).map(toEntry));
      next = out.LastEvaluatedKey;
    } while (next && entries.length < options.limit);
    return { entries, ...(next ? { cursor: encodeCursor(next) } : {}) };
  }
}

const encodeCursor = (key: Record<string, unknown>): string =>
  Buffer.from(JSON.stringify({ sk: key.sk })).toString('base64url');

/** A cursor names a position in the calling team's own partition only. */
function decodeCursor(cursor: string, teamId: string): Record<string, unknown> {
  let parsed: { sk?: unknown } | undefined;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { sk?: unknown };
  } catch {
    parsed = undefined;
  }
  if (typeof parsed?.sk !== 'string') {
    throw new GatewayError('GW-INVALID-TYPE', 'cursor must be the cursor of a previous page');
  }
  return { pk: pk(teamId), sk: parsed.sk };
}
