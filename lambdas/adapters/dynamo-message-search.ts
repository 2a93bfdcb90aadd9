import { paginateQuery, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { INDEX } from '../../definitions/data-model';
import type { MessageRecord } from '../domain/messages/ports';
import type {
  MessageSearchRepository,
  SearchPage,
  SearchPosition,
  SearchQuery,
} from '../domain/messages/search';
import type { MessageState } from '../domain/messages/state-machine';

/** Index pages one search request reads at most; past it, the answer ends early with a cursor. */
const MAX_PAGES_PER_SEARCH = 10;
/** Items read per index page when filters may drop some. */
const FILTERED_PAGE_SIZE = 200;

const MIN_TIME = '0000-01-01T00:00:00.000Z';
const MAX_TIME = '9999-12-31T23:59:59.999Z';

const toRecord = (item: Record<string, unknown>): MessageRecord => {
  const { openShard: _o, openSince: _s, expiresAt: _e, ...record } = item;
  return record as unknown as MessageRecord;
};

/** Message search on the `by-team-accepted` index (team + createdAt), newest first; filters are Query filters. */
export class DynamoMessageSearch implements MessageSearchRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async search(teamId: string, query: SearchQuery): Promise<SearchPage> {
    const { filters } = query;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {
      ':team': teamId,
      ':since': filters.since ?? MIN_TIME,
      ':until': filters.until ?? MAX_TIME,
    };
    const conditions: string[] = [];
    if (filters.states) {
      names['#state'] = 'state';
      const keys = filters.states.map((s, i) => {
        values[`:s${i}`] = s;
        return `:s${i}`;
      });
      conditions.push(`#state IN (${keys.join(', ')})`);
    }
    const equal = (field: string, path: string, value: string | undefined) => {
      if (value === undefined) return;
      values[`:${field}`] = value;
      conditions.push(`${path} = :${field}`);
    };
    if (filters.to !== undefined) names['#request'] = 'request';
    if (filters.to !== undefined) names['#to'] = 'to';
    equal('to', '#request.#to', filters.to);
    equal('clientReference', 'clientReference', filters.clientReference);
    equal('groupId', 'groupId', filters.groupId);
    equal('scheduleId', 'scheduleId', filters.scheduleId);

    const messages: MessageRecord[] = [];
    let startKey: Record<string, unknown> | undefined = query.after
      ? { id: query.after.id, teamId, createdAt: query.after.createdAt }
      : undefined;
    for (let page = 0; page < MAX_PAGES_PER_SEARCH; page += 1) {
      const wanted = query.limit - messages.length;
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: INDEX.messagesByTeamAccepted,
          KeyConditionExpression: 'teamId = :team AND createdAt BETWEEN :since AND :until',
          ...(conditions.length > 0 ? { FilterExpression: conditions.join(' AND ') } : {}),
          ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: values,
          ScanIndexForward: false,
          // Without filters every item read is returned: read what the page needs and one more, which tells
          // whether there is a next page (no empty last page).
          Limit: conditions.length > 0 ? FILTERED_PAGE_SIZE : wanted + 1,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      const items = out.Items ?? [];
      for (let i = 0; i < items.length; i += 1) {
        const item = items[i] as Record<string, unknown>;
        messages.push(toRecord(item));
        if (messages.length === query.limit) {
          const lastOfAll = i === items.length - 1 && out.LastEvaluatedKey === undefined;
          return { messages, ...(lastOfAll ? {} : { next: positionOf(item) }) };
        }
      }
      startKey = out.LastEvaluatedKey;
      if (!startKey) return { messages };
    }
    // Many items filtered out: end this answer early; the cursor continues where the reading stopped.
    return { messages, ...(startKey ? { next: positionOf(startKey) } : {}) };
  }

  async countByState(teamId: string, since: string, until: string) {
    const counts: Partial<Record<MessageState, number>> = {};
    const pages = paginateQuery(
      { client: this.db, pageSize: 1000 },
      {
        TableName: this.tableName,
        IndexName: INDEX.messagesByTeamAccepted,
        KeyConditionExpression: 'teamId = :team AND createdAt BETWEEN :since AND :until',
        ProjectionExpression: '#state',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':team': teamId, ':since': since, ':until': until },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const state = item.state as MessageState;
        counts[state] = (counts[state] ?? 0) + 1;
      }
    }
    return counts;
  }
}

const positionOf = (item: Record<string, unknown>): SearchPosition => ({
  id: String(item.id),
  createdAt: String(item.createdAt),
});
