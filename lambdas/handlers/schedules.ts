/**
 * Recurring sends: POST /v2/schedules creates one; GET /v2/schedules lists the team's; GET and DELETE
 * /v2/schedules/{id} read and delete one; POST /v2/schedules/{id}/pause and /resume stop and restart its firings.
 */
import { GatewayError } from '../domain/sinch/error-codes';
import { manageRecurring } from '../domain/recurring/recurring';
import { dynamo } from '../adapters/aws-clients';
import { loadConfig } from '../adapters/config';
import { DynamoRecurring } from '../adapters/dynamo-recurring';
import { DynamoTemplates } from '../adapters/dynamo-templates';
import { randomIds, systemClock } from '../adapters/system';
import { callingTeam, header, httpRoute, json } from './http';
import { buildRecurringScheduler } from './wiring';

const config = loadConfig(['recurringTable', 'templatesTable', 'requireServiceId', 'defaultServiceId']);
const recurring = manageRecurring({
  schedules: new DynamoRecurring(dynamo(), config.recurringTable),
  templates: new DynamoTemplates(dynamo(), config.templatesTable),
  scheduler: buildRecurringScheduler(),
  clock: systemClock,
  ids: randomIds,
  requireServiceId: config.requireServiceId,
  ...(config.defaultServiceId ? { defaultServiceId: config.defaultServiceId } : {}),
});

export const handler = httpRoute(async (event) => {
  const team = callingTeam(event);
  const id = event.pathParameters?.id;
  const { httpMethod: method, resource } = event;
  if (resource === '/v2/schedules') {
    if (method === 'POST') {
      const key = header(event, 'idempotency-key');
      const created = await recurring.create(team, event.body, key);
      return json(created.statusCode, created.body);
    }
    if (method === 'GET') return json(200, await recurring.list(team.id));
    throw new GatewayError('GW-METHOD-NOT-ALLOWED');
  }
  if (!id) throw new GatewayError('GW-NOT-FOUND');
  if (resource === '/v2/schedules/{id}') {
    if (method === 'GET') return json(200, await recurring.get(team.id, id));
    if (method === 'DELETE') return json(200, await recurring.delete(team.id, id));
  }
  if (resource === '/v2/schedules/{id}/pause' && method === 'POST') {
    return json(200, await recurring.pause(team.id, id));
  }
  if (resource === '/v2/schedules/{id}/resume' && method === 'POST') {
    return json(200, await recurring.resume(team.id, id));
  }
  throw new GatewayError('GW-METHOD-NOT-ALLOWED');
});
