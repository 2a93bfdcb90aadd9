/**
 * `npm run sinch-sim -- [flags]`: runs the Sinch simulator on its own until SIGINT/SIGTERM.
 * Every flag also reads an environment variable (flags win); `--help` lists them.
 */
import { parseArgs } from 'node:util';
import type { SimulatorOptionsInput } from './index';
import { SimulatorConfigError, startSinchSimulator } from './index';

type Kind = 'number' | 'string' | 'boolean' | 'rate-or-boolean';

interface Flag {
  env: string;
  kind: Kind;
  help: string;
  apply: (input: SimulatorOptionsInput, value: number | string | boolean) => void;
}

const num = (value: number | string | boolean): number => value as number;
const str = (value: number | string | boolean): string => value as string;

const FLAGS: Record<string, Flag> = {
  port: {
    env: 'SINCH_SIM_PORT',
    kind: 'number',
    help: 'port on 127.0.0.1 (default 0 = free port)',
    apply: (i, v) => (i.port = num(v)),
  },
  'api-key': {
    env: 'SINCH_SIM_API_KEY',
    kind: 'string',
    help: 'expected x-api-key (default sim-key)',
    apply: (i, v) => (i.apiKey = str(v)),
  },
  tps: {
    env: 'SINCH_SIM_TPS',
    kind: 'number',
    help: 'requests/s per action, 0 = unlimited (default 10)',
    apply: (i, v) => (i.tps = num(v)),
  },
  'count-throttled': {
    env: 'SINCH_SIM_COUNT_THROTTLED',
    kind: 'boolean',
    help: 'E113 answers also fill the throughput window',
    apply: (i, v) => (i.countThrottledRequests = v === true),
  },
  'postback-url': {
    env: 'SINCH_SIM_POSTBACK_URL',
    kind: 'string',
    help: 'loopback http:// URL for postbacks (default none)',
    apply: (i, v) => (i.postbackUrl = str(v)),
  },
  'status-casing': {
    env: 'SINCH_SIM_STATUS_CASING',
    kind: 'string',
    help: 'lower | capitalized (default lower)',
    apply: (i, v) => (i.statusCasing = str(v) as SimulatorOptionsInput['statusCasing']),
  },
  'latency-ms': {
    env: 'SINCH_SIM_LATENCY_MS',
    kind: 'number',
    help: 'latency of every answer (default 0)',
    apply: (i, v) => (i.latencyMs = num(v)),
  },
  'slow-ms': {
    env: 'SINCH_SIM_SLOW_MS',
    kind: 'number',
    help: 'delay of a slow answer (default 15000)',
    apply: (i, v) => (i.slowMs = num(v)),
  },
  'fault-e503': {
    env: 'SINCH_SIM_FAULT_E503',
    kind: 'number',
    help: 'rate 0..1 of E503 answers',
    apply: (i, v) => fault(i, 'e503', v),
  },
  'fault-http500': {
    env: 'SINCH_SIM_FAULT_HTTP500',
    kind: 'number',
    help: 'rate 0..1 of HTTP 500',
    apply: (i, v) => fault(i, 'http500', v),
  },
  'fault-http502': {
    env: 'SINCH_SIM_FAULT_HTTP502',
    kind: 'number',
    help: 'rate 0..1 of HTTP 502',
    apply: (i, v) => fault(i, 'http502', v),
  },
  'fault-slow': {
    env: 'SINCH_SIM_FAULT_SLOW',
    kind: 'number',
    help: 'rate 0..1 of slow answers',
    apply: (i, v) => fault(i, 'slow', v),
  },
  'fault-drop': {
    env: 'SINCH_SIM_FAULT_DROP',
    kind: 'number',
    help: 'rate 0..1 of dropped sockets',
    apply: (i, v) => fault(i, 'drop', v),
  },
  seed: {
    env: 'SINCH_SIM_SEED',
    kind: 'number',
    help: 'random seed (default random)',
    apply: (i, v) => (i.seed = num(v)),
  },
  'require-service-id': {
    env: 'SINCH_SIM_REQUIRE_SERVICE_ID',
    kind: 'boolean',
    help: 'E627 when service-id is missing',
    apply: (i, v) => (i.requireServiceId = v === true),
  },
  'mms-id-mode': {
    env: 'SINCH_SIM_MMS_ID_MODE',
    kind: 'string',
    help: 'sync | postback (default postback)',
    apply: (i, v) => (i.mmsIdMode = str(v) as SimulatorOptionsInput['mmsIdMode']),
  },
  'transcode-ms': {
    env: 'SINCH_SIM_TRANSCODE_MS',
    kind: 'number',
    help: 'savemms to N003/E002 (default 1000)',
    apply: (i, v) => (i.transcodeMs = num(v)),
  },
  'sent-ms': {
    env: 'SINCH_SIM_SENT_MS',
    kind: 'number',
    help: 'acceptance to N101 (default 200)',
    apply: (i, v) => delays(i, 'sentMs', v),
  },
  'final-ms': {
    env: 'SINCH_SIM_FINAL_MS',
    kind: 'number',
    help: 'acceptance to final postback (default 500)',
    apply: (i, v) => delays(i, 'finalMs', v),
  },
  'postback-timeout-ms': {
    env: 'SINCH_SIM_POSTBACK_TIMEOUT_MS',
    kind: 'number',
    help: 'postback answer timeout (default 10000)',
    apply: (i, v) => (i.postbackTimeoutMs = num(v)),
  },
  'postback-retry-delay-ms': {
    env: 'SINCH_SIM_POSTBACK_RETRY_DELAY_MS',
    kind: 'number',
    help: 'delay before a postback retry (default 300000)',
    apply: (i, v) => (i.postbackRetryDelayMs = num(v)),
  },
  'postback-max-retries': {
    env: 'SINCH_SIM_POSTBACK_MAX_RETRIES',
    kind: 'number',
    help: 'retries per postback (default 5)',
    apply: (i, v) => (i.postbackMaxRetries = num(v)),
  },
  'duplicate-postbacks': {
    env: 'SINCH_SIM_DUPLICATE_POSTBACKS',
    kind: 'number',
    help: 'rate 0..1 of postbacks sent twice',
    apply: (i, v) => (i.duplicatePostbacks = num(v)),
  },
  'reorder-postbacks': {
    env: 'SINCH_SIM_REORDER_POSTBACKS',
    kind: 'rate-or-boolean',
    help: 'true | false | rate 0..1 of final-before-N101',
    apply: (i, v) => (i.reorderPostbacks = v as number | boolean),
  },
  'request-log-limit': {
    env: 'SINCH_SIM_REQUEST_LOG_LIMIT',
    kind: 'number',
    help: 'requests kept in the log (default 10000)',
    apply: (i, v) => (i.requestLogLimit = num(v)),
  },
};

