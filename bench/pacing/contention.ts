/**
 * The shared send bucket under concurrent reservations: `DynamoSendPacer` (lambdas/adapters/dynamo-pacer.ts)
 * against DynamoDB Local, with C reservations in flight at once (a send worker reserves one slot per record of
 * its batch, concurrently: 4 workers × 10 records = 40). Counts DynamoDB calls per reservation (a lost race
 * costs a read and a failed conditional write, which DynamoDB bills as a write) and reservations given up
 * after the adapter's rounds (the item then goes back to the queue for at least a second). The same run with
 * the earlier read-then-conditional-put bucket (read-put-pacer.ts) shows what the atomic update changed.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoSendPacer } from '../../lambdas/adapters/dynamo-pacer';
import type { PacerSettings } from '../../lambdas/domain/pacing/rate-limit';
import type { SendPacer } from '../../lambdas/domain/pacing/ports';
import { ReadThenPutPacer } from './read-put-pacer';
import { physicalName, TABLES } from '../../definitions/data-model';
import { startDynamoDbLocal } from '../../local/infra/dynamodb-local';
import { createTables } from '../../local/infra/tables';

export type PacerImplementation = 'gateway' | 'read-then-put';

export interface ContentionRow {
  /** gateway = DynamoSendPacer as deployed; read-then-put = the bucket before commit 32d2ceb (baseline). */
  readonly implementation: PacerImplementation;
  readonly concurrency: number;
  readonly reservations: number;
  readonly reservationsPerS: number;
  readonly dynamoCallsPerReservation: number;
  readonly failedConditionalWritesPerReservation: number;
  readonly gaveUp: number;
  /** Smallest gap between two reserved slots: the interval (22.2 ms at 50 TPS × 0.9) if no slot was given twice. */
  readonly minSlotGapMs: number | null;
}

function minGap(slots: number[]): number | null {
  const sorted = [...slots].sort((a, b) => a - b);
  let gap: number | null = null;
  for (let i = 1; i < sorted.length; i += 1) {
    const d = (sorted[i] ?? 0) - (sorted[i - 1] ?? 0);
    gap = gap === null ? d : Math.min(gap, d);
  }
  return gap;
}

export async function measurePacerContention(
  concurrencies: readonly number[],
  reservations: number,
  onProgress: (line: string) => void,
): Promise<ContentionRow[]> {
  const dynamo = await startDynamoDbLocal({});
  const raw = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  let calls = 0;
  let conditionalFailures = 0;
  raw.middlewareStack.add(
    (next) => async (args) => {
      calls += 1;
      try {
        return await next(args);
      } catch (error) {
        if (error instanceof Error && error.name === 'ConditionalCheckFailedException')
          conditionalFailures += 1;
        throw error;
      }
    },
    { step: 'initialize', name: 'benchCountCalls' },
  );
  const db = DynamoDBDocumentClient.from(raw);
  try {
    await createTables(raw, 'bench', [TABLES.control]);
    const table = physicalName('bench', TABLES.control.id);
    const rows: ContentionRow[] = [];
    // The gateway's settings at 50 TPS; slots are only reserved (nobody sleeps until them), so the bucket is soon
    // booked ahead, as under a backlog; the long maximum wait keeps every reservation acceptable.
    const settings: PacerSettings = { accountTps: 50, safetyFactor: 0.9, burst: 1, maxWaitMs: 3_600_000 };
    const implementations: Array<[PacerImplementation, (key: string) => SendPacer]> = [
      ['gateway', (key) => new DynamoSendPacer(db, table, settings, key)],
      ['read-then-put', (key) => new ReadThenPutPacer(db, table, settings, key)],
    ];
    for (const [implementation, create] of implementations) {
      for (const concurrency of concurrencies) {
        const pacer = create(`bench#contention#${implementation}#${concurrency}`);
        await pacer.reserve(Date.now()); // creates the item
        calls = 0;
        conditionalFailures = 0;
        let started = 0;
        let gaveUp = 0;
        const slots: number[] = [];
        const begin = performance.now();
        await Promise.all(
          Array.from({ length: concurrency }, async () => {
            while (started < reservations) {
              started += 1;
              const slot = await pacer.reserve(Date.now());
              if (slot.ok) slots.push(slot.sendAtMs);
              else gaveUp += 1;
              onProgress(
                `pacer contention: ${implementation}, ${concurrency} in flight, ${started}/${reservations} reservations`,
              );
            }
          }),
        );
        const seconds = (performance.now() - begin) / 1000;
        rows.push({
          implementation,
          concurrency,
          reservations,
          reservationsPerS: reservations / seconds,
          dynamoCallsPerReservation: calls / reservations,
          failedConditionalWritesPerReservation: conditionalFailures / reservations,
          gaveUp,
          minSlotGapMs: minGap(slots),
        });
      }
    }
    return rows;
  } finally {
    raw.destroy();
    await dynamo.stop();
  }
}
