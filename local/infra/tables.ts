import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type {
  AttributeDefinition,
  CreateTableCommandInput,
  DynamoDBClient,
  KeySchemaElement,
  TableDescription,
} from '@aws-sdk/client-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { TABLES, physicalName } from '../../definitions/data-model';
import type { KeyDefinition, TableDefinition } from '../../definitions/data-model';

export interface LocalTable {
  /** The definition's logical id, e.g. `messages`. */
  id: string;
  tableName: string;
  /** False when the table already existed (e.g. in a persisted database) and was left as it was. */
  created: boolean;
  /** The table's stream, when the definition has one. */
  streamArn?: string;
}

/**
 * Creates the tables of `definitions/data-model.ts` (the same definitions the CDK stack deploys): on-demand billing,
 * key schema, GSIs projecting ALL, the stream when `stream` is set, and TTL when `ttlAttribute` is set.
 * Idempotent: an existing table is kept (its TTL is switched on if missing), but one whose keys, indexes or
 * stream differ from the definition is an error, because code written for the model would misbehave on it.
 */
export async function createTables(
  client: DynamoDBClient,
  prefix: string,
  defs: readonly TableDefinition[] = Object.values(TABLES),
): Promise<LocalTable[]> {
  const tables: LocalTable[] = [];
  for (const def of defs) tables.push(await ensureTable(client, prefix, def));
  return tables;
}

async function ensureTable(
  client: DynamoDBClient,
  prefix: string,
  def: TableDefinition,
): Promise<LocalTable> {
  const tableName = physicalName(prefix, def.id);
  let description = await describe(client, tableName);
  let created = false;
  if (description === undefined) {
    try {
      await client.send(new CreateTableCommand(createTableInput(tableName, def)));
      created = true;
    } catch (error) {
      // Someone else created it in the meantime: fall through to the comparison.
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    description = await waitUntilActive(client, tableName);
  } else {
    assertMatches(tableName, def, description);
  }
  if (def.ttlAttribute !== undefined) await ensureTtl(client, tableName, def.ttlAttribute);
  const streamArn = def.stream === undefined ? undefined : description.LatestStreamArn;
  return { id: def.id, tableName, created, ...(streamArn === undefined ? {} : { streamArn }) };
}

function createTableInput(tableName: string, def: TableDefinition): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: keySchema(def.partitionKey, def.sortKey),
    AttributeDefinitions: attributeDefinitions(def),
    ...(def.globalSecondaryIndexes.length === 0
      ? {}
      : {
          GlobalSecondaryIndexes: def.globalSecondaryIndexes.map((index) => ({
            IndexName: index.indexName,
            KeySchema: keySchema(index.partitionKey, index.sortKey),
            Projection: { ProjectionType: 'ALL' },
          })),
        }),
    ...(def.stream === undefined
      ? {}
      : { StreamSpecification: { StreamEnabled: true, StreamViewType: def.stream } }),
  };
}

const keySchema = (partitionKey: KeyDefinition, sortKey: KeyDefinition | undefined): KeySchemaElement[] => [
  { AttributeName: partitionKey.name, KeyType: 'HASH' },
  ...(sortKey === undefined ? [] : [{ AttributeName: sortKey.name, KeyType: 'RANGE' as const }]),
];

/** Every attribute used by the table's or an index's key, once; the same name with two types is a model bug. */
function attributeDefinitions(def: TableDefinition): AttributeDefinition[] {
  const keys = [
    def.partitionKey,
    def.sortKey,
    ...def.globalSecondaryIndexes.flatMap((i) => [i.partitionKey, i.sortKey]),
  ];
  const types = new Map<string, KeyDefinition['type']>();
  for (const key of keys) {
    if (key === undefined) continue;
    const known = types.get(key.name);
    if (known !== undefined && known !== key.type) {
      throw new Error(`Table ${def.id}: key attribute ${key.name} is declared both ${known} and ${key.type}`);
    }
    types.set(key.name, key.type);
  }
  return [...types].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType }));
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

async function waitUntilActive(client: DynamoDBClient, tableName: string): Promise<TableDescription> {
  // DynamoDB Local creates tables synchronously; the loop only matters against slower implementations.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const table = await describe(client, tableName);
    const indexesActive = (table?.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE');
    if (table?.TableStatus === 'ACTIVE' && indexesActive) return table;
    if (Date.now() > deadline) throw new Error(`Table ${tableName} did not become ACTIVE within 30 s`);
    await sleep(50);
  }
}

async function ensureTtl(client: DynamoDBClient, tableName: string, attribute: string): Promise<void> {
  const current = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  const status = current.TimeToLiveDescription?.TimeToLiveStatus;
  if (status === 'ENABLED' || status === 'ENABLING') {
    const enabledOn = current.TimeToLiveDescription?.AttributeName;
    if (enabledOn !== attribute) {
      throw new Error(`Table ${tableName} has TTL on ${String(enabledOn)}, the model says ${attribute}`);
    }
    return;
  }
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: attribute, Enabled: true },
    }),
  );
}

const describeKeys = (schema: readonly KeySchemaElement[] | undefined): string =>
  (schema ?? []).map((k) => `${String(k.AttributeName)}:${String(k.KeyType)}`).join(',');

function assertMatches(tableName: string, def: TableDefinition, table: TableDescription): void {
  const problems: string[] = [];
  const wantKeys = describeKeys(keySchema(def.partitionKey, def.sortKey));
  if (describeKeys(table.KeySchema) !== wantKeys) {
    problems.push(`key schema is ${describeKeys(table.KeySchema)}, the model says ${wantKeys}`);
  }
  const have = new Map(
    (table.GlobalSecondaryIndexes ?? []).map((i) => [i.IndexName, describeKeys(i.KeySchema)]),
  );
  for (const index of def.globalSecondaryIndexes) {
    const want = describeKeys(keySchema(index.partitionKey, index.sortKey));
    const got = have.get(index.indexName);
    if (got !== want)
      problems.push(`index ${index.indexName} is ${got ?? 'missing'}, the model says ${want}`);
    have.delete(index.indexName);
  }
  for (const extra of have.keys()) problems.push(`index ${String(extra)} is not in the model`);
  const stream =
    table.StreamSpecification?.StreamEnabled === true ? table.StreamSpecification.StreamViewType : undefined;
  if (stream !== def.stream)
    problems.push(`stream is ${stream ?? 'off'}, the model says ${def.stream ?? 'off'}`);
  if (problems.length > 0) {
    throw new Error(
      `Table ${tableName} already exists but differs from definitions/data-model.ts: ${problems.join('; ')}. ` +
        'Delete the local database directory (or the table) to recreate it.',
    );
  }
}
