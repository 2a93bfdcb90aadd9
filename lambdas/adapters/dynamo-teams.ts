import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  ScanCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { Team, TeamDirectory } from '../domain/teams/ports';
import type { QuietHours } from '../domain/messages/scheduling';
import { generateApiKey, hashApiKey } from '../domain/teams/teams';
import { isValidTeamId, TEAM_ID_RULE } from '../domain/teams/team-id';
import { readTeamSettings, type TeamSettings } from '../domain/privacy/settings';

const teamPk = (teamId: string) => `TEAM#${teamId}`;
const keyPk = (keyHash: string) => `KEY#${keyHash}`;

/** `addTeam` for an id that already exists. */
export class TeamExistsError extends Error {
  override readonly name = 'TeamExistsError';
  constructor(readonly teamId: string) {
    super(`team ${teamId} already exists (use rotate for a new key, restore to re-enable it)`);
  }
}

export interface NewTeam {
  readonly id: string;
  readonly allowedSenders: readonly string[];
  readonly perSecond: number;
  readonly perDay: number;
}

/** Teams and key hashes in the teams table: `TEAM#<id>` items and `KEY#<sha256>` items pointing at a team. */
export class DynamoTeams implements TeamDirectory {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async findByKeyHash(keyHash: string): Promise<Team | undefined> {
    const key = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: keyPk(keyHash) } }),
    );
    const teamId: unknown = key.Item?.teamId;
    if (typeof teamId !== 'string') return undefined;
    // A key replaced by POST /v2/team/keys/rotate works until its grace period ends.
    const validUntil: unknown = key.Item?.validUntil;
    if (typeof validUntil === 'string' && Date.parse(validUntil) <= Date.now()) return undefined;
    return this.getTeam(teamId);
  }

  async getTeam(teamId: string): Promise<Team | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: teamPk(teamId) } }),
    );
    const item = out.Item;
    if (!item) return undefined;
    const quietHours = item.quietHours as QuietHours | undefined;
    return {
      id: teamId,
      allowedSenders: (item.allowedSenders as string[] | undefined) ?? [],
      limits: { perSecond: Number(item.perSecond), perDay: Number(item.perDay) },
      revoked: item.revoked === true,
      ...(quietHours ? { quietHours } : {}),
      ...readTeamSettings(item),
      ...(typeof item.validityPeriodSeconds === 'number'
        ? { validityPeriodSeconds: item.validityPeriodSeconds }
        : {}),
    };
  }

  /** Sets the team's media and privacy settings (only those given). */
  async setSettings(teamId: string, settings: TeamSettings): Promise<void> {
    const entries = Object.entries(settings).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return;
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: teamPk(teamId) },
        UpdateExpression: `SET ${entries.map(([k]) => `#${k} = :${k}`).join(', ')}, updatedAt = :at`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: Object.fromEntries(entries.map(([k]) => [`#${k}`, k])),
        ExpressionAttributeValues: {
          ':at': new Date().toISOString(),
          ...Object.fromEntries(entries.map(([k, v]) => [`:${k}`, v])),
        },
      }),
    );
  }

  /**
   * Creates a team and adds a key for it; returns the key, which is stored only as a hash. Never overwrites: an
   * existing team (revoked or not, with its webhook and quiet hours) is left as it is and TeamExistsError thrown.
   */
  async addTeam(team: NewTeam, apiKey = generateApiKey()): Promise<string> {
    if (!isValidTeamId(team.id)) throw new Error(`invalid team id "${team.id}": ${TEAM_ID_RULE}`);
    await this.db
      .send(
        new PutCommand({
          TableName: this.tableName,
          ConditionExpression: 'attribute_not_exists(pk)',
          Item: {
            pk: teamPk(team.id),
            type: 'team',
            teamId: team.id,
            allowedSenders: [...team.allowedSenders],
            perSecond: team.perSecond,
            perDay: team.perDay,
            revoked: false,
            updatedAt: new Date().toISOString(),
          },
        }),
      )
      .catch((error: unknown) => {
        if (error instanceof ConditionalCheckFailedException) throw new TeamExistsError(team.id);
        throw error;
      });
    await this.addKey(team.id, apiKey);
    return apiKey;
  }

  async addKey(teamId: string, apiKey: string): Promise<void> {
    const keyHash = hashApiKey(apiKey);
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: keyPk(keyHash),
          type: 'key',
          teamId,
          keyPrefix: apiKey.slice(0, 8),
          createdAt: new Date().toISOString(),
        },
      }),
    );
  }

  /** Replaces every key of the team with one new key (printed once by the CLI). */
  async rotate(teamId: string): Promise<string> {
    const old = await this.keysOf(teamId);
    const apiKey = generateApiKey();
    await this.addKey(teamId, apiKey);
    for (const pk of old) await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: { pk } }));
    return apiKey;
  }

  /**
   * Adds a new key for the team and makes the key with hash `keyHash` (the one the team called with) stop
   * working at `graceEndsAt` (the authorizer then refuses it). No Scan: the replaced key is named. A key that
   * already ends earlier keeps its earlier end.
   */
  async rotateKeyWithGrace(teamId: string, keyHash: string, graceEndsAt: Date): Promise<string> {
    const apiKey = generateApiKey();
    await this.addKey(teamId, apiKey);
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: keyPk(keyHash) },
          UpdateExpression: 'SET validUntil = :until',
          ConditionExpression: 'teamId = :team AND (attribute_not_exists(validUntil) OR validUntil > :until)',
          ExpressionAttributeValues: { ':until': graceEndsAt.toISOString(), ':team': teamId },
        }),
      );
    } catch (error) {
      if (!(error instanceof Error && error.name === 'ConditionalCheckFailedException')) throw error;
    }
    return apiKey;
  }

  /** Sets (or with undefined, removes) the team's quiet hours. */
  async setQuietHours(teamId: string, quietHours: QuietHours | undefined): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: teamPk(teamId) },
        UpdateExpression: quietHours
          ? 'SET quietHours = :q, updatedAt = :at'
          : 'REMOVE quietHours SET updatedAt = :at',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: {
          ':at': new Date().toISOString(),
          ...(quietHours ? { ':q': quietHours } : {}),
        },
      }),
    );
  }

  async setRevoked(teamId: string, revoked: boolean): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: teamPk(teamId) },
        UpdateExpression: 'SET revoked = :r, updatedAt = :at',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':r': revoked, ':at': new Date().toISOString() },
      }),
    );
  }

  async list(): Promise<Array<Team & { keys: number }>> {
    const items = await this.scanAll();
    const keyCount = new Map<string, number>();
    for (const item of items) {
      if (item.type === 'key')
        keyCount.set(String(item.teamId), (keyCount.get(String(item.teamId)) ?? 0) + 1);
    }
    return items
      .filter((item) => item.type === 'team')
      .map((item) => ({
        id: String(item.teamId),
        allowedSenders: (item.allowedSenders as string[] | undefined) ?? [],
        limits: { perSecond: Number(item.perSecond), perDay: Number(item.perDay) },
        revoked: item.revoked === true,
        keys: keyCount.get(String(item.teamId)) ?? 0,
      }));
  }

  private async keysOf(teamId: string): Promise<string[]> {
    return (await this.scanAll())
      .filter((i) => i.type === 'key' && i.teamId === teamId)
      .map((i) => String(i.pk));
  }

  private async scanAll(): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: start }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }
}
