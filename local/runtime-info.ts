/** Where a running `npm start` says it is, for the local CLIs (teams, events). Removed when it stops. */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface RuntimeInfo {
  readonly apiUrl: string;
  readonly dynamoEndpoint: string;
  readonly eventsEndpoint: string;
  readonly eventBusName: string;
  readonly teamsTable: string;
  readonly postbacksTable: string;
  readonly suppressionsTable?: string;
}

export const RUNTIME_INFO_FILE = join(import.meta.dirname, '..', '.local-data', 'runtime.json');

export function writeRuntimeInfo(info: RuntimeInfo): void {
  mkdirSync(dirname(RUNTIME_INFO_FILE), { recursive: true });
  writeFileSync(RUNTIME_INFO_FILE, `${JSON.stringify(info, null, 2)}\n`);
}

export function readRuntimeInfo(): RuntimeInfo | undefined {
  if (!existsSync(RUNTIME_INFO_FILE)) return undefined;
  return JSON.parse(readFileSync(RUNTIME_INFO_FILE, 'utf8')) as RuntimeInfo;
}

export const removeRuntimeInfo = (): void => rmSync(RUNTIME_INFO_FILE, { force: true });

/**
 * The table and DynamoDB client a CLI works on: flags first, then the environment (a deployment, with AWS
 * credentials), then a running `npm start`. An explicit local endpoint gets dummy credentials.
 */
export function cliDynamo(
  flags: { table?: string | undefined; endpoint?: string | undefined; region?: string | undefined },
  which: {
    envVar: 'TEAMS_TABLE' | 'POSTBACKS_TABLE' | 'SUPPRESSIONS_TABLE';
    local: 'teamsTable' | 'postbacksTable' | 'suppressionsTable';
  },
): { table: string | undefined; client: DynamoDBClient } {
  const local = readRuntimeInfo();
  const table = flags.table ?? process.env[which.envVar] ?? local?.[which.local];
  const endpoint = flags.endpoint ?? process.env.AWS_ENDPOINT_URL_DYNAMODB ?? local?.dynamoEndpoint;
  const client = new DynamoDBClient({
    ...(endpoint ? { endpoint } : {}),
    region: flags.region ?? process.env.AWS_REGION ?? 'us-east-1',
    ...(endpoint && !process.env.AWS_ACCESS_KEY_ID
      ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
  });
  return { table, client };
}
