/** POST /v2/ — the Sinch-compatible entry: every action goes through the accept use case. */
import { callingTeam, header, httpRoute, json } from './http';
import { buildAccept } from './wiring';
import { isDryRun } from '../domain/consent/dry-run';

const accept = buildAccept();

export const handler = httpRoute(async (event) => {
  const idempotencyKey = header(event, 'idempotency-key');
  const result = await accept({
    team: callingTeam(event),
    body: event.body,
    ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
    ...(isDryRun(event.queryStringParameters?.['dry-run']) ? { dryRun: true } : {}),
  });
  return json(result.statusCode, result.body);
});
