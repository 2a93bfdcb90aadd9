/**
 * The media preflight and privacy use cases as the entry Lambdas build them: the accept hook's media gate,
 * the media check endpoint, the erasure and the retention job.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { dynamo } from '../adapters/aws-clients';
import { loadConfig } from '../adapters/config';
import { DynamoMediaCache } from '../adapters/dynamo-media-cache';
import { DynamoRedactionStore } from '../adapters/dynamo-redaction';
import { NodeMediaProber } from '../adapters/media-prober';
import { systemClock } from '../adapters/system';
import { checkMedia, type MediaGate } from '../domain/media/preflight';
import { logger, metrics } from './observability';

export function buildMediaCheck() {
  const config = loadConfig([
    'mediaCacheTable',
    'mediaCheckBudgetMs',
    'mediaCacheSeconds',
    'mediaLimitsKb',
    'mediaLocalOrigins',
  ]);
  return checkMedia({
    prober: new NodeMediaProber({ allowedLocalOrigins: config.mediaLocalOrigins }),
    cache: new DynamoMediaCache(dynamo(), config.mediaCacheTable),
    clock: systemClock,
    limitsKb: config.mediaLimitsKb,
    budgetMs: config.mediaCheckBudgetMs,
    cacheTtlSeconds: config.mediaCacheSeconds,
    allowedLocalOrigins: config.mediaLocalOrigins,
  });
}

export function buildMediaGate(): MediaGate {
  const { mediaCheckDefault } = loadConfig(['mediaCheckDefault']);
  return {
    check: buildMediaCheck(),
    defaultMode: mediaCheckDefault,
    onWarning: (findings) => {
      metrics.addMetric('MediaCheckWarnings', MetricUnit.Count, findings.length);
      logger.warn('media check findings (warn mode)', {
        findings: findings.map((f) => ({ path: f.path, code: f.code })),
      });
    },
  };
}

export function buildRedactionStore() {
  const config = loadConfig(['messagesTable', 'postbacksTable']);
  return new DynamoRedactionStore(dynamo(), config.messagesTable, config.postbacksTable);
}

export const retentionDaySeconds = () => loadConfig(['retentionDaySeconds']).retentionDaySeconds;
