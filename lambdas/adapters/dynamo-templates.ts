import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { INDEX } from '../../definitions/data-model';
import type { HistoryEntry } from '../domain/messages/ports';
import type { TemplateChange, TemplateRecord, TemplateRepository } from '../domain/templates/ports';
import { appendHistoryEntry, transitionItem } from './dynamo-state';

export class DynamoTemplates implements TemplateRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(template: TemplateRecord): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: template,
        ConditionExpression: 'attribute_not_exists(id)',
      }),
    );
  }

  async get(id: string): Promise<TemplateRecord | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { id }, ConsistentRead: true }),
    );
    return out.Item as TemplateRecord | undefined;
  }

  findByMmsId(mmsId: string): Promise<TemplateRecord | undefined> {
    return this.findOne(INDEX.templatesByMmsId, 'mmsId', mmsId);
  }

  findBySinchTrackingId(sinchTrackingId: string): Promise<TemplateRecord | undefined> {
    return this.findOne(INDEX.templatesBySinchTrackingId, 'sinchTrackingId', sinchTrackingId);
  }

  async listByTeam(teamId: string): Promise<TemplateRecord[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: INDEX.templatesByTeam,
        KeyConditionExpression: 'teamId = :t',
        ExpressionAttributeValues: { ':t': teamId },
        ScanIndexForward: false,
        Limit: 200,
      }),
    );
    return (out.Items ?? []) as TemplateRecord[];
  }

  transition(
    id: string,
    expected: { state: TemplateRecord['state']; attempts: number },
    change: TemplateChange,
  ): Promise<boolean> {
    const { state, history, ...set } = change;
    return transitionItem(this.db, this.tableName, id, expected, { state, history, set });
  }

  appendHistory(id: string, entry: HistoryEntry): Promise<void> {
    return appendHistoryEntry(this.db, this.tableName, id, entry);
  }

  private async findOne(indexName: string, key: string, value: string): Promise<TemplateRecord | undefined> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: indexName,
        KeyConditionExpression: '#k = :v',
        ExpressionAttributeNames: { '#k': key },
        ExpressionAttributeValues: { ':v': value },
        Limit: 1,
      }),
    );
    const item = out.Items?.[0];
    // Indexes are eventually consistent: read the item itself for its current state.
    return item ? this.get(String(item.id)) : undefined;
  }
}
