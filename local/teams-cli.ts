/**
 * `npm run teams -- <command>`: manage teams and their API keys in the teams table, locally (DynamoDB Local of
 * `npm start`) or in a deployment (AWS credentials from the usual environment/profile).
 *
 *   add <team> --senders 15550001000,28444 [--per-second 10] [--per-day 10000]   new team + key (printed once)
 *   list                                                                     teams, senders, limits, key count
 *   rotate <team>                                                            replaces the team's keys by one new key
 *   revoke <team> | restore <team>                                           refuses / allows the team's keys again
 *   quiet-hours <team> Europe/Berlin 21:00-08:00 | quiet-hours <team> off   sends wait until the window ends
 *   set-webhook <team> <url> [--allow-insecure-local]                      status webhook; a new one gets a secret
 *   rotate-webhook-secret <team> [--finish]                                  new secret; the old one signs for 24 h
 *   show-webhook <team> | remove-webhook <team>                              URL and rotation state | no more pushes
 *
 * Table: --table NAME or TEAMS_TABLE. Endpoint: --endpoint URL or AWS_ENDPOINT_URL_DYNAMODB (local runs).
 * Webhook URLs must be https:// and public; --allow-insecure-local (or WEBHOOK_ALLOW_INSECURE_LOCAL=true) also
 * allows http:// to 127.0.0.1 / localhost, for local runs only (the deployed worker refuses them anyway).
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoTeams } from '../lambdas/adapters/dynamo-teams';
import { DynamoWebhooks, WebhookNotFoundError } from '../lambdas/adapters/dynamo-webhooks';
import { isInternationalNumber, isShortCode } from '../lambdas/domain/sinch/phone';
import { isValidQuietHours } from '../lambdas/domain/messages/scheduling';
import { checkWebhookUrl, isRotating, signingSecrets } from '../lambdas/domain/webhooks/webhooks';
import { runAsProgram, runCli, UsageError, type Cli, type Out, type Parsed } from './cli';
import { cliDynamo } from './runtime-info';

const USAGE = `usage: npm run teams -- add <team> --senders N[,N…] [--per-second 10] [--per-day 10000]
       npm run teams -- list | rotate <team> | revoke <team> | restore <team>
       npm run teams -- quiet-hours <team> <time zone> <HH:MM-HH:MM> | quiet-hours <team> off
       npm run teams -- set-webhook <team> <https-url> [--allow-insecure-local]
       npm run teams -- rotate-webhook-secret <team> [--finish]
       npm run teams -- show-webhook <team> | remove-webhook <team>
options: --table NAME (or TEAMS_TABLE), --endpoint URL (or AWS_ENDPOINT_URL_DYNAMODB), --region R`;

const OPTIONS = {
  table: { type: 'string' },
  endpoint: { type: 'string' },
  region: { type: 'string' },
  senders: { type: 'string' },
  'per-second': { type: 'string', default: '10' },
  'per-day': { type: 'string', default: '10000' },
  finish: { type: 'boolean', default: false },
  'allow-insecure-local': { type: 'boolean', default: false },
} as const;

type Args = Parsed<typeof OPTIONS>;

const WEBHOOK_COMMANDS = ['set-webhook', 'rotate-webhook-secret', 'show-webhook', 'remove-webhook'] as const;

export const runTeamsCli = (argv: string[], out: Out = console.log): Promise<number> =>
  runCli(TEAMS_CLI, argv, out);

const TEAMS_CLI: Cli<typeof OPTIONS> = {
  usage: USAGE,
  options: OPTIONS,
  async run(args, out) {
    const { values, positionals } = args;
    const [command] = positionals;
    const { table, client } = cliDynamo(values, { envVar: 'TEAMS_TABLE', local: 'teamsTable' });
    if (!command || !table) {
      client.destroy();
      out(!table && command ? `No table: give --table or set TEAMS_TABLE.\n${USAGE}` : USAGE);
      return 2;
    }
    const db = DynamoDBDocumentClient.from(client);
    try {
      if ((WEBHOOK_COMMANDS as readonly string[]).includes(command)) {
        return await webhookCommand(new DynamoWebhooks(db, table), args, out);
      }
      return await teamCommand(new DynamoTeams(db, table), args, out);
    } catch (error) {
      if (error instanceof WebhookNotFoundError) {
        out(error.message);
        return 1;
      }
      throw error;
    } finally {
      client.destroy();
    }
  },
};

async function teamCommand(teams: DynamoTeams, { values, positionals }: Args, out: Out): Promise<number> {
  const [command, teamId] = positionals;
  switch (command) {
    case 'add': {
      if (!teamId) throw new UsageError('add needs a team id');
      const senders = (values.senders ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const bad = senders.filter((s) => !isInternationalNumber(s) && !isShortCode(s));
      if (senders.length === 0 || bad.length > 0) {
        throw new UsageError(
          `--senders needs short codes or international numbers${bad.length ? `; invalid: ${bad.join(', ')}` : ''}`,
        );
      }
      const perSecond = positive(values['per-second'], '--per-second');
      const perDay = positive(values['per-day'], '--per-day');
      const key = await teams.addTeam({ id: teamId, allowedSenders: senders, perSecond, perDay });
      out(`team ${teamId} added; its API key (shown once, store it now):\n${key}`);
      return 0;
    }
    case 'list': {
      const all = await teams.list();
      if (all.length === 0) out('no teams');
      for (const t of all) {
        out(
          `${t.id}\t${t.revoked ? 'REVOKED' : 'active'}\tsenders ${t.allowedSenders.join(',')}\t${t.limits.perSecond}/s ${t.limits.perDay}/day\t${t.keys} key(s)`,
        );
      }
      return 0;
    }
    case 'rotate': {
      if (!teamId || !(await teams.getTeam(teamId))) throw new UsageError(`unknown team ${teamId ?? ''}`);
      const key = await teams.rotate(teamId);
      out(
        `team ${teamId}: old keys removed (they stop working within 60 s); new API key (shown once):\n${key}`,
      );
      return 0;
    }
    case 'quiet-hours': {
      // quiet-hours <team> <time zone> <HH:MM-HH:MM> | quiet-hours <team> off
      const [, , zoneOrOff, window] = positionals;
      if (!teamId || !(await teams.getTeam(teamId))) throw new UsageError(`unknown team ${teamId ?? ''}`);
      if (zoneOrOff === 'off') {
        await teams.setQuietHours(teamId, undefined);
        out(`team ${teamId}: no quiet hours`);
        return 0;
      }
      const [start = '', end = ''] = (window ?? '').split('-');
      const quiet = { timeZone: zoneOrOff ?? '', start, end };
      if (!isValidQuietHours(quiet))
        throw new UsageError('quiet-hours needs a time zone and HH:MM-HH:MM, e.g. Europe/Berlin 21:00-08:00');
      await teams.setQuietHours(teamId, quiet);
      out(`team ${teamId}: quiet hours ${start}-${end} ${quiet.timeZone} (sends wait until they end)`);
      return 0;
    }
    case 'revoke':
    case 'restore': {
      if (!teamId || !(await teams.getTeam(teamId))) throw new UsageError(`unknown team ${teamId ?? ''}`);
      await teams.setRevoked(teamId, command === 'revoke');
      out(
        `team ${teamId} ${command === 'revoke' ? 'revoked: its keys are refused within 60 s' : 'restored'}`,
      );
      return 0;
    }
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

async function webhookCommand(
  webhooks: DynamoWebhooks,
  { values, positionals }: Args,
  out: Out,
): Promise<number> {
  const [command, teamId, url] = positionals;
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
}

function positive(raw: string | undefined, flag: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive whole number`);
  return n;
}

runAsProgram(import.meta.url, 'teams', runTeamsCli);
