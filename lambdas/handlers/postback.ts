/**
 * POST /postbacks/mms on the postback API (behind the WAF IP allowlist). It does the minimum, well within
 * Sinch's 10 s deadline: parse, store the raw body once (a retried or duplicated postback is stored once and
 * still answered 200), answer. Not JSON: 400 and a log line. Storage failure: 500, so that Sinch retries.
 */
import { MAX_POSTBACK_BYTES, readPostback, postbackKey } from '../domain/postbacks/parsing';
import { isInboundPostback, readInbound } from '../domain/consent/inbound';
import { dynamo, secretsManager } from '../adapters/aws-clients';
import { isAcceptedToken } from '../domain/postbacks/token';
import { SecretsManagerPostbackTokens } from '../adapters/secrets';
import { systemClock } from '../adapters/system';
import { DynamoPostbacks } from '../adapters/dynamo-postbacks';
import { loadConfig } from '../adapters/config';
import { httpRoute, json } from './http';
import { logger } from './observability';

const config = loadConfig(['postbacksTable', 'postbackTokenSecretId']);
const store = new DynamoPostbacks(dynamo(), config.postbacksTable);
/** The token Sinch gives in the postback URL as `?token=…`: from Secrets Manager at run time (not set locally). */
const tokens = config.postbackTokenSecretId
  ? new SecretsManagerPostbackTokens(secretsManager(), config.postbackTokenSecretId, systemClock)
  : undefined;

const tokenAccepted = async (given: string | undefined): Promise<boolean> =>
  !tokens || isAcceptedToken(given, await tokens.tokens());

export const handler = httpRoute(async (event) => {
  if (!(await tokenAccepted(event.queryStringParameters?.token))) {
    logger.warn('postback with a wrong or missing token refused', {
      sourceIp: event.requestContext.identity.sourceIp,
    });
    return json(403, { status: 'failure', 'error-code': 'E104', 'error-info': 'Invalid postback token' });
  }
  const body = event.body ?? '';
  if (Buffer.byteLength(body) > MAX_POSTBACK_BYTES) {
    logger.warn('postback body too large to store; refused', { bytes: Buffer.byteLength(body) });
    return json(400, {
      status: 'failure',
      'error-code': 'GW-BODY-TOO-LARGE',
      'error-info': 'Postback body too large',
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    logger.warn('postback body is not a JSON object; refused', { bytes: body.length });
    return json(400, {
      status: 'failure',
      'error-code': 'E108',
      'error-info': 'Postback body must be a JSON object',
    });
  }
  const inbound = parsed as Record<string, unknown>;
  if (isInboundPostback(inbound)) {
    const read = readInbound(inbound);
    if (!read.ok) {
      logger.warn('inbound (MO) postback unreadable; refused', { problem: read.problem });
      return json(400, {
        status: 'failure',
        'error-code': 'E100',
        'error-info': `Inbound message: ${read.problem}`,
      });
    }
  }
  const postback = readPostback(parsed as Record<string, unknown>);
  const stored = await store.storeRaw({
    pk: postbackKey(postback, body),
    body,
    receivedAt: new Date().toISOString(),
    sourceIp: event.requestContext.identity.sourceIp,
    ...(postback.trackingId ? { trackingId: postback.trackingId } : {}),
    ...(postback.code ? { code: postback.code } : {}),
  });
  if (!stored) logger.info('duplicate postback acknowledged', { code: postback.code });
  return json(200, { status: 'success' });
});
