import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  finishWebhookRotation,
  generateWebhookSecret,
  newWebhookConfig,
  rotateWebhookSecret,
  ROTATION_GRACE_SECONDS,
} from '../domain/webhooks/webhooks';
import type { WebhookConfig, WebhookDirectory, WebhookSecret } from '../domain/webhooks/ports';

const teamPk = (teamId: string) => `TEAM#${teamId}`;

/** The team does not exist, or (for rotation and removal) has no webhook. */
export class WebhookNotFoundError extends Error {
  constructor(
    readonly teamId: string,
    readonly what: 'team' | 'webhook',
  ) {
    super(what === 'team' ? `unknown team ${teamId}` : `team ${teamId} has no webhook`);
    this.name = 'WebhookNotFoundError';
  }
}

export type SetWebhookResult =
  | { readonly created: true; readonly secret: string; readonly config: WebhookConfig }
  | { readonly created: false; readonly config: WebhookConfig };

/**
 * A team's status webhook in the teams table: the `webhook` attribute of its `TEAM#<id>` item,
 * `{ url, secrets: [{ secret, createdAt, expiresAt? }], updatedAt }`. Secrets are stored as they are (HMAC needs
 * them; the table is encrypted at rest) and are shown to the team once, by the CLI.
 *
 * Changes are read-modify-write with a condition on `updatedAt`, so two concurrent rotations cannot lose a secret.
 */
export class DynamoWebhooks implements WebhookDirectory {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async webhookOf(teamId: string): Promise<WebhookConfig | undefined> {
    return (await this.read(teamId)).webhook;
  }

  /**
   * Registers the webhook URL. A new webhook gets a new secret (returned, to be shown once); changing the URL of
   * an existing webhook keeps its secrets.
   */
  async setUrl(
    teamId: string,
    url: string,
    now = new Date(),
    secret = generateWebhookSecret(),
  ): Promise<SetWebhookResult> {
    const { exists, webhook } = await this.read(teamId);
    if (!exists) throw new WebhookNotFoundError(teamId, 'team');
    if (webhook) {
      const config = { ...webhook, url, updatedAt: now.toISOString() };
      await this.replace(teamId, webhook, config);
      return { created: false, config };
    }
    const config = newWebhookConfig(url, secret, now);
    await this.replace(teamId, undefined, config);
    return { created: true, secret, config };
  }

  /** Starts a rotation: `secret` becomes current; the old one keeps signing for `graceSeconds` or until finished. */
  async rotate(
    teamId: string,
    now = new Date(),
    secret = generateWebhookSecret(),
    graceSeconds = ROTATION_GRACE_SECONDS,
  ): Promise<{ secret: string; config: WebhookConfig }> {
    const webhook = await this.existing(teamId);
    const config = rotateWebhookSecret(webhook, secret, now, graceSeconds);
    await this.replace(teamId, webhook, config);
    return { secret, config };
  }

  /** Ends a rotation: only the current secret signs from now on. */
  async finishRotation(teamId: string, now = new Date()): Promise<WebhookConfig> {
    const webhook = await this.existing(teamId);
    const config = finishWebhookRotation(webhook, now);
    await this.replace(teamId, webhook, config);
    return config;
  }

  /** Removes the webhook (URL and secrets). False when the team had none. */
  async remove(teamId: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: teamPk(teamId) },
          UpdateExpression: 'REMOVE #webhook',
          ConditionExpression: 'attribute_exists(#webhook)',
          ExpressionAttributeNames: { '#webhook': 'webhook' },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private async existing(teamId: string): Promise<WebhookConfig> {
    const { exists, webhook } = await this.read(teamId);
    if (!exists) throw new WebhookNotFoundError(teamId, 'team');
    if (!webhook) throw new WebhookNotFoundError(teamId, 'webhook');
    return webhook;
  }

  private async read(teamId: string): Promise<{ exists: boolean; webhook?: WebhookConfig }> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: teamPk(teamId) },
        ProjectionExpression: 'pk, #webhook',
        ExpressionAttributeNames: { '#webhook': 'webhook' },
        // A rotation or a new URL applies to the very next delivery.
        ConsistentRead: true,
      }),
    );
    if (!out.Item) return { exists: false };
    const webhook = toConfig(out.Item.webhook);
    return webhook ? { exists: true, webhook } : { exists: true };
  }

  /** Writes `next` if the stored webhook is still `previous` (same updatedAt), or absent when `previous` is. */
  private async replace(teamId: string, previous: WebhookConfig | undefined, next: WebhookConfig) {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: teamPk(teamId) },
          UpdateExpression: 'SET #webhook = :next',
          ConditionExpression: previous
            ? 'attribute_exists(pk) AND #webhook.#updatedAt = :previous'
            : 'attribute_exists(pk) AND attribute_not_exists(#webhook)',
          ExpressionAttributeNames: {
            '#webhook': 'webhook',
            ...(previous ? { '#updatedAt': 'updatedAt' } : {}),
          },
          ExpressionAttributeValues: {
            ':next': toItem(next),
            ...(previous ? { ':previous': previous.updatedAt } : {}),
          },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new Error(`the webhook of team ${teamId} changed meanwhile (or the team is gone); try again`, {
          cause: error,
        });
      }
      throw error;
    }
  }
}

const toItem = (config: WebhookConfig) => ({
  url: config.url,
  secrets: config.secrets.map((s) => ({
    secret: s.secret,
    createdAt: s.createdAt,
    ...(s.expiresAt ? { expiresAt: s.expiresAt } : {}),
  })),
  updatedAt: config.updatedAt,
});

function toConfig(raw: unknown): WebhookConfig | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { url, secrets, updatedAt } = raw as Record<string, unknown>;
  if (typeof url !== 'string' || !Array.isArray(secrets)) return undefined;
  const parsed: WebhookSecret[] = [];
  for (const s of secrets as unknown[]) {
    if (typeof s !== 'object' || s === null) continue;
    const { secret, createdAt, expiresAt } = s as Record<string, unknown>;
    if (typeof secret !== 'string' || secret === '') continue;
    parsed.push({
      secret,
      createdAt: typeof createdAt === 'string' ? createdAt : '',
      ...(typeof expiresAt === 'string' ? { expiresAt } : {}),
    });
  }
  return { url, secrets: parsed, updatedAt: typeof updatedAt === 'string' ? updatedAt : '' };
}
