/**
 * The scheduled sweep (EventBridge schedule, every minute; locally a timer): retries pending postback
 * correlations, parks orphans, applies postbacks still `received` after RECEIVED_STUCK_AFTER_SECONDS (the status
 * processor gave up on them), and moves messages with no final postback after UNKNOWN_AFTER_SECONDS to unknown.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { dynamo } from '../adapters/aws-clients';
import { loadConfig } from '../adapters/config';
import { DynamoPostbacks } from '../adapters/dynamo-postbacks';
import { DynamoMessageRepository } from '../adapters/message-repository';
import { systemClock } from '../adapters/system';
import { sweep } from '../domain/messages/sweep';
import { applyStoredPostback } from './status-processor';
import { redactExpired } from '../domain/privacy/retention';
import { buildRedactionStore, retentionDaySeconds } from './media-privacy-wiring';
import { logger, metrics } from './observability';

const config = loadConfig([
  'messagesTable',
  'postbacksTable',
  'unknownAfterSeconds',
  'receivedStuckAfterSeconds',
]);

const run = sweep({
  messages: new DynamoMessageRepository(dynamo(), config.messagesTable),
  postbacks: new DynamoPostbacks(dynamo(), config.postbacksTable),
  process: applyStoredPostback,
  clock: systemClock,
  unknownAfterMs: config.unknownAfterSeconds * 1000,
  receivedStuckAfterMs: config.receivedStuckAfterSeconds * 1000,
  batchLimit: 100,
});

const redact = redactExpired({
  store: buildRedactionStore(),
  clock: systemClock,
  batchLimit: 100,
  daySeconds: retentionDaySeconds(),
});

export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(async () => {
    const report = { ...(await run()), ...(await redact()) };
    metrics.addMetric('MessagesRedacted', MetricUnit.Count, report.redacted);
    metrics.addMetric('OrphanPostbacks', MetricUnit.Count, report.orphaned);
    metrics.addMetric('MessagesSweptUnknown', MetricUnit.Count, report.markedUnknown);
    metrics.addMetric('PostbacksRecovered', MetricUnit.Count, report.recovered);
    if (report.recovered > 0)
      logger.warn('postbacks the status processor gave up on were applied', { ...report });
    if (report.orphaned > 0) logger.warn('orphan postbacks parked', { ...report });
    return report;
  });
