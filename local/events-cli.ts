/**
 * `npm run events -- put <file.json>`: puts a send event on the local gateway's bus (what an internal system
 * does with `aws events put-events` in a deployment). The file holds one event:
 *   { "source": "com.example.billing", "detail-type": "mms.send-requested",
 *     "detail": { "team": "local-dev", "idempotency-key": "…", "body": { "action": "sendmms", … } } }
 * The endpoint comes from the running `npm start` (.local-data/runtime.json) or --endpoint.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { readFileSync } from 'node:fs';
import { runAsProgram, runCli, type Cli, type Out } from './cli';
import { readRuntimeInfo } from './runtime-info';

const USAGE = 'usage: npm run events -- put <file.json> [--endpoint URL] [--bus NAME]';

const OPTIONS = { endpoint: { type: 'string' }, bus: { type: 'string' } } as const;

export const runEventsCli = (argv: string[], out: Out = console.log): Promise<number> =>
  runCli(EVENTS_CLI, argv, out);

const EVENTS_CLI: Cli<typeof OPTIONS> = {
  usage: USAGE,
  options: OPTIONS,
  run: async ({ values, positionals }, out) => {
    const [command, file] = positionals;
    if (command !== 'put' || !file) {
      out(USAGE);
      return 2;
    }
    const info = readRuntimeInfo();
    const endpoint = values.endpoint ?? info?.eventsEndpoint;
    if (!endpoint) {
      out(`No local gateway found: start it with npm start, or give --endpoint.\n${USAGE}`);
      return 2;
    }
    const event = JSON.parse(readFileSync(file, 'utf8')) as {
      source?: string;
      'detail-type'?: string;
      detail?: unknown;
    };
    const client = new EventBridgeClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      const result = await client.send(
        new PutEventsCommand({
          Entries: [
            {
              Source: event.source ?? '',
              DetailType: event['detail-type'] ?? 'mms.send-requested',
              Detail: JSON.stringify(event.detail ?? {}),
              EventBusName: values.bus ?? info?.eventBusName ?? 'mms-gateway-local',
            },
          ],
        }),
      );
      out(
        `event put: ${result.Entries?.[0]?.EventId ?? '(no id)'}; watch the gateway's log or look the message up`,
      );
      return 0;
    } finally {
      client.destroy();
    }
  },
};

runAsProgram(import.meta.url, 'events', runEventsCli);
