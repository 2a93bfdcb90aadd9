/**
 * The history cap against DynamoDB Local: a flood of history entries (postbacks, webhook outcomes) keeps the
 * item at the cap instead of growing towards DynamoDB's 400 KB item limit, also when appends race.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { physicalName, TABLES } from '../../definitions/data-model';
import { DynamoMessageRepository } from '../../lambdas/adapters/message-repository';
import {
  DEFAULT_HISTORY_CAP,
  droppedHistoryEntries,
  HISTORY_TRIMMED_EVENT,
} from '../../lambdas/domain/messages/history-cap';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../local/infra/dynamodb-local';
import { createTables } from '../../local/infra/tables';
import { localDynamoClient } from './helpers';

let dynamo: DynamoDbLocal;
let client: DynamoDBClient;
let messages: DynamoMessageRepository;

beforeAll(async () => {
  dynamo = await startDynamoDbLocal();
  client = localDynamoClient(dynamo.endpoint);
  await createTables(client, 'cap-test', [TABLES.messages]);
  messages = new DynamoMessageRepository(
    DynamoDBDocumentClient.from(client),
    physicalName('cap-test', TABLES.messages.id),
  );
});
afterAll(async () => {
  client?.destroy();
  await dynamo?.stop();
});

it('a flood of history entries keeps the first and latest entries and counts the dropped', async () => {
  const now = new Date().toISOString();
  await messages.create({
    id: 'mms_flood',
    teamId: 'alpha',
    request: { action: 'sendmms', to: '15557654321', from: '15550001000', slide: [{ 'message-text': 'x' }] },
    state: 'delivered',
    createdAt: now,
    updatedAt: now,
    attempts: 1,
    history: [{ at: now, event: 'accepted' }],
  });
  const total = 260;
  // Sequential first (fills up to the cap), then in parallel bursts (the trimming writes race).
  for (let n = 1; n <= 120; n++)
    await messages.appendHistory('mms_flood', { at: now, event: `postback-${n}` });
  for (let n = 121; n <= total; n += 10) {
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        messages.appendHistory('mms_flood', { at: now, event: `postback-${n + i}` }),
      ),
    );
  }
  const { history } = (await messages.get('mms_flood'))!;
  expect(history).toHaveLength(DEFAULT_HISTORY_CAP.maxEntries);
  expect(history[0]?.event).toBe('accepted');
  expect(history.slice(1, DEFAULT_HISTORY_CAP.keepFirst).map((h) => h.event)).toEqual(
    Array.from({ length: DEFAULT_HISTORY_CAP.keepFirst - 1 }, (_, i) => `postback-${i + 1}`),
  );
  expect(history[DEFAULT_HISTORY_CAP.keepFirst]?.event).toBe(HISTORY_TRIMMED_EVENT);
  // Nothing is lost silently: kept + dropped = every entry written.
  const kept = history.filter((h) => h.event !== HISTORY_TRIMMED_EVENT).length;
  expect(kept + droppedHistoryEntries(history)).toBe(total + 1);
  expect(history.map((h) => h.event)).toContain(`postback-${total}`);
  await expect(messages.appendHistory('mms_missing', { at: now, event: 'x' })).rejects.toThrow();
});
