/** POST /v2/ — the Sinch-compatible entry: every action goes through the accept use case. Also POST /v2/media/check. */
import { mediaCheckEndpoint } from '../domain/media/check-endpoint';
import { callingTeam, header, httpRoute, json } from './http';
import { buildMediaCheck } from './media-privacy-wiring';
import { buildAccept } from './wiring';

const accept = buildAccept();
const mediaCheck = mediaCheckEndpoint(buildMediaCheck());

export const handler = httpRoute(async (event) => {
  if (event.resource === '/v2/media/check') {
    callingTeam(event);
    return json(200, await mediaCheck(event.body));
  }
  const idempotencyKey = header(event, 'idempotency-key');
  const result = await accept({
    team: callingTeam(event),
    body: event.body,
    ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
  });
  return json(result.statusCode, result.body);
});
