/** POST /v2/ — the Sinch-compatible entry: every action goes through the accept use case. */
import { acceptSubmission } from '../domain/accept';
import { dynamo, sqs } from '../adapters/aws-clients';
import { loadConfig } from '../adapters/config';
import { DynamoIdempotencyStore, DynamoUsageLimiter } from '../adapters/dynamo-control';
import { DynamoMessageRepository } from '../adapters/message-repository';
import { DynamoTemplates } from '../adapters/dynamo-templates';
import { SqsSendQueue } from '../adapters/sqs-send-queue';
import { randomIds, systemClock } from '../adapters/system';
import { callingTeam, header, httpRoute, json } from './http';

const config = loadConfig([
  'messagesTable',
  'templatesTable',
  'controlTable',
  'sendQueueUrl',
  'sendDlqUrl',
  'requireServiceId',
  'defaultServiceId',
]);

const accept = acceptSubmission({
  messages: new DynamoMessageRepository(dynamo(), config.messagesTable),
  templates: new DynamoTemplates(dynamo(), config.templatesTable),
  queue: new SqsSendQueue(sqs(), config.sendQueueUrl, config.sendDlqUrl),
  idempotency: new DynamoIdempotencyStore(dynamo(), config.controlTable),
  usage: new DynamoUsageLimiter(dynamo(), config.controlTable),
  clock: systemClock,
  ids: randomIds,
  requireServiceId: config.requireServiceId,
  ...(config.defaultServiceId ? { defaultServiceId: config.defaultServiceId } : {}),
  enqueueAttempts: 3,
});

export const handler = httpRoute(async (event) => {
  const idempotencyKey = header(event, 'idempotency-key');
  const result = await accept({
    team: callingTeam(event),
    body: event.body,
    ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
  });
  return json(result.statusCode, result.body);
});
