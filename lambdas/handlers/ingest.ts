/** POST /v2/ — the Sinch-compatible entry: every action goes through the accept use case. Also POST /v2/media/check. */
import { GatewayError } from '../domain/sinch/error-codes';
import { mediaCheckEndpoint } from '../domain/media/check-endpoint';
import { callingTeam, header, httpRoute, json } from './http';
import { buildMediaCheck } from './media-privacy-wiring';
import { buildAccept } from './wiring';
import { countRefused } from './usage-wiring';
import { isDryRun } from '../domain/consent/dry-run';

const accept = buildAccept();
const mediaCheck = mediaCheckEndpoint(buildMediaCheck());

export const handler = httpRoute(async (event) => {
  if (event.resource === '/v2/media/check') {
    callingTeam(event);
    return json(200, await mediaCheck(event.body));
  }
  const idempotencyKey = header(event, 'idempotency-key');
  const team = callingTeam(event);
  const dryRun = isDryRun(event.queryStringParameters?.['dry-run']);
  const result = await accept({
    team,
    body: event.body,
    ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
    ...(dryRun ? { dryRun: true } : {}),
  }).catch(async (error: unknown) => {
    if (!dryRun && error instanceof GatewayError && error.httpStatus < 500) await countRefused(team.id);
    throw error;
  });
  if (!dryRun && result.statusCode >= 400 && result.statusCode < 500) await countRefused(team.id);
  return json(result.statusCode, result.body);
});
