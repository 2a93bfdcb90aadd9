/**
 * `npm run teams -- <command>`: manage teams and their API keys in the teams table, locally (DynamoDB Local of
 * `npm start`) or in a deployment (AWS credentials from the usual environment/profile).
 *
 *   add <team> --senders 15550001000,28444 [--per-second 10] [--per-day 10000]   new team + key (printed once)
 *   list                                                                     teams, senders, limits, key count
 *   rotate <team>                                                            replaces the team's keys by one new key
 *   revoke <team> [--api-id ID --stage S] | restore <team>                  refuses / allows the team's keys again
 *                                      (--api-id/--stage: also flushes the ingest stage's authorizer cache)
 *   quiet-hours <team> Europe/Berlin 21:00-08:00 | quiet-hours <team> off   sends wait until the window ends
 *   settings <team> media-check=warn retention-days=30 full-numbers-in-events=false   media and privacy settings
 *   set-webhook | rotate-webhook-secret | show-webhook | remove-webhook     status webhooks (docs/webhooks.md)
 *   suppressions import|export <team> <file.csv> | inbound-numbers <team> full|masked   consent (docs/api.md)
 *
 * Table: --table NAME or TEAMS_TABLE. Endpoint: --endpoint URL or AWS_ENDPOINT_URL_DYNAMODB (local runs).
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { APIGatewayClient, FlushStageAuthorizersCacheCommand } from '@aws-sdk/client-api-gateway';
import { parseArgs } from 'node:util';
import { DynamoTeams, TeamExistsError } from '../lambdas/adapters/dynamo-teams';
import { isInternationalNumber, isShortCode } from '../lambdas/domain/sinch/phone';
import { isValidTeamId, TEAM_ID_RULE } from '../lambdas/domain/teams/team-id';
import { runWebhookCli, WEBHOOK_COMMANDS } from './webhook-cli';
import { isValidQuietHours } from '../lambdas/domain/messages/scheduling';
import { CONSENT_COMMANDS, runConsentCli } from './consent-cli';
import { cliDynamo } from './runtime-info';
import { parseTeamSettings, type TeamSettings } from '../lambdas/domain/privacy/settings';

const USAGE = `usage: npm run teams -- add <team> --senders N[,N…] [--per-second 10] [--per-day 10000]
       npm run teams -- list | rotate <team> | revoke <team> [--api-id ID --stage NAME] | restore <team>
       npm run teams -- quiet-hours <team> <time zone> <HH:MM-HH:MM> | quiet-hours <team> off
       npm run teams -- settings <team> [media-check=off|warn|enforce] [retention-days=1..400] [full-numbers-in-events=true|false]
options: --table NAME (or TEAMS_TABLE), --endpoint URL (or AWS_ENDPOINT_URL_DYNAMODB), --region R`;

export async function runTeamsCli(
  argv: string[],
  out: (line: string) => void = console.log,
): Promise<number> {
  // Consent commands (suppressions import|export, inbound-numbers) have their own module.
  if (CONSENT_COMMANDS.includes(argv[0] ?? '')) return runConsentCli(argv, out);
  // Webhook commands have options of their own (set-webhook, rotate-webhook-secret, …).
  if (argv.some((a) => (WEBHOOK_COMMANDS as readonly string[]).includes(a))) return runWebhookCli(argv, out);
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      table: { type: 'string' },
      endpoint: { type: 'string' },
      region: { type: 'string' },
      senders: { type: 'string' },
      'per-second': { type: 'string', default: '10' },
      'per-day': { type: 'string', default: '10000' },
      'api-id': { type: 'string' },
      stage: { type: 'string' },
    },
  });
  const [command, teamId] = positionals;
  const { table, client } = cliDynamo(values, { envVar: 'TEAMS_TABLE', local: 'teamsTable' });
  if (!command || !table) {
    client.destroy();
    out(!table && command ? `No table: give --table or set TEAMS_TABLE.\n${USAGE}` : USAGE);
    return 2;
  }
  const teams = new DynamoTeams(DynamoDBDocumentClient.from(client), table);
  try {
    switch (command) {
      case 'add': {
        if (!teamId) throw new UsageError('add needs a team id');
        if (!isValidTeamId(teamId)) throw new UsageError(`invalid team id "${teamId}": ${TEAM_ID_RULE}`);
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
        const key = await teams
          .addTeam({ id: teamId, allowedSenders: senders, perSecond, perDay })
          .catch((error: unknown) => {
            if (error instanceof TeamExistsError) throw new UsageError(error.message);
            throw error;
          });
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
          `team ${teamId}: old keys removed (they stop working within 2 × authCacheSeconds: 120 s by default); new API key (shown once):\n${key}`,
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
          throw new UsageError(
            'quiet-hours needs a time zone and HH:MM-HH:MM, e.g. Europe/Berlin 21:00-08:00',
          );
        await teams.setQuietHours(teamId, quiet);
        out(`team ${teamId}: quiet hours ${start}-${end} ${quiet.timeZone} (sends wait until they end)`);
        return 0;
      }
      case 'settings': {
        // settings <team> media-check=off|warn|enforce retention-days=1..400 full-numbers-in-events=true|false
        if (!teamId || !(await teams.getTeam(teamId))) throw new UsageError(`unknown team ${teamId ?? ''}`);
        let settings: TeamSettings;
        try {
          settings = parseTeamSettings(positionals.slice(2));
        } catch (error) {
          throw new UsageError((error as Error).message);
        }
        await teams.setSettings(teamId, settings);
        const now = await teams.getTeam(teamId);
        out(
          `team ${teamId}: media-check ${now?.mediaCheck ?? '(default)'}, retention-days ${now?.retentionDays ?? '(default 90)'}, full-numbers-in-events ${now?.fullNumbersInEvents === true}`,
        );
        return 0;
      }
      case 'revoke':
      case 'restore': {
        if (!teamId || !(await teams.getTeam(teamId))) throw new UsageError(`unknown team ${teamId ?? ''}`);
        await teams.setRevoked(teamId, command === 'revoke');
        const flushed = await flushAuthorizerCache(values['api-id'], values.stage, values.region);
        out(
          `team ${teamId} ${command === 'revoke' ? (flushed ? 'revoked: API Gateway cache flushed; refused within authCacheSeconds (the authorizer’s own cache)' : 'revoked: its keys are refused within 2 × authCacheSeconds (120 s by default)') : 'restored'}`,
        );
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
    throw error;
  } finally {
    client.destroy();
  }
}

class UsageError extends Error {}

/**
 * With `--api-id` and `--stage` (the ingest API, output IngestApiId of the stack): flushes the stage's authorizer
 * cache, so only the authorizer's own cache (authCacheSeconds) stands between a revocation and its effect.
 */
async function flushAuthorizerCache(
  restApiId?: string,
  stageName?: string,
  region?: string,
): Promise<boolean> {
  if (!restApiId && !stageName) return false;
  if (!restApiId || !stageName) throw new UsageError('--api-id and --stage go together');
  const client = new APIGatewayClient(region ? { region } : {});
  try {
    await client.send(new FlushStageAuthorizersCacheCommand({ restApiId, stageName }));
    return true;
  } finally {
    client.destroy();
  }
}

function positive(raw: string | undefined, flag: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive whole number`);
  return n;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runTeamsCli(process.argv.slice(2))
    .then((code) => process.exit(code))
    .catch((error: unknown) => {
      console.error(`teams: ${(error as Error).message}`);
      process.exit(1);
    });
}
