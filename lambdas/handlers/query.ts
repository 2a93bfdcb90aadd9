/**
 * GET /v2/messages/{id}, GET /v2/messages?client-reference=…, GET /v2/templates and GET /v2/templates/{id} —
 * read-only views of a team's messages and templates — and
 * GET /v2/openapi.json, the API's OpenAPI document (no team needed).
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { GatewayError } from '../domain/sinch/error-codes';
import { lookupMessages, lookupTemplates } from '../domain/messages/lookup';
import { dynamo } from '../adapters/aws-clients';
import { loadConfig } from '../adapters/config';
import { DynamoMessageRepository } from '../adapters/message-repository';
import { DynamoTemplates } from '../adapters/dynamo-templates';
import { callingTeam, httpRoute, json } from './http';
// The committed document (`npm run openapi` writes it; test/unit/openapi.test.ts keeps it current), bundled.
import openApiDocument from '../../docs/openapi.json' with { type: 'json' };

const config = loadConfig(['messagesTable', 'templatesTable']);
const lookup = lookupMessages(new DynamoMessageRepository(dynamo(), config.messagesTable));
const templates = lookupTemplates(new DynamoTemplates(dynamo(), config.templatesTable));

/** The document's resource, or its path behind another mapping (never a message id that happens to end so). */
const isOpenApiRequest = (event: APIGatewayProxyEvent): boolean =>
  event.resource === '/v2/openapi.json' ||
  (event.pathParameters?.id === undefined && (event.path ?? '').endsWith('/openapi.json'));

export const handler = httpRoute(async (event) => {
  if (isOpenApiRequest(event)) return json(200, openApiDocument);
  const team = callingTeam(event);
  const id = event.pathParameters?.id;
  if (event.resource.startsWith('/v2/templates')) {
    return json(200, id ? await templates.byId(team.id, id) : await templates.list(team.id));
  }
  if (id) return json(200, await lookup.byId(team.id, id));
  const reference = event.queryStringParameters?.['client-reference'];
  if (!reference) {
    throw new GatewayError('E100', 'Give a tracking-id in the path or a client-reference query parameter');
  }
  return json(200, await lookup.byClientReference(team.id, reference));
});
