/** The teams CLI against DynamoDB Local: add (key printed once, only its hash stored), list, rotate, revoke. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { APIGatewayClient, FlushStageAuthorizersCacheCommand } from '@aws-sdk/client-api-gateway';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { physicalName, TABLES } from '../../definitions/data-model';
import { DynamoTeams } from '../../lambdas/adapters/dynamo-teams';
import { hashApiKey } from '../../lambdas/domain/teams/teams';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../local/infra/dynamodb-local';
import { createTables } from '../../local/infra/tables';
import { localDynamoClient } from './helpers';
import { runTeamsCli } from '../../local/teams-cli';

let dynamo: DynamoDbLocal;
let client: DynamoDBClient;
const prefix = 'cli-test';
const table = physicalName(prefix, TABLES.teams.id);

async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await runTeamsCli([...args, '--table', table, '--endpoint', dynamo.endpoint], (l) =>
    lines.push(l),
  );
  return { code, out: lines.join('\n') };
}

beforeAll(async () => {
  dynamo = await startDynamoDbLocal();
  client = localDynamoClient(dynamo.endpoint);
  await createTables(client, prefix, [TABLES.teams]);
});
afterAll(async () => {
  client?.destroy();
  await dynamo?.stop();
});

describe('npm run teams', () => {
  it('adds a team and prints its key once; only the hash is stored', async () => {
    const { code, out } = await cli(
      'add',
      'billing',
      '--senders',
      '15550001000,28444',
      '--per-second',
      '5',
      '--per-day',
      '500',
    );
    expect(code).toBe(0);
    const key = out.trim().split('\n').at(-1) ?? '';
    expect(key).toMatch(/^mgw_/);
    const items = await DynamoDBDocumentClient.from(client).send(new ScanCommand({ TableName: table }));
    expect(JSON.stringify(items.Items)).not.toContain(key);
    const directory = new DynamoTeams(DynamoDBDocumentClient.from(client), table);
    expect(await directory.findByKeyHash(hashApiKey(key))).toMatchObject({
      id: 'billing',
      allowedSenders: ['15550001000', '28444'],
      limits: { perSecond: 5, perDay: 500 },
      revoked: false,
    });
  });

  it('lists teams with their senders, limits and number of keys', async () => {
    const { code, out } = await cli('list');
    expect(code).toBe(0);
    expect(out).toMatch(/billing\tactive\tsenders 15550001000,28444\t5\/s 500\/day\t1 key\(s\)/);
  });

  it('rotates: the old key stops resolving, the new one works', async () => {
    const directory = new DynamoTeams(DynamoDBDocumentClient.from(client), table);
    const oldKey = (await cli('add', 'rotating', '--senders', '15550001000')).out.split('\n').at(-1) ?? '';
    const { code, out } = await cli('rotate', 'rotating');
    expect(code).toBe(0);
    const newKey = out.split('\n').at(-1) ?? '';
    expect(newKey).not.toBe(oldKey);
    expect(await directory.findByKeyHash(hashApiKey(oldKey))).toBeUndefined();
    expect((await directory.findByKeyHash(hashApiKey(newKey)))?.id).toBe('rotating');
  });

  it('revokes and restores', async () => {
    expect((await cli('revoke', 'billing')).code).toBe(0);
    expect((await cli('list')).out).toMatch(/billing\tREVOKED/);
    expect((await cli('restore', 'billing')).code).toBe(0);
    expect((await cli('list')).out).toMatch(/billing\tactive/);
  });

  it('refuses bad input with the usage and exit code 2', async () => {
    expect((await cli('add', 'bad', '--senders', '+1555')).code).toBe(2);
    expect((await cli('rotate', 'nobody')).code).toBe(2);
    expect((await cli('quiet-hours', 'billing', 'Mars/Olympus', '21:00-08:00')).code).toBe(2);
    expect((await cli('quiet-hours', 'billing', 'Europe/Berlin', '21:00-08:00')).code).toBe(0);
  });

  it('refuses team ids that config would refuse (a # would make idem#team#key ambiguous)', async () => {
    for (const id of ['a#b', 'Upper', '_under', 'sp ace', 'x'.repeat(65), 'ünï']) {
      const { code, out } = await cli('add', id, '--senders', '15550001000');
      expect(code, id).toBe(2);
      expect(out, id).toContain('invalid team id');
    }
    const items = await DynamoDBDocumentClient.from(client).send(new ScanCommand({ TableName: table }));
    expect((items.Items ?? []).filter((i) => String(i.teamId).includes('#'))).toEqual([]);
  });

  it('never overwrites a team: add of an existing (revoked) team changes nothing', async () => {
    const directory = new DynamoTeams(DynamoDBDocumentClient.from(client), table);
    expect((await cli('add', 'kept', '--senders', '15550001000', '--per-second', '3')).code).toBe(0);
    expect((await cli('quiet-hours', 'kept', 'Europe/Berlin', '21:00-08:00')).code).toBe(0);
    expect((await cli('revoke', 'kept')).code).toBe(0);
    const before = await directory.getTeam('kept');
    const again = await cli('add', 'kept', '--senders', '28444', '--per-second', '9');
    expect(again.code).toBe(2);
    expect(again.out).toContain('team kept already exists');
    expect(again.out).not.toMatch(/mgw_/);
    expect(await directory.getTeam('kept')).toEqual(before);
    expect(before).toMatchObject({
      revoked: true,
      allowedSenders: ['15550001000'],
      quietHours: { start: '21:00' },
    });
    expect((await cli('list')).out).toMatch(
      /kept\tREVOKED\tsenders 15550001000\t3\/s 10000\/day\t1 key\(s\)/,
    );
  });

  it('revoke --api-id --stage flushes the stage authorizer cache (API Gateway mocked: no emulator)', async () => {
    const apiGateway = mockClient(APIGatewayClient);
    apiGateway.on(FlushStageAuthorizersCacheCommand).resolves({});
    try {
      expect((await cli('add', 'flushed', '--senders', '15550001000')).code).toBe(0);
      const { code, out } = await cli('revoke', 'flushed', '--api-id', 'abc123', '--stage', 'prod');
      expect(code).toBe(0);
      expect(out).toContain('API Gateway cache flushed');
      expect(apiGateway.commandCalls(FlushStageAuthorizersCacheCommand).map((c) => c.args[0].input)).toEqual([
        { restApiId: 'abc123', stageName: 'prod' },
      ]);
      expect((await cli('revoke', 'flushed', '--api-id', 'abc123')).code).toBe(2);
    } finally {
      apiGateway.restore();
    }
  });
});
