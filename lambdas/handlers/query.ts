/** GET /v2/messages/{id} and GET /v2/messages?client-reference=… — read-only views of a team's messages. */
import { GatewayError } from '../domain/errors';
import { lookupMessages } from '../domain/lookup';
import { dynamo } from '../adapters/aws-clients';
import { loadConfig } from '../adapters/config';
import { DynamoMessageRepository } from '../adapters/message-repository';
import { callingTeam, httpRoute, json } from './http';

const config = loadConfig(['messagesTable']);
const lookup = lookupMessages(new DynamoMessageRepository(dynamo(), config.messagesTable));

export const handler = httpRoute(async (event) => {
  const team = callingTeam(event);
  const id = event.pathParameters?.id;
  if (id) return json(200, await lookup.byId(team.id, id));
  const reference = event.queryStringParameters?.['client-reference'];
  if (!reference) {
    throw new GatewayError('E100', 'Give a tracking-id in the path or a client-reference query parameter');
  }
  return json(200, await lookup.byClientReference(team.id, reference));
});
