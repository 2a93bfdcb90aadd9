/**
 * The send worker: SQS batches of queued message ids → Sinch, paced by the shared account bucket.
 * Items are processed concurrently within a batch (each waits for its own slot); an item that throws is
 * reported as a batch item failure, so the rest of the batch is never sent twice.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { sendQueuedMessage } from '../domain/send';
import { batchPacer, maxLatenessMs } from '../domain/rate-limit';
import { aimdSettings } from '../domain/pacing/adaptive';
import { dynamo, secretsManager, sqs } from '../adapters/aws-clients';
import { loadConfig } from '../adapters/config';
import { DynamoSendPacer } from '../adapters/dynamo-pacer';
import { CoalescedMessageRepository } from '../adapters/coalesced-message-reads';
import { DynamoTemplates } from '../adapters/dynamo-templates';
import { SecretsManagerSinchKey } from '../adapters/secrets';
import { SinchHttpClient } from '../adapters/sinch-client';
import { parseSendQueueBody, SqsSendQueue } from '../adapters/sqs-send-queue';
import { systemClock } from '../adapters/system';
import { logger, metrics } from './observability';

const config = loadConfig([
  'messagesTable',
  'templatesTable',
  'controlTable',
  'sendQueueUrl',
  'sendDlqUrl',
  'sinchBaseUrl',
  'sinchSecretId',
  'sinchTimeoutMs',
  'accountTps',
  'tpsSafetyFactor',
  'pacerMaxWaitMs',
  'pacerCeilingFactor',
  'maxAttempts',
  'backoffBaseSeconds',
  'backoffMaxSeconds',
  'ambiguousTimeoutPolicy',
]);

const pacerSettings = {
  accountTps: config.accountTps,
  safetyFactor: config.tpsSafetyFactor,
  burst: 1,
  maxWaitMs: config.pacerMaxWaitMs,
};

const pacer = new DynamoSendPacer(
  dynamo(),
  config.controlTable,
  pacerSettings,
  undefined,
  aimdSettings(config.tpsSafetyFactor, config.pacerCeilingFactor),
);
const deps = {
  // The batch's records read their messages in one BatchGetItem.
  messages: new CoalescedMessageRepository(dynamo(), config.messagesTable),
  templates: new DynamoTemplates(dynamo(), config.templatesTable),
  queue: new SqsSendQueue(sqs(), config.sendQueueUrl, config.sendDlqUrl),
  pacer,
  sinch: new SinchHttpClient({ baseUrl: config.sinchBaseUrl, timeoutMs: config.sinchTimeoutMs }),
  secrets: new SecretsManagerSinchKey(secretsManager(), config.sinchSecretId, systemClock),
  clock: systemClock,
  random: Math.random,
  maxAttempts: config.maxAttempts,
  maxLatenessMs: maxLatenessMs(pacerSettings),
  backoff: { baseSeconds: config.backoffBaseSeconds, maxSeconds: config.backoffMaxSeconds },
  ambiguousTimeoutPolicy: config.ambiguousTimeoutPolicy,
  inFlightGuardMs: 2 * config.sinchTimeoutMs + config.pacerMaxWaitMs,
  log: logger,
};

async function processRecord(send: ReturnType<typeof sendQueuedMessage>, record: SQSRecord): Promise<void> {
  const { messageId } = parseSendQueueBody(record.body);
  const result = await send({ messageId });
  // An E113 lowers the bucket's share of the limit (AIMD; once per burst whichever worker saw it).
  if (result.kind === 'retry' && result.reason === 'E113') await pacer.throttled(Date.now());
  if (result.kind === 'retry') {
    metrics.addMetric(result.reason === 'pacing' ? 'SendDeferred' : 'SendRetried', MetricUnit.Count, 1);
    logger.info('send retry scheduled', {
      messageId,
      reason: result.reason,
      afterSeconds: result.afterSeconds,
    });
  } else {
    metrics.addMetric(`Send_${result.outcome}`, MetricUnit.Count, 1);
  }
}

export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(async (event, context) => {
    metrics.addMetric('SendBatchRecords', MetricUnit.Count, event.Records.length);
    // The batch's records book their send slots as one block (one write for the batch).
    const send = sendQueuedMessage({ ...deps, pacer: batchPacer(pacer, event.Records.length) });
    // A processor per invocation: it holds the batch's state, and the local runtime runs batches concurrently.
    return processPartialResponse(
      event,
      (record: SQSRecord) => processRecord(send, record),
      new BatchProcessor(EventType.SQS),
      { context },
    );
  });
