/**
 * `npm start`: the whole gateway on 127.0.0.1, ready for curl.
 *   PORT (default 8080) — gateway API; the postback listener and the Sinch simulator take free ports unless
 *   POSTBACK_PORT / SINCH_SIM_PORT are set. `--persist DIR` keeps DynamoDB data between runs.
 *   ACCOUNT_TPS (default 10), MMS_LOCAL_API_KEY (default local-dev-key).
 */
import { parseArgs } from 'node:util';
import { LOCAL_TEAM, startLocalGateway } from './runtime';
import { removeRuntimeInfo, writeRuntimeInfo } from './runtime-info';

const { values } = parseArgs({
  options: {
    persist: { type: 'string' },
    workers: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  console.log(
    'Usage: npm start [-- --persist DIR] [--workers N]\nEnvironment: PORT, POSTBACK_PORT, SINCH_SIM_PORT, ACCOUNT_TPS, MMS_LOCAL_API_KEY',
  );
  process.exit(0);
}

const portFrom = (name: string): number | undefined => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`${name} must be a port number (0-65535), got "${raw}"`);
    process.exit(2);
  }
  return port;
};

const started = Date.now();
let gateway: Awaited<ReturnType<typeof startLocalGateway>>;
try {
  const postbackPort = portFrom('POSTBACK_PORT');
  const simulatorPort = portFrom('SINCH_SIM_PORT');
  gateway = await startLocalGateway({
    port: portFrom('PORT') ?? 8080,
    ...(postbackPort !== undefined ? { postbackPort } : {}),
    ...(simulatorPort !== undefined ? { simulatorPort } : {}),
    ...(values.persist ? { persistDir: values.persist } : {}),
    ...(values.workers ? { sendWorkers: Number(values.workers) } : {}),
    accountTps: Number(process.env.ACCOUNT_TPS ?? 10),
    logLevel: 'INFO',
  });
} catch (error) {
  console.error((error as Error).message.split('\n')[0]);
  process.exit(1);
}

writeRuntimeInfo({
  apiUrl: gateway.apiUrl,
  dynamoEndpoint: gateway.dynamoEndpoint,
  eventsEndpoint: gateway.eventsEndpoint,
  eventBusName: 'mms-gateway-local',
  teamsTable: gateway.tables.teams,
  postbacksTable: gateway.tables.postbacks,
  suppressionsTable: gateway.tables.suppressions,
});

const body = JSON.stringify({
  action: 'sendmms',
  to: '15550000001',
  from: LOCAL_TEAM.allowedSenders[0],
  'message-subject': 'Hello',
  'fallback-sms-text': 'Hello from mms-gateway',
  slide: [{ 'message-text': 'Hello from mms-gateway', image: { url: 'https://example.com/hello.jpg' } }],
});

console.log(`
mms-gateway is running locally (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)

  API            ${gateway.apiUrl}/v2/
  postbacks      ${gateway.postbackUrl}
  sample media   ${gateway.media.origin}/sample.png  (also .gif .mp3 .mp4, contact.vcf, event.ics, document.pdf, bad ones: local/media-sandbox.ts)
  Sinch sim      ${gateway.simulator.url}   (stats: ${new URL('/_sim/stats', gateway.simulator.url).href})
  team / key     ${LOCAL_TEAM.id} / ${gateway.apiKey}   senders ${LOCAL_TEAM.allowedSenders.join(', ')}

Send an MMS:
  curl -s -X POST ${gateway.apiUrl}/v2/ -H 'x-api-key: ${gateway.apiKey}' -H 'content-type: application/json' \\
    -d '${body}'
Then look it up (tracking-id from the answer):
  curl -s ${gateway.apiUrl}/v2/messages/<tracking-id> -H 'x-api-key: ${gateway.apiKey}'

Other terminals: npm run teams -- list   |   npm run events -- put <event.json>   (docs/api.md)
Ctrl-C stops everything.`);

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping…`);
  removeRuntimeInfo();
  gateway
    .stop()
    .then(() => process.exit(0))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
