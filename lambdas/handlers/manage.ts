/** DELETE /v2/messages/{id} cancels a scheduled message; PATCH /v2/messages/{id} with `send-at` moves it. */
import { manageScheduled } from '../domain/messages/cancel-reschedule';
import { GatewayError } from '../domain/sinch/error-codes';
import { dynamo } from '../adapters/aws-clients';
import { loadConfig } from '../adapters/config';
import { DynamoMessageRepository } from '../adapters/message-repository';
import { systemClock } from '../adapters/system';
import { callingTeam, httpRoute, json } from './http';
import { buildScheduler } from './wiring';
import { eraseContent } from '../domain/privacy/retention';
import { buildRedactionStore } from './media-privacy-wiring';

const config = loadConfig(['messagesTable']);
const manage = manageScheduled({
  messages: new DynamoMessageRepository(dynamo(), config.messagesTable),
  scheduler: buildScheduler(),
  clock: systemClock,
});
const erase = eraseContent({
  messages: new DynamoMessageRepository(dynamo(), config.messagesTable),
  store: buildRedactionStore(),
  clock: systemClock,
});

export const handler = httpRoute(async (event) => {
  const team = callingTeam(event);
  const id = event.pathParameters?.id;
  if (!id) throw new GatewayError('GW-NOT-FOUND');
  if (event.resource === '/v2/messages/{id}/content') {
    if (event.httpMethod === 'DELETE') return json(200, await erase(team.id, id));
    throw new GatewayError('GW-METHOD-NOT-ALLOWED');
  }
  if (event.httpMethod === 'DELETE') return json(200, await manage.cancel(team.id, id));
  if (event.httpMethod === 'PATCH') return json(200, await manage.reschedule(team.id, id, event.body));
  throw new GatewayError('GW-METHOD-NOT-ALLOWED');
});
