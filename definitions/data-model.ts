/**
 * The one definition of the gateway's tables and queues: keys, indexes, TTL attributes, streams and queue
 * settings. The CDK stateful stack and the local runtime (`npm start`) both build their resources from it,
 * so the two can never disagree. Pure data: no aws-cdk-lib or AWS SDK import here, so Lambda code may use the
 * index names too.
 */

export type AttributeType = 'S' | 'N';

export interface KeyDefinition {
  readonly name: string;
  readonly type: AttributeType;
}

export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyDefinition;
  readonly sortKey?: KeyDefinition;
}

export interface TableDefinition {
  /** Logical id, also the suffix of the physical table name. */
  readonly id: string;
  readonly partitionKey: KeyDefinition;
  readonly sortKey?: KeyDefinition;
  readonly globalSecondaryIndexes: readonly IndexDefinition[];
  /** Attribute holding an epoch-seconds expiry, if items expire. */
  readonly ttlAttribute?: string;
  /** Stream view type, if the table feeds a stream consumer. */
  readonly stream?: 'NEW_IMAGE' | 'NEW_AND_OLD_IMAGES';
}

const S = (name: string): KeyDefinition => ({ name, type: 'S' });

export const INDEX = {
  messagesBySinchTrackingId: 'by-sinch-tracking-id',
  messagesByClientReference: 'by-client-reference',
  messagesOpenByAge: 'open-by-age',
  messagesRedactDue: 'redact-due',
  messagesByTeamAccepted: 'by-team-accepted',
  templatesByTeam: 'by-team',
  templatesByMmsId: 'by-mms-id',
  templatesBySinchTrackingId: 'by-sinch-tracking-id',
  postbacksByState: 'by-state',
  recurringByTeam: 'by-team',
} as const;

export const TABLES = {
  /** Teams and their API keys: `TEAM#<id>` items and `KEY#<sha256 of key>` items. Keys are never stored. */
  teams: {
    id: 'teams',
    partitionKey: S('pk'),
    globalSecondaryIndexes: [],
  },
  /** One item per message (gateway id), with state, attempts and status history. */
  messages: {
    id: 'messages',
    partitionKey: S('id'),
    globalSecondaryIndexes: [
      { indexName: INDEX.messagesBySinchTrackingId, partitionKey: S('sinchTrackingId') },
      {
        indexName: INDEX.messagesByClientReference,
        partitionKey: S('teamId'),
        sortKey: S('clientReference'),
      },
      // Sparse: only messages that still wait for a final state carry `openSince`.
      { indexName: INDEX.messagesOpenByAge, partitionKey: S('openShard'), sortKey: S('openSince') },
      // Sparse: messages whose content is not redacted yet carry `redactShard` (privacy/retention.ts).
      { indexName: INDEX.messagesRedactDue, partitionKey: S('redactShard'), sortKey: S('redactAfter') },
      // Message search and stats: a team's messages by accepted time (GET /v2/messages), never a Scan.
      { indexName: INDEX.messagesByTeamAccepted, partitionKey: S('teamId'), sortKey: S('createdAt') },
    ],
    ttlAttribute: 'expiresAt',
    // The outbox: every state written here becomes one status event (the status publisher reads the stream).
    stream: 'NEW_AND_OLD_IMAGES',
  },
  /** Saved MMS templates (savemms) and their transcoding state. */
  templates: {
    id: 'templates',
    partitionKey: S('id'),
    globalSecondaryIndexes: [
      { indexName: INDEX.templatesByTeam, partitionKey: S('teamId'), sortKey: S('createdAt') },
      { indexName: INDEX.templatesByMmsId, partitionKey: S('mmsId') },
      { indexName: INDEX.templatesBySinchTrackingId, partitionKey: S('sinchTrackingId') },
    ],
    // Template outcomes (ready, failed) become `mms.template-status-changed` events, like message states.
    stream: 'NEW_AND_OLD_IMAGES',
  },
  /** Raw postbacks, stored once per (tracking-id, code, timestamp); the stream feeds the status processor. */
  postbacks: {
    id: 'postbacks',
    partitionKey: S('pk'),
    globalSecondaryIndexes: [
      { indexName: INDEX.postbacksByState, partitionKey: S('state'), sortKey: S('receivedAt') },
    ],
    ttlAttribute: 'expiresAt',
    stream: 'NEW_IMAGE',
  },
  /** Recurring sends (POST /v2/schedules): expression, time zone, recipients, message, last firing. */
  recurring: {
    id: 'recurring',
    partitionKey: S('id'),
    globalSecondaryIndexes: [
      { indexName: INDEX.recurringByTeam, partitionKey: S('teamId'), sortKey: S('createdAt') },
    ],
  },
  /**
   * Recipients who may not be sent to (docs/decisions/0014-consent-and-suppression.md): `pk` = `TEAM#<team>`,
   * `sk` = `<recipient>#<sender>`, or `<recipient>#*` for a team-wide entry (every sender of the team).
   */
  suppressions: {
    id: 'suppressions',
    partitionKey: S('pk'),
    sortKey: S('sk'),
    globalSecondaryIndexes: [],
  },
  /** Idempotency records (team + Idempotency-Key) and rate-limit counters, all short-lived. */
  control: {
    id: 'control',
    partitionKey: S('pk'),
    globalSecondaryIndexes: [],
    ttlAttribute: 'expiresAt',
  },
  /** Media preflight results per URL (key: hash of the URL), kept 10 minutes by default (MEDIA_CACHE_SECONDS). */
  media: {
    id: 'media',
    partitionKey: S('pk'),
    globalSecondaryIndexes: [],
    ttlAttribute: 'expiresAt',
  },
} as const satisfies Record<string, TableDefinition>;

