import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { HistoryEntry } from '../domain/messages/ports';
import { appendCapped, DEFAULT_HISTORY_CAP, type HistoryCap } from '../domain/messages/history-cap';

/**
 * The one conditional state write of messages and templates: moves the item `id` from `expected` (state and
 * attempts) to `state`, sets the given fields, removes `remove`, and appends `history` to the history list.
 * Returns false when the item was no longer in the expected state (someone else moved it first).
 */
export async function transitionItem(
  db: DynamoDBDocumentClient,
  tableName: string,
  id: string,
  expected: { state: string; attempts: number },
  change: { state: string; history: HistoryEntry; set?: Record<string, unknown>; remove?: readonly string[] },
): Promise<boolean> {
  const values: Record<string, unknown> = {
    ':expectedState': expected.state,
    ':expectedAttempts': expected.attempts,
    ':state': change.state,
    ':updatedAt': change.history.at,
    ':entry': [change.history],
  };
  const sets = ['#state = :state', 'updatedAt = :updatedAt', '#history = list_append(#history, :entry)'];
  for (const [field, value] of Object.entries(change.set ?? {})) {
    if (value === undefined) continue;
    sets.push(`${field} = :${field}`);
    values[`:${field}`] = value;
  }
  const remove = change.remove?.length ? ` REMOVE ${change.remove.join(', ')}` : '';
  try {
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { id },
        UpdateExpression: `SET ${sets.join(', ')}${remove}`,
        ConditionExpression: '#state = :expectedState AND attempts = :expectedAttempts',
        ExpressionAttributeNames: { '#state': 'state', '#history': 'history' },
        ExpressionAttributeValues: values,
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

const MAX_TRIM_TRIES = 30;

/**
 * Appends one entry to an item's history (the item must exist). Below the cap this is one `list_append`; at the
 * cap the history is read and written back trimmed (appendCapped), on the condition that it did not change in
 * between (up to MAX_TRIM_TRIES, then the conflict is thrown and the caller's retry takes over).
 */
export async function appendHistoryEntry(
  db: DynamoDBDocumentClient,
  tableName: string,
  id: string,
  entry: HistoryEntry,
  cap: HistoryCap = DEFAULT_HISTORY_CAP,
): Promise<void> {
  try {
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { id },
        UpdateExpression: 'SET #history = list_append(#history, :entry), updatedAt = :at',
        ConditionExpression: 'attribute_exists(id) AND size(#history) < :max',
        ExpressionAttributeNames: { '#history': 'history' },
        ExpressionAttributeValues: { ':entry': [entry], ':at': entry.at, ':max': cap.maxEntries },
      }),
    );
    return;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
  for (let attempt = 1; ; attempt++) {
    const out = await db.send(
      new GetCommand({
        TableName: tableName,
        Key: { id },
        ConsistentRead: true,
        ProjectionExpression: 'id, #history',
        ExpressionAttributeNames: { '#history': 'history' },
      }),
    );
    const history = out.Item?.history as HistoryEntry[] | undefined;
    if (!history) throw new ConditionalCheckFailedException({ message: `no item ${id}`, $metadata: {} });
    try {
      await db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { id },
          UpdateExpression: 'SET #history = :capped, updatedAt = :at',
          ConditionExpression: '#history = :seen',
          ExpressionAttributeNames: { '#history': 'history' },
          ExpressionAttributeValues: {
            ':capped': appendCapped(history, entry, cap),
            ':seen': history,
            ':at': entry.at,
          },
        }),
      );
      return;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException) || attempt >= MAX_TRIM_TRIES) throw error;
      // Another writer changed the history first: wait a little (jittered) and try again.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
    }
  }
}
