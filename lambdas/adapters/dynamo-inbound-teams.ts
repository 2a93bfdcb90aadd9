import { paginateScan, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { InboundTeam, SenderOwners } from '../domain/consent/inbound';
import { readTeamSettings } from '../domain/privacy/settings';

/** Owners of a sender, read from the teams table's `TEAM#` items (a small table: one filtered scan). */
export class DynamoSenderOwners implements SenderOwners {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async teamsOwning(sender: string): Promise<InboundTeam[]> {
    const teams: InboundTeam[] = [];
    const pages = paginateScan(
      { client: this.db },
      {
        TableName: this.tableName,
        FilterExpression: '#type = :team AND contains(allowedSenders, :sender)',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: { ':team': 'team', ':sender': sender },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        // One setting for every event of the team (privacy/settings.ts): status, accepted and inbound.
        teams.push({
          id: String(item.teamId),
          fullNumbers: readTeamSettings(item).fullNumbersInEvents === true,
        });
      }
    }
    return teams;
  }

  /** The team's choice: full numbers in its events (`full-numbers-in-events`), or masked (the default). */
  async setFullNumbers(teamId: string, full: boolean): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: `TEAM#${teamId}` },
        UpdateExpression: 'SET fullNumbersInEvents = :full, updatedAt = :at',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':full': full, ':at': new Date().toISOString() },
      }),
    );
  }
}
