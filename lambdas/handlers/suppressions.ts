/** GET /v2/suppressions, PUT and DELETE /v2/suppressions/{number}: the calling team's suppression list. */
import { manageSuppressions } from '../domain/consent/manage';
import { GatewayError } from '../domain/sinch/error-codes';
import { dynamo } from '../adapters/aws-clients';
import { loadConfig } from '../adapters/config';
import { DynamoSuppressions } from '../adapters/dynamo-suppressions';
import { systemClock } from '../adapters/system';
import { callingTeam, httpRoute, json } from './http';

const config = loadConfig(['suppressionsTable']);
const suppressions = manageSuppressions({
  store: new DynamoSuppressions(dynamo(), config.suppressionsTable),
  clock: systemClock,
});

export const handler = httpRoute(async (event) => {
  const team = callingTeam(event);
  const query = event.queryStringParameters ?? {};
  const number = event.pathParameters?.number;
  if (event.httpMethod === 'GET' && number === undefined)
    return json(200, await suppressions.list(team, query));
  if (event.httpMethod === 'PUT') return json(200, await suppressions.put(team, number, event.body));
  if (event.httpMethod === 'DELETE') return json(200, await suppressions.remove(team, number, query));
  throw new GatewayError('GW-METHOD-NOT-ALLOWED');
});
