/**
 * `npm run bench [-- [names…] [--quick] [flags]]`: runs the benchmarks, prints their tables, writes
 * bench/results/<name>.json (and pacing.svg), then refreshes the summary in bench/README.md.
 */
import { cpus } from 'node:os';
import { accept } from './accept/index';
import { bundles } from './bundles/index';
import type { Benchmark, Flags } from './lib/context';
import { createContext } from './lib/context';
import { killAllHosts } from './lib/host';
import { currentLoad } from './lib/results';
import { pacing } from './pacing/index';
import { postback } from './postback/index';
import { updateReadme } from './readme';

const BENCHMARKS: readonly Benchmark[] = [pacing, accept, postback, bundles];

const HELP = `npm run bench [-- [${BENCHMARKS.map((b) => b.name).join('|')} …] [options]]

Benchmarks (all when none is named):
${BENCHMARKS.map((b) => `  ${b.name.padEnd(10)}${b.summary}`).join('\n')}

Options:
  --quick            a few minutes in all: fewer configurations, shorter runs
  --runs N           repetitions of the accept and postback measurements (default 3; medians are reported)
  --tps 20,50,100    pacing: account limits to measure
  --workers 1,4,8    pacing: send worker counts to measure
  --latency-ms N     pacing: the simulator's answer latency (default 100)
  --duration S       accept: seconds per autocannon run (default 4, --quick 2)
  --help`;

function numbers(value: string | undefined, flag: string): number[] {
  const list = (value ?? '').split(',').map((v) => Number(v.trim()));
  if (list.length === 0 || list.some((n) => !Number.isFinite(n) || n <= 0)) {
    throw new Error(`${flag} needs positive numbers, e.g. ${flag} 20,50`);
  }
  return list;
}

function parse(argv: readonly string[]): { names: string[]; flags: Flags } | 'help' {
  const names: string[] = [];
  const flags: { -readonly [K in keyof Flags]: Flags[K] } = { quick: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    const value = () => {
      i += 1;
      return argv[i];
    };
    const one = (flag: string) => {
      const [n] = numbers(value(), flag);
      return n ?? 0;
    };
    switch (arg) {
      case '--help':
      case '-h':
        return 'help';
      case '--quick':
        flags.quick = true;
        break;
      case '--runs':
        flags.runs = Math.round(one(arg));
        break;
      case '--tps':
        flags.tps = numbers(value(), arg);
        break;
      case '--workers':
        flags.workers = numbers(value(), arg).map(Math.round);
        break;
      case '--latency-ms':
        flags.latencyMs = Number(value());
        if (!(flags.latencyMs >= 0)) throw new Error('--latency-ms needs a number ≥ 0');
        break;
      case '--duration':
        flags.durationS = one(arg);
        break;
      default:
        if (arg.startsWith('-')) throw new Error(`unknown option ${arg} (see --help)`);
        if (!BENCHMARKS.some((b) => b.name === arg)) {
          throw new Error(`unknown benchmark ${arg}; one of ${BENCHMARKS.map((b) => b.name).join(', ')}`);
        }
        names.push(arg);
    }
  }
  return { names, flags };
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    return 2;
  }
  if (parsed === 'help') {
    console.log(HELP);
    return 0;
  }
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 24) {
    console.warn(
      `warning: Node ${process.version}; the project and Lambda use Node 24 (run through npm so node_modules/.bin/node is used)`,
    );
  }
  const selected =
    parsed.names.length > 0 ? BENCHMARKS.filter((b) => parsed.names.includes(b.name)) : BENCHMARKS;
  const command = `npm run bench${args.length > 0 ? ` -- ${args.join(' ')}` : ''}`;
  const context = createContext(parsed.flags, command);
  const began = Date.now();
  const failures: string[] = [];
  for (const benchmark of selected) {
    const started = Date.now();
    console.log(`\n=== ${benchmark.name}: ${benchmark.summary}`);
    const load = currentLoad();
    if (load > cpus().length) {
      console.log(
        `note: load average ${load} on ${cpus().length} CPUs: other work is running on this machine, and it slows every figure below`,
      );
    }
    try {
      await benchmark.run(context);
      console.log(`=== ${benchmark.name}: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    } catch (error) {
      context.progress.done();
      failures.push(benchmark.name);
      console.error(`=== ${benchmark.name}: FAILED after ${((Date.now() - started) / 1000).toFixed(0)} s`);
      console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    }
  }
  const readme = await updateReadme();
  console.log(`\nupdated ${readme}`);
  console.log(
    `all done in ${((Date.now() - began) / 1000).toFixed(0)} s${failures.length > 0 ? `; failed: ${failures.join(', ')}` : ''}`,
  );
  return failures.length > 0 ? 1 : 0;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killAllHosts();
    process.exit(130);
  });
}

// Exit explicitly: a keep-alive socket or an SDK client must not keep a finished run alive.
process.exit(await main());
