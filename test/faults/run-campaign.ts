/**
 * The long fault campaign (`npm run test:faults`): `tsx test/faults/run-campaign.ts --messages 10000`.
 * Options: --messages N, --seed N, --tps N (account TPS), --workers N, --kills N, --processor-restarts N,
 * --dynamo-restarts N, --json FILE (writes the result). Exit code 1 when the oracle fails (test/faults/oracle.ts:
 * a message lost, unreported, dead-lettered or not matching its plan, Sinch's log or its postbacks; a truncated
 * request log; missing chaos); 2 on bad arguments.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runCampaign, type CampaignResult } from './campaign';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '10000' },
    seed: { type: 'string' },
    tps: { type: 'string' },
    workers: { type: 'string' },
    kills: { type: 'string' },
    'processor-restarts': { type: 'string' },
    'dynamo-restarts': { type: 'string' },
    json: { type: 'string' },
  },
});

const int = (name: string, raw: string | undefined): number | undefined => {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} must be a whole number, got ${raw}`);
    process.exit(2);
  }
  return n;
};

const optional = <K extends string>(key: K, value: number | undefined) =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, number>>;

const messages = int('messages', values.messages) ?? 10_000;
const result: CampaignResult = await runCampaign({
  messages,
  ...optional('seed', int('seed', values.seed)),
  ...optional('accountTps', int('tps', values.tps)),
  ...optional('sendWorkers', int('workers', values.workers)),
  // At least 6 of each; one per 1,000 messages on long runs.
  workerKills: int('kills', values.kills) ?? Math.max(6, Math.round(messages / 1000)),
  processorRestarts:
    int('processor-restarts', values['processor-restarts']) ?? Math.max(6, Math.round(messages / 1000)),
  ...optional('dynamoRestarts', int('dynamo-restarts', values['dynamo-restarts'])),
  progressEveryMs: 10_000,
});
if (values.json) writeFileSync(values.json, JSON.stringify(result, null, 2));
// Every check of the oracle (test/faults/oracle.ts): lost, mismatches, unexplained duplicates, Sinch's log and
// postbacks against the gateway, the DLQ, unreported messages, a truncated request log, missing chaos.
const { ok } = result;
console.log(ok ? 'fault campaign: OK' : 'fault campaign: FAILED (see above)');
process.exit(ok ? 0 : 1);
