/**
 * Teams' status webhooks in the teams table, locally (DynamoDB Local of `npm start`) or in a deployment (AWS
 * credentials from the usual environment/profile). To be merged into `npm run teams`.
 *
 *   set-webhook <team> <url>                  registers the URL; a new webhook gets a secret (printed once)
 *   rotate-webhook-secret <team>              new secret (printed once); the old one keeps signing for 24 h
 *   rotate-webhook-secret <team> --finish     the old secret stops signing now
 *   show-webhook <team>                       URL and rotation state (never the secrets)
 *   remove-webhook <team>                     no more deliveries to the team
 *
 * Table: --table NAME or TEAMS_TABLE. Endpoint: --endpoint URL or AWS_ENDPOINT_URL_DYNAMODB (local runs).
 * URLs must be https:// and public; --allow-insecure-local (or WEBHOOK_ALLOW_INSECURE_LOCAL=true) also allows
 * http:// to 127.0.0.1 / localhost, for local runs only (the deployed worker refuses them anyway).
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { cliDynamo } from './runtime-info';
import { parseArgs } from 'node:util';
import { DynamoWebhooks, WebhookNotFoundError } from '../lambdas/adapters/dynamo-webhooks';
import { checkWebhookUrl, isRotating, signingSecrets } from '../lambdas/domain/webhooks/webhooks';

const USAGE = `usage: npm run teams -- set-webhook <team> <https-url> [--allow-insecure-local]
       npm run teams -- rotate-webhook-secret <team> [--finish]
       npm run teams -- show-webhook <team> | remove-webhook <team>
options: --table NAME (or TEAMS_TABLE), --endpoint URL (or AWS_ENDPOINT_URL_DYNAMODB), --region R`;

export const WEBHOOK_COMMANDS = [
  'set-webhook',
  'rotate-webhook-secret',
  'show-webhook',
  'remove-webhook',
] as const;

export async function runWebhookCli(
  argv: string[],
  out: (line: string) => void = console.log,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        table: { type: 'string' },
        endpoint: { type: 'string' },
        region: { type: 'string' },
        finish: { type: 'boolean', default: false },
        'allow-insecure-local': { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    out(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, teamId, url] = positionals;
  const { table, client } = cliDynamo(values, { envVar: 'TEAMS_TABLE', local: 'teamsTable' });
  if (!command || !table) {
    client.destroy();
    out(!table && command ? `No table: give --table or set TEAMS_TABLE.\n${USAGE}` : USAGE);
    return 2;
  }
  const webhooks = new DynamoWebhooks(DynamoDBDocumentClient.from(client), table);
  try {
    if (!(WEBHOOK_COMMANDS as readonly string[]).includes(command)) {
      throw new UsageError(`unknown command ${command}`);
    }
    if (!teamId) throw new UsageError(`${command} needs a team id`);
    switch (command) {
      case 'set-webhook': {
        if (!url) throw new UsageError('set-webhook needs a URL');
        const allowInsecureLocal =
          values['allow-insecure-local'] || process.env.WEBHOOK_ALLOW_INSECURE_LOCAL === 'true';
        const check = checkWebhookUrl(url, { allowInsecureLocal });
        if (!check.ok) throw new UsageError(`webhook URL refused: ${check.reason}`);
        const result = await webhooks.setUrl(teamId, check.url.href);
        if (result.created) {
          out(
            `team ${teamId}: status events go to ${result.config.url}\n` +
              `signing secret (shown once, store it now):\n${result.secret}`,
          );
        } else {
          out(`team ${teamId}: status events now go to ${result.config.url} (secrets unchanged)`);
        }
        return 0;
      }
      case 'rotate-webhook-secret': {
        if (values.finish) {
          await webhooks.finishRotation(teamId);
          out(`team ${teamId}: rotation finished; only the newest secret signs from now on`);
          return 0;
        }
        const { secret, config } = await webhooks.rotate(teamId);
        const until = config.secrets[1]?.expiresAt;
        out(
          `team ${teamId}: new signing secret (shown once, store it now):\n${secret}\n` +
            `deliveries carry a signature with the new and one with the old secret` +
            `${until ? ` until ${until}` : ''}, or until: rotate-webhook-secret ${teamId} --finish`,
        );
        return 0;
      }
      case 'show-webhook': {
        const config = await webhooks.webhookOf(teamId);
        if (!config) {
          out(`team ${teamId}: no webhook`);
          return 0;
        }
        const now = new Date();
        out(
          `team ${teamId}: ${config.url}\t${signingSecrets(config, now).length} signing secret(s)` +
            `${isRotating(config, now) ? `\trotating until ${config.secrets[1]?.expiresAt ?? '?'}` : ''}` +
            `\tupdated ${config.updatedAt}`,
        );
        return 0;
      }
      case 'remove-webhook': {
        const removed = await webhooks.remove(teamId);
        out(removed ? `team ${teamId}: webhook removed` : `team ${teamId}: had no webhook`);
        return 0;
      }
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      out(`${error.message}\n${USAGE}`);
      return 2;
    }
    if (error instanceof WebhookNotFoundError) {
      out(error.message);
      return 1;
    }
    throw error;
  } finally {
    client.destroy();
  }
}

class UsageError extends Error {}

if (import.meta.url === `file://${process.argv[1]}`) {
  runWebhookCli(process.argv.slice(2))
    .then((code) => process.exit(code))
    .catch((error: unknown) => {
      console.error(`webhooks: ${(error as Error).message}`);
      process.exit(1);
    });
}
