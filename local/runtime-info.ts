/** Where a running `npm start` says it is, for the local CLIs (teams, events). Removed when it stops. */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface RuntimeInfo {
  readonly apiUrl: string;
  readonly dynamoEndpoint: string;
  readonly eventsEndpoint: string;
  readonly eventBusName: string;
  readonly teamsTable: string;
  readonly postbacksTable: string;
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