function fault(
  input: SimulatorOptionsInput,
  kind: 'e503' | 'http500' | 'http502' | 'slow' | 'drop',
  value: unknown,
): void {
  input.faults = { ...input.faults, [kind]: value };
}

function delays(input: SimulatorOptionsInput, key: 'sentMs' | 'finalMs', value: unknown): void {
  input.postbackDelays = { ...input.postbackDelays, [key]: value };
}

function convert(name: string, kind: Kind, raw: string | boolean): number | string | boolean {
  if (typeof raw === 'boolean') return raw;
  if (kind === 'string') return raw;
  if (kind === 'boolean' || kind === 'rate-or-boolean') {
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0' || raw === '') return false;
    if (kind === 'boolean') throw new SimulatorConfigError(`--${name} must be true or false`);
  }
  const value = Number(raw);
  if (raw.trim() === '' || Number.isNaN(value)) throw new SimulatorConfigError(`--${name} must be a number`);
  return value;
}

function usage(): string {
  const lines = Object.entries(FLAGS).map(([name, flag]) => {
    const flagText = flag.kind === 'boolean' ? `--${name}` : `--${name} <value>`;
    return `  ${flagText.padEnd(34)} ${flag.env.padEnd(34)} ${flag.help}`;
  });
  return ['Usage: npm run sinch-sim -- [flags]   (flag, environment variable, meaning)', ...lines].join('\n');
}

function parseCli(argv: string[], env: NodeJS.ProcessEnv): SimulatorOptionsInput | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      ...Object.fromEntries(
        Object.entries(FLAGS).map(([name, flag]) => [
          name,
          { type: flag.kind === 'boolean' ? 'boolean' : 'string' },
        ]),
      ),
    },
  }) as { values: Record<string, string | boolean | undefined> };
  if (values['help'] === true) return 'help';

  const input: SimulatorOptionsInput = {};
  for (const [name, flag] of Object.entries(FLAGS)) {
    const raw = values[name] ?? env[flag.env];
    if (raw === undefined) continue;
    flag.apply(input, convert(name, flag.kind, raw));
  }
  return input;
}

async function main(): Promise<void> {
  let input: SimulatorOptionsInput | 'help';
  try {
    input = parseCli(process.argv.slice(2), process.env);
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${usage()}`);
    process.exit(2);
  }
  if (input === 'help') {
    console.log(usage());
    return;
  }

  let simulator;
  try {
    simulator = await startSinchSimulator(input);
  } catch (error) {
    console.error(`sinch simulator: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  }
  const options = simulator.publicOptions();
  console.log(`Sinch simulator listening on ${simulator.url}`);
  console.log(`  control: ${simulator.origin}/_sim/stats | /_sim/config | /_sim/reset | /_sim/requests`);
  console.log(
    `  tps ${options.tps === 0 ? 'unlimited' : options.tps}, postbacks ${options.postbackUrl ?? 'off'}, ` +
      `seed ${options.seed}, api key ${input.apiKey === undefined ? 'sim-key (default)' : 'from flag/env'}`,
  );

  const running = simulator;
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping the Sinch simulator`);
    running.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

await main();
