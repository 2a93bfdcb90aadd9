/**
 * Consent commands of `npm run teams`:
 *
 *   suppressions import <team> <file.csv>    adds every row to the team's suppression list (all rows checked first)
 *   suppressions export <team> <file.csv>    writes the team's list
 *   inbound-numbers <team> full|masked       whether the team's mms.inbound-received events carry full numbers
 *
 * CSV: a header `number,sender,reason,source,created-at`, then one entry per line; an empty sender (or `*`) is
 * team-wide, an empty reason is `manual`. Fields never contain commas or quotes (numbers, codes, ISO times), so
 * the format is read strictly, without quoting rules: a line that does not fit is refused with its number.
 * Tables: --table / SUPPRESSIONS_TABLE and --teams-table / TEAMS_TABLE, or those of a running `npm start`.
 */
import { writeFileSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoSenderOwners } from '../lambdas/adapters/dynamo-inbound-teams';
import { DynamoSuppressions } from '../lambdas/adapters/dynamo-suppressions';
import { DynamoTeams } from '../lambdas/adapters/dynamo-teams';
import {
  ALL_SENDERS,
  SUPPRESSION_REASONS,
  type SuppressionEntry,
  type SuppressionReason,
} from '../lambdas/domain/consent/suppression';
import { isInternationalNumber } from '../lambdas/domain/sinch/phone';
import { cliDynamo } from './runtime-info';

export const CONSENT_COMMANDS: readonly string[] = ['suppressions', 'inbound-numbers'];

const USAGE = `usage: npm run teams -- suppressions import|export <team> <file.csv>
       npm run teams -- inbound-numbers <team> full|masked
options: --table NAME (or SUPPRESSIONS_TABLE), --teams-table NAME (or TEAMS_TABLE), --endpoint URL, --region R`;

export const CSV_HEADER = 'number,sender,reason,source,created-at';

/** Reads a suppression CSV for `teamId`; every problem with its line number, or the entries. */
export function parseSuppressionCsv(
  text: string,
  teamId: string,
  senders: readonly string[],
  source: string,
  now: Date,
): { ok: true; entries: SuppressionEntry[] } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const entries: SuppressionEntry[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    const at = `line ${index + 1}`;
    if (line === '' || (index === 0 && line.startsWith('number'))) return;
    const [number = '', sender = '', reason = '', given = '', createdAt = '', ...extra] = line.split(',');
    if (extra.length > 0 || line.includes('"')) return void problems.push(`${at}: at most 5 plain fields`);
    if (!isInternationalNumber(number))
      return void problems.push(`${at}: ${number} is not an international number`);
    if (sender !== '' && sender !== ALL_SENDERS && !senders.includes(sender)) {
      return void problems.push(`${at}: ${sender} is not a sender of team ${teamId}`);
    }
    if (reason !== '' && !SUPPRESSION_REASONS.includes(reason as SuppressionReason)) {
      return void problems.push(`${at}: reason must be one of ${SUPPRESSION_REASONS.join(', ')}`);
    }
    if (createdAt !== '' && Number.isNaN(Date.parse(createdAt))) {
      return void problems.push(`${at}: created-at must be an ISO 8601 time`);
    }
    entries.push({
      teamId,
      recipient: number,
      sender: sender === '' ? ALL_SENDERS : sender,
      reason: (reason || 'manual') as SuppressionReason,
      source: given || source,
      createdAt: createdAt ? new Date(createdAt).toISOString() : now.toISOString(),
    });
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, entries };
}

export const suppressionCsv = (entries: readonly SuppressionEntry[]): string =>
  [
    CSV_HEADER,
    ...entries.map((e) =>
      [e.recipient, e.sender === ALL_SENDERS ? '' : e.sender, e.reason, e.source, e.createdAt].join(','),
    ),
  ].join('\n') + '\n';

export async function runConsentCli(
  argv: string[],
  out: (line: string) => void = console.log,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      table: { type: 'string' },
      'teams-table': { type: 'string' },
      endpoint: { type: 'string' },
      region: { type: 'string' },
    },
  });
  const [command, ...rest] = positionals;
  const flags = { endpoint: values.endpoint, region: values.region };
  const list = cliDynamo(
    { ...flags, table: values.table },
    { envVar: 'SUPPRESSIONS_TABLE', local: 'suppressionsTable' },
  );
  const teams = cliDynamo(
    { ...flags, table: values['teams-table'] },
    { envVar: 'TEAMS_TABLE', local: 'teamsTable' },
  );
  try {
    const teamsDb = DynamoDBDocumentClient.from(teams.client);
    if (command === 'inbound-numbers') {
      const [teamId, mode] = rest;
      if (!teamId || (mode !== 'full' && mode !== 'masked') || !teams.table) {
        out(!teams.table ? `No teams table: give --teams-table or set TEAMS_TABLE.\n${USAGE}` : USAGE);
        return 2;
      }
      await new DynamoSenderOwners(teamsDb, teams.table).setFullNumbers(teamId, mode === 'full');
      out(`team ${teamId}: inbound events carry ${mode === 'full' ? 'full' : 'masked'} numbers`);
      return 0;
    }
    const [action, teamId, file] = rest;
    if (command !== 'suppressions' || (action !== 'import' && action !== 'export') || !teamId || !file) {
      out(USAGE);
      return 2;
    }
    if (!list.table || !teams.table) {
      out(`No table: give --table / --teams-table or set SUPPRESSIONS_TABLE / TEAMS_TABLE.\n${USAGE}`);
      return 2;
    }
    const team = await new DynamoTeams(teamsDb, teams.table).getTeam(teamId);
    if (!team) {
      out(`unknown team ${teamId}`);
      return 2;
    }
    const store = new DynamoSuppressions(DynamoDBDocumentClient.from(list.client), list.table);
    if (action === 'export') {
      const entries: SuppressionEntry[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.list(teamId, { limit: 100, ...(cursor ? { cursor } : {}) });
        entries.push(...page.entries);
        cursor = page.cursor;
      } while (cursor);
      writeFileSync(file, suppressionCsv(entries));
      out(`team ${teamId}: ${entries.length} entries written to ${file}`);
      return 0;
    }
    const parsed = parseSuppressionCsv(
      readFileSync(file, 'utf8'),
      teamId,
      team.allowedSenders,
      `csv:${basename(file)}`,
      new Date(),
    );
    if (!parsed.ok) {
      out(`nothing imported; fix these lines of ${file}:\n${parsed.problems.join('\n')}`);
      return 1;
    }
    for (const entry of parsed.entries) await store.put(entry);
    out(`team ${teamId}: ${parsed.entries.length} entries imported from ${file}`);
    return 0;
  } finally {
    list.client.destroy();
    teams.client.destroy();
  }
}
