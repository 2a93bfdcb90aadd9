/**
 * GET /v2/messages/{id}, GET /v2/messages (search; ?client-reference=… alone: the lookup by reference),
 * GET /v2/messages/stats, GET /v2/templates and GET /v2/templates/{id} —
 * read-only views of a team's messages and templates — and
 * GET /v2/openapi.json, the API's OpenAPI document (no team needed).
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { lookupMessages, lookupTemplates } from '../domain/messages/lookup';
import { isLegacyReferenceLookup, searchMessages } from '../domain/messages/search';
import { DynamoMessageSearch } from '../adapters/dynamo-message-search';
import { systemClock } from '../adapters/system';
import { dynamo } from '../adapters/aws-clients';
import { loadConfig } from '../adapters/config';
import { DynamoMessageRepository } from '../adapters/message-repository';
import { DynamoTemplates } from '../adapters/dynamo-templates';
import { callingTeam, httpRoute, json } from './http';
// The committed document (`npm run openapi` writes it; test/unit/openapi.test.ts keeps it current), bundled.
import openApiDocument from '../../docs/openapi.json' with { type: 'json' };

const config = loadConfig(['messagesTable', 'templatesTable']);
const lookup = lookupMessages(new DynamoMessageRepository(dynamo(), config.messagesTable));
const search = searchMessages(new DynamoMessageSearch(dynamo(), config.messagesTable), systemClock);
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
  const params = event.queryStringParameters ?? {};
  if (event.resource === '/v2/messages/stats') return json(200, await search.stats(team.id, params));
  if (id) return json(200, await lookup.byId(team.id, id));
  const reference = params['client-reference'];
  // `?client-reference=` alone keeps its earlier answer (full views, oldest first); anything else is a search.
  if (reference && isLegacyReferenceLookup(params)) {
    return json(200, await lookup.byClientReference(team.id, reference));
  }
  return json(200, await search.search(team.id, params));
});
