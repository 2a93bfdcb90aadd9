import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { HistoryEntry } from '../domain/messages/ports';

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

/** Appends one entry to an item's history (the item must exist). */
export async function appendHistoryEntry(
  db: DynamoDBDocumentClient,
  tableName: string,
  id: string,
  entry: HistoryEntry,
): Promise<void> {
  await db.send(
    new UpdateCommand({
      TableName: tableName,
      Key: { id },
      UpdateExpression: 'SET #history = list_append(#history, :entry), updatedAt = :at',
      ConditionExpression: 'attribute_exists(id)',
      ExpressionAttributeNames: { '#history': 'history' },
      ExpressionAttributeValues: { ':entry': [entry], ':at': entry.at },
    }),
  );
}
