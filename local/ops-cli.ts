/**
 * `npm run ops -- <command>`: operator look-ups, locally (a running `npm start`) or against a deployment
 * (AWS credentials; --table or POSTBACKS_TABLE).
 *
 *   orphans [--limit N]   postbacks that never matched a message (after the correlation window)
 *   pending [--limit N]   postbacks still waiting for their message
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parseArgs } from 'node:util';
import { DynamoPostbacks } from '../lambdas/adapters/dynamo-postbacks';
import { cliDynamo } from './runtime-info';

const USAGE = 'usage: npm run ops -- orphans|pending [--limit N] [--table NAME] [--endpoint URL]';

export async function runOpsCli(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      table: { type: 'string' },
      endpoint: { type: 'string' },
      limit: { type: 'string', default: '50' },
    },
  });
  const [command] = positionals;
  const { table, client } = cliDynamo(values, { envVar: 'POSTBACKS_TABLE', local: 'postbacksTable' });
  if ((command !== 'orphans' && command !== 'pending') || !table) {
    client.destroy();
    out(table ? USAGE : `No table: give --table or set POSTBACKS_TABLE (or run npm start).\n${USAGE}`);
    return 2;
  }
  try {
    const postbacks = new DynamoPostbacks(DynamoDBDocumentClient.from(client), table);
    const found = await postbacks.list(command === 'orphans' ? 'orphan' : 'pending', Number(values.limit));
    if (found.length === 0) out(`no ${command}`);
    for (const p of found) out(`${p.receivedAt}\t${p.pk}\t${p.body}`);
    return 0;
  } finally {
    client.destroy();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runOpsCli(process.argv.slice(2))
    .then((code) => process.exit(code))
    .catch((error: unknown) => {
      console.error(`ops: ${(error as Error).message}`);
      process.exit(1);
    });
}