export type TableId = keyof typeof TABLES;

export interface QueueDefinition {
  readonly id: string;
  /** Visibility timeout in seconds. */
  readonly visibilityTimeoutSeconds: number;
  readonly retentionSeconds: number;
  /** Redrive to the dead-letter queue after this many receives. */
  readonly maxReceiveCount?: number;
  readonly deadLetterQueueId?: string;
}

/** The send Lambda's timeout; the queue's visibility timeout is six times it, as AWS recommends. */
export const SEND_FUNCTION_TIMEOUT_SECONDS = 30;
export const WEBHOOK_FUNCTION_TIMEOUT_SECONDS = 30;

export const QUEUES = {
  send: {
    id: 'send',
    visibilityTimeoutSeconds: 6 * SEND_FUNCTION_TIMEOUT_SECONDS,
    retentionSeconds: 4 * 24 * 3600,
    maxReceiveCount: 10,
    deadLetterQueueId: 'send-dlq',
  },
  sendDlq: {
    id: 'send-dlq',
    visibilityTimeoutSeconds: 30,
    retentionSeconds: 14 * 24 * 3600,
  },
  /** `mms.send-requested` events from the bus rule, buffered for the events worker. */
  events: {
    id: 'events',
    visibilityTimeoutSeconds: 6 * SEND_FUNCTION_TIMEOUT_SECONDS,
    retentionSeconds: 4 * 24 * 3600,
    maxReceiveCount: 5,
    deadLetterQueueId: 'events-dlq',
  },
  eventsDlq: {
    id: 'events-dlq',
    visibilityTimeoutSeconds: 30,
    retentionSeconds: 14 * 24 * 3600,
  },
  /** Status events for teams' webhooks (the EventBridge rule's target); retries are delayed copies. */
  webhook: {
    id: 'webhook',
    visibilityTimeoutSeconds: 6 * WEBHOOK_FUNCTION_TIMEOUT_SECONDS,
    retentionSeconds: 4 * 24 * 3600,
    maxReceiveCount: 5,
    deadLetterQueueId: 'webhook-dlq',
  },
  webhookDlq: {
    id: 'webhook-dlq',
    visibilityTimeoutSeconds: 30,
    retentionSeconds: 14 * 24 * 3600,
  },
} as const satisfies Record<string, QueueDefinition>;

/** Physical name of a resource for a deployment prefix, e.g. `mms-gateway-dev-messages`. */
export const physicalName = (prefix: string, id: string): string => `${prefix}-${id}`;

/**
 * The bus rule of event-triggered sends: the CDK rule and the local bus match with this same pattern.
 * Producers put `mms.send-requested` events with their own source (allowed sources are configuration).
 */
export const SEND_REQUESTED_PATTERN = { 'detail-type': ['mms.send-requested'] } as const;
