import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { INDEX } from '../../definitions/data-model';
import type { GatewayConfig } from '../config';
import type { GatewayFunction } from './gateway-function';

/**
 * What can let a Lambda create, move and delete the schedules of scheduled sends, and those of recurring sends
 * (SendScheduling).
 */
export interface SchedulingAccess {
  grantScheduling(fn: GatewayFunction): void;
  grantRecurring(fn: GatewayFunction): void;
}

export interface AcceptAccessProps {
  readonly config: Pick<
    GatewayConfig,
    | 'requireServiceId'
    | 'sinchServiceId'
    | 'mediaCheckDefault'
    | 'mediaCheckBudgetMs'
    | 'validityPeriodSeconds'
  >;
  readonly messagesTable: ITable;
  readonly templatesTable: ITable;
  readonly controlTable: ITable;
  /** The suppression list: accept refuses recipients on it. */
  readonly suppressionsTable: ITable;
  /** Media preflight results per URL (media/preflight.ts). */
  readonly mediaCacheTable: ITable;
  readonly sendQueue: IQueue;
  readonly sendDeadLetterQueue: IQueue;
  readonly scheduling: SchedulingAccess;
}

/**
 * Everything the accept use case needs, as every entry Lambda builds it (lambdas/handlers/wiring.ts
 * `buildAccept`): the messages, templates and control tables, the send queue, the scheduler, and the settings
 * of service-ids. The HTTP ingest and the events worker both get exactly this, so the two entries cannot drift.
 */
export class AcceptAccess {
  constructor(private readonly props: AcceptAccessProps) {}

  /** Sets the accept settings on `fn` and grants it what the accept use case does. */
  grantTo(fn: GatewayFunction): GatewayFunction {
    const { props } = this;
    fn.setEnv('sendQueueUrl', props.sendQueue.queueUrl)
      .setEnv('sendDlqUrl', props.sendDeadLetterQueue.queueUrl)
      .setEnv('requireServiceId', String(props.config.requireServiceId))
      .setEnv('mediaCheckDefault', props.config.mediaCheckDefault)
      .setEnv('mediaCheckBudgetMs', String(props.config.mediaCheckBudgetMs))
      .setEnv('validityPeriodSeconds', String(props.config.validityPeriodSeconds));
    if (props.config.sinchServiceId !== undefined) fn.setEnv('defaultServiceId', props.config.sinchServiceId);
    fn.grantTable('messagesTable', props.messagesTable, { items: ['PutItem', 'UpdateItem'] })
      // savemms records a template; sendsavedmms resolves one by gateway id or Sinch mms-id.
      .grantTable('templatesTable', props.templatesTable, {
        items: ['GetItem', 'PutItem', 'UpdateItem'],
        queryIndexes: [INDEX.templatesByMmsId],
      })
      // Idempotency records and the per-team usage counters.
      .grantTable('controlTable', props.controlTable, {
        items: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'],
      });
    fn.grantTable('suppressionsTable', props.suppressionsTable, { items: ['BatchGetItem'] });
    fn.grantTable('mediaCacheTable', props.mediaCacheTable, { items: ['GetItem', 'PutItem'] });
    props.sendQueue.grantSendMessages(fn.role);
    // `send-at`: a one-time schedule per message instead of a queue item.
    props.scheduling.grantScheduling(fn);
    return fn;
  }
}
