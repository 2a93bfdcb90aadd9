/**
 * The team API: GET /v2/team, PUT and DELETE /v2/team/webhook, POST /v2/team/webhook/rotate-secret,
 * POST /v2/team/webhook/test, GET /v2/team/webhook/deliveries, PUT /v2/team/quiet-hours,
 * POST /v2/team/keys/rotate and GET /v2/usage — each for the calling team only (docs/api.md).
 */
import { GatewayError } from '../domain/sinch/error-codes';
import { teamApi } from '../domain/teams/self-service';
import { ROTATION_GRACE_SECONDS } from '../domain/webhooks/webhooks';
import { dynamo } from '../adapters/aws-clients';
import { loadConfig } from '../adapters/config';
import { DynamoDeliveryLog, DynamoUsageCounter } from '../adapters/dynamo-team-usage';
import { DynamoTeams } from '../adapters/dynamo-teams';
import { DynamoWebhooks } from '../adapters/dynamo-webhooks';
import { DEFAULT_RETENTION_DAYS } from '../domain/privacy/retention';
import { systemClock } from '../adapters/system';
import { WebhookHttpClient } from '../adapters/webhook-client';
import { callingTeam, header, httpRoute, json } from './http';

const config = loadConfig([
  'teamsTable',
  'controlTable',
  'webhookTimeoutMs',
  'webhookAllowInsecureLocal',
  'keyRotationGraceSeconds',
  'usagePriceMms',
  'usagePriceSms',
  'usageCurrency',
]);
const webhooks = new DynamoWebhooks(dynamo(), config.teamsTable);
const api = teamApi({
  teams: new DynamoTeams(dynamo(), config.teamsTable),
  webhooks: {
    webhookOf: (teamId) => webhooks.webhookOf(teamId),
    setUrl: (teamId, url, now) => webhooks.setUrl(teamId, url, now),
    remove: (teamId) => webhooks.remove(teamId),
    rotate: (teamId, now, grace) => webhooks.rotate(teamId, now, undefined, grace),
  },
  sender: new WebhookHttpClient({
    timeoutMs: config.webhookTimeoutMs,
    blockPrivateAddresses: !config.webhookAllowInsecureLocal,
  }),
  log: new DynamoDeliveryLog(dynamo(), config.controlTable),
  usage: new DynamoUsageCounter(dynamo(), config.controlTable),
  prices: { currency: config.usageCurrency, mms: config.usagePriceMms, sms: config.usagePriceSms },
  clock: systemClock,
  urlRules: { allowInsecureLocal: config.webhookAllowInsecureLocal },
  keyGraceSeconds: config.keyRotationGraceSeconds,
  secretGraceSeconds: ROTATION_GRACE_SECONDS,
  retentionDays: DEFAULT_RETENTION_DAYS,
});

export const handler = httpRoute(async (event) => {
  const team = callingTeam(event);
  const query = event.queryStringParameters ?? {};
  const route = `${event.httpMethod} ${event.resource}`;
  switch (route) {
    case 'GET /v2/team':
      return json(200, await api.get(team.id));
    case 'PUT /v2/team/webhook': {
      const set = await api.setWebhook(team.id, event.body);
      return json(set.statusCode, set.body);
    }
    case 'DELETE /v2/team/webhook':
      return json(200, await api.deleteWebhook(team.id));
    case 'POST /v2/team/webhook/rotate-secret':
      return json(200, await api.rotateSecret(team.id));
    case 'POST /v2/team/webhook/test':
      return json(200, await api.testWebhook(team.id));
    case 'GET /v2/team/webhook/deliveries':
      return json(200, await api.deliveries(team.id, query.limit));
    case 'PUT /v2/team/quiet-hours':
      return json(200, await api.setQuietHours(team.id, event.body));
    case 'POST /v2/team/keys/rotate':
      return json(200, await api.rotateKey(team.id, header(event, 'x-api-key')));
    case 'GET /v2/usage':
      return json(200, await api.usage(team.id, query.since, query.until));
    default:
      throw new GatewayError('GW-METHOD-NOT-ALLOWED');
  }
});
