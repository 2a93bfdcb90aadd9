/**
 * The send worker: SQS batches of queued message ids → Sinch, paced by the shared account bucket.
 * Items are processed concurrently within a batch (each waits for its own slot); an item that throws is
 * reported as a batch item failure, so the rest of the batch is never sent twice.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSRecord } from 'aws-lambda';
import { sendQueuedMessage } from '../domain/messages/send';
import { batchPacer, maxLatenessMs } from '../domain/pacing/rate-limit';
import { dynamo, secretsManager, sqs } from '../adapters/aws-clients';
import { loadConfig } from '../adapters/config';
import { DynamoSendPacer } from '../adapters/dynamo-pacer';
import { DynamoTemplates } from '../adapters/dynamo-templates';
import { DynamoSuppressions } from '../adapters/dynamo-suppressions';
import { sendConsent } from '../domain/consent/suppression';
import { SecretsManagerSinchKey } from '../adapters/secrets';
import { SinchHttpClient } from '../adapters/sinch-client';
import { parseSendQueueBody, SqsSendQueue } from '../adapters/sqs-send-queue';
import { systemClock } from '../adapters/system';
import { batchRoute } from './batch';
import { logger, metrics } from './observability';
import { countedMessages } from './usage-wiring';

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
  'maxAttempts',
  'backoffBaseSeconds',
  'backoffMaxSeconds',
  'ambiguousTimeoutPolicy',
  'suppressionsTable',
]);

const pacerSettings = {
  accountTps: config.accountTps,
  safetyFactor: config.tpsSafetyFactor,
  burst: 1,
  maxWaitMs: config.pacerMaxWaitMs,
};

const pacer = new DynamoSendPacer(dynamo(), config.controlTable, pacerSettings);
const deps = {
  messages: countedMessages(config.messagesTable),
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
  consent: sendConsent(new DynamoSuppressions(dynamo(), config.suppressionsTable)),
};

async function processRecord(send: ReturnType<typeof sendQueuedMessage>, record: SQSRecord): Promise<void> {
  const { messageId } = parseSendQueueBody(record.body);
  const result = await send({ messageId });
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

export const handler = batchRoute('sqs', 'SendBatchRecords', (event) => {
  // The batch's records book their send slots as one block (one write for the batch).
  const send = sendQueuedMessage({ ...deps, pacer: batchPacer(pacer, event.Records.length) });
  return (record: SQSRecord) => processRecord(send, record);
});
