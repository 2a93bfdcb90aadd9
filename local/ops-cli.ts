/**
 * `npm run ops -- <command>`: operator look-ups, locally (a running `npm start`) or against a deployment
 * (AWS credentials; --table or POSTBACKS_TABLE).
 *
 *   orphans [--limit N]   postbacks that never matched a message (after the correlation window)
 *   pending [--limit N]   postbacks still waiting for their message
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoPostbacks } from '../lambdas/adapters/dynamo-postbacks';
import { runAsProgram, runCli, type Cli, type Out } from './cli';
import { cliDynamo } from './runtime-info';

const USAGE = 'usage: npm run ops -- orphans|pending [--limit N] [--table NAME] [--endpoint URL]';

const OPTIONS = {
  table: { type: 'string' },
  endpoint: { type: 'string' },
  limit: { type: 'string', default: '50' },
} as const;

export const runOpsCli = (argv: string[], out: Out = console.log): Promise<number> =>
  runCli(OPS_CLI, argv, out);

const OPS_CLI: Cli<typeof OPTIONS> = {
  usage: USAGE,
  options: OPTIONS,
  run: async ({ values, positionals }, out) => {
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
  },
};

runAsProgram(import.meta.url, 'ops', runOpsCli);
