/**
 * bundles: the Lambda cost drivers that do not need AWS — each handler's bundle size (esbuild, built the way
 * lib/constructs/gateway-function.ts has the CDK build it) and its cold init time (a fresh Node process importing
 * the bundle, the handler's configuration set to placeholder values). Both variants of decision 0003 are
 * built: the AWS SDK bundled (the decision, read from the construct) and the SDK left to the runtime.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import type { Benchmark, BenchContext } from '../lib/context';
import { dummiesFromError } from '../lib/dummy-env';
import { currentLoad, resultHeader, writeJson } from '../lib/results';
import { PROJECT_ROOT } from '../../lib/config';
import { median, round } from '../lib/stats';
import { fixed, formatTable } from '../lib/table';

const SIZE_GOAL_BYTES = 300_000;
const BUILD_DIR_PREFIX = 'mms-gateway-bench-bundles-';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Build folders left by runs that were killed (their process is gone). */
function removeStaleBuilds(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(BUILD_DIR_PREFIX)) continue;
    const pid = Number(name.slice(BUILD_DIR_PREFIX.length));
    if (!isAlive(pid)) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}
const INIT_GOAL_MS = 150;
const HANDLERS_DIR = join(PROJECT_ROOT, 'lambdas', 'handlers');
const CONSTRUCT = join(PROJECT_ROOT, 'lib', 'constructs', 'gateway-function.ts');

type Variant = 'sdk-bundled' | 'sdk-external';

interface BuildSettings {
  /** Whether the construct bundles the AWS SDK (`bundleAwsSDK`), or null if it does not say. */
  readonly bundleAwsSdk: boolean | null;
  readonly banner: string | null;
  readonly sourceMap: boolean;
}

/** Reads the bundling decision from the construct, so the benchmark follows it when it changes. */
function readBuildSettings(): BuildSettings {
  let source: string;
  try {
    source = readFileSync(CONSTRUCT, 'utf8');
  } catch {
    return { bundleAwsSdk: null, banner: null, sourceMap: true };
  }
  const sdk = /bundleAwsSDK:\s*(true|false)/.exec(source)?.[1];
  const banner = /ESM_REQUIRE_BANNER\s*=\s*\n?\s*(['"`])(.*?)\1;/s.exec(source)?.[2] ?? null;
  return {
    bundleAwsSdk: sdk === undefined ? null : sdk === 'true',
    banner,
    sourceMap: !/sourceMap:\s*false/.test(source),
  };
}

/** Handler files: every lambdas/handlers/*.ts that exports `handler`. */
function handlerNames(): string[] {
  return readdirSync(HANDLERS_DIR)
    .filter((file) => file.endsWith('.ts'))
    .filter((file) =>
      /export\s+(const|let|async\s+function|function)\s+handler\b/.test(
        readFileSync(join(HANDLERS_DIR, file), 'utf8'),
      ),
    )
    .map((file) => basename(file, '.ts'))
    .sort();
}

const GROUPS: ReadonlyArray<[string, RegExp]> = [
  ['awsSdk', /node_modules\/(@aws-sdk|@smithy|@aws-crypto|@aws\/)/],
  ['zod', /node_modules\/zod\//],
  ['powertools', /node_modules\/@aws-lambda-powertools\//],
  ['middy', /node_modules\/@middy\//],
  ['otherDependencies', /node_modules\//],
  ['projectCode', /./],
];

interface BundleSize {
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Bytes in the output by origin (AWS SDK, zod, Powertools, middy, other dependencies, project code). */
  readonly composition: Record<string, number>;
}

async function bundle(
  name: string,
  variant: Variant,
  settings: BuildSettings,
  outDir: string,
): Promise<{ file: string; size: BundleSize }> {
  const outfile = join(outDir, variant, name, 'index.mjs');
  const result = await build({
    entryPoints: [join(HANDLERS_DIR, `${name}.ts`)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: settings.sourceMap,
    sourcesContent: false,
    ...(settings.banner ? { banner: { js: settings.banner } } : {}),
    external: variant === 'sdk-external' ? ['@aws-sdk/*'] : [],
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: PROJECT_ROOT,
  });
  const meta: Metafile = result.metafile;
  const key = relative(PROJECT_ROOT, outfile);
  const output = meta.outputs[key];
  if (!output) throw new Error(`esbuild metafile has no output ${key}`);
  const composition: Record<string, number> = Object.fromEntries(GROUPS.map(([group]) => [group, 0]));
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const group = GROUPS.find(([, pattern]) => pattern.test(input))?.[0] ?? 'projectCode';
    composition[group] = (composition[group] ?? 0) + bytesInOutput;
  }
  return {
    file: outfile,
    size: { bytes: output.bytes, gzipBytes: gzipSync(readFileSync(outfile)).length, composition },
  };
}

const PROBE = `const started = performance.now();
try {
  const mod = await import(process.argv[2]);
  const ms = performance.now() - started;
  process.stdout.write(JSON.stringify({ ok: typeof mod.handler === 'function', ms }));
} catch (error) {
  process.stdout.write(JSON.stringify({ ok: false, error: String((error && error.message) || error) }));
}
process.exit(0);
`;

interface Probe {
  readonly ok: boolean;
  readonly ms?: number;
  readonly error?: string;
  readonly processMs: number;
}

function probe(probePath: string, bundleFile: string, env: Record<string, string>): Promise<Probe> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [probePath, pathToFileURL(bundleFile).href],
      { env, timeout: 30_000, maxBuffer: 1 << 20 },
      (error, stdout) => {
        const processMs = performance.now() - started;
        try {
          resolve({ ...(JSON.parse(stdout) as Omit<Probe, 'processMs'>), processMs });
        } catch {
          resolve({ ok: false, error: error?.message ?? `no output: ${stdout.slice(0, 200)}`, processMs });
        }
      },
    );
  });
}

/** The environment Lambda would give the function: region, Powertools settings, the construct's NODE_OPTIONS. */
const baseEnv = (sourceMap: boolean): Record<string, string> => ({
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? tmpdir(),
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_LAMBDA_FUNCTION_NAME: 'bench',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
  POWERTOOLS_SERVICE_NAME: 'mms-gateway-bench',
  POWERTOOLS_METRICS_NAMESPACE: 'MmsGatewayBench',
  POWERTOOLS_LOG_LEVEL: 'WARN',
  ...(sourceMap ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
});

interface HandlerResult {
  readonly handler: string;
  readonly variant: Variant;
  readonly decided: boolean;
  readonly size: BundleSize;
  readonly initMs: number | null;
  readonly initRangeMs: [number | null, number | null];
  readonly processMs: number | null;
  readonly initRuns: number;
  /** Variables the handler refused to load without (set to placeholders). */
  readonly configuration: string[];
  readonly error?: string;
  readonly sizeOk: boolean;
  readonly initOk: boolean | null;
}

export const bundles: Benchmark = {
  name: 'bundles',
  summary: 'each Lambda bundle size (esbuild metafile) and cold init time (fresh Node process, median of 10)',
  async run(context: BenchContext) {
    const loadAtStart = currentLoad();
    const began = Date.now();
    const initRuns =
      context.flags.runs !== undefined ? Math.max(3, context.flags.runs) : context.flags.quick ? 5 : 10;
    const settings = readBuildSettings();
    const decided: Variant | null =
      settings.bundleAwsSdk === null ? null : settings.bundleAwsSdk ? 'sdk-bundled' : 'sdk-external';
    const variants: Variant[] = ['sdk-bundled', 'sdk-external'];
    // Init is measured for the construct's variant; for both when the quick mode is off or nothing is decided.
    const timed = (v: Variant) => !context.flags.quick || decided === null || v === decided;

    removeStaleBuilds();
    const outDir = join(tmpdir(), `${BUILD_DIR_PREFIX}${process.pid}`);
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    // The external-SDK variant resolves @aws-sdk/* as Lambda would from /var/runtime/node_modules: here, ours.
    symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(outDir, 'node_modules'), 'dir');
    const probePath = join(outDir, 'probe.mjs');
    writeFileSync(probePath, PROBE);

    try {
      const names = handlerNames();
      const built: Array<{ name: string; variant: Variant; file: string; size: BundleSize }> = [];
      for (const variant of variants) {
        for (const name of names) {
          context.progress.update(`bundles │ esbuild ${name} (${variant})`);
          built.push({ name, variant, ...(await bundle(name, variant, settings, outDir)) });
        }
      }

      // Configuration each handler needs: found by loading it once, repaired from its own error message.
      const envs = new Map<string, Record<string, string>>();
      const needs = new Map<string, string[]>();
      const errors = new Map<string, string>();
      for (const b of built.filter((x) => timed(x.variant))) {
        const key = `${b.variant}:${b.name}`;
        const env = baseEnv(settings.sourceMap);
        const extra: string[] = [];
        for (let attempt = 0; attempt < 5; attempt += 1) {
          context.progress.update(`bundles │ loading ${b.name} (${b.variant}), attempt ${attempt + 1}`);
          const result = await probe(probePath, b.file, env);
          if (result.ok) {
            errors.delete(key);
            break;
          }
          errors.set(key, result.error ?? 'handler export missing');
          const missing = dummiesFromError(result.error ?? '');
          const changed = Object.keys(missing).filter((n) => env[n] !== missing[n]);
          if (changed.length === 0) break;
          for (const n of changed) if (!extra.includes(n)) extra.push(n);
          Object.assign(env, missing);
        }
        envs.set(key, env);
        needs.set(key, extra.sort());
      }

      // Timed runs, round-robin over the bundles so a change in the machine's load hits them alike.
      const samples = new Map<string, Probe[]>();
      const timedBuilds = built.filter((b) => timed(b.variant) && !errors.has(`${b.variant}:${b.name}`));
      // The variant the construct does not deploy is only context: half the runs.
      const runsOf = (v: Variant) =>
        decided === null || v === decided ? initRuns : Math.max(3, Math.ceil(initRuns / 2));
      for (let run = 1; run <= initRuns; run += 1) {
        for (const b of timedBuilds.filter((x) => run <= runsOf(x.variant))) {
          const key = `${b.variant}:${b.name}`;
          context.progress.update(`bundles │ cold init run ${run}/${initRuns} │ ${b.name} (${b.variant})`);
          const result = await probe(probePath, b.file, envs.get(key) ?? baseEnv(settings.sourceMap));
          if (result.ok) samples.set(key, [...(samples.get(key) ?? []), result]);
        }
      }
      context.progress.done();

      const results: HandlerResult[] = built.map((b) => {
        const key = `${b.variant}:${b.name}`;
        const list = samples.get(key) ?? [];
        const inits = list.map((p) => p.ms ?? Number.NaN);
        const initMs = list.length > 0 ? round(median(inits)) : null;
        const error = errors.get(key);
        return {
          handler: b.name,
          variant: b.variant,
          decided: b.variant === decided,
          size: b.size,
          initMs,
          initRangeMs:
            list.length > 0 ? [round(Math.min(...inits)), round(Math.max(...inits))] : [null, null],
          processMs: list.length > 0 ? round(median(list.map((p) => p.processMs))) : null,
          initRuns: list.length,
          configuration: needs.get(key) ?? [],
          ...(error ? { error } : {}),
          sizeOk: b.size.bytes < SIZE_GOAL_BYTES,
          initOk: initMs === null ? null : initMs < INIT_GOAL_MS,
        };
      });

      const kb = (bytes: number) => fixed(bytes / 1000, 0);
      const verdict = (r: HandlerResult) =>
        r.error
          ? `does not load: ${r.error.slice(0, 60)}`
          : `size ${r.sizeOk ? 'pass' : 'FAIL'}, init ${r.initOk === null ? '–' : r.initOk ? 'pass' : 'FAIL'}`;
      for (const variant of variants) {
        const rows = results.filter((r) => r.variant === variant);
        console.log(
          `\n${formatTable(
            `Lambda bundles, ${variant === 'sdk-bundled' ? 'AWS SDK bundled' : 'AWS SDK external (from the runtime)'}${variant === decided ? ' — what lib/constructs deploys' : ''} (kB = 1000 bytes; goals: < ${SIZE_GOAL_BYTES / 1000} kB minified, init < ${INIT_GOAL_MS} ms)`,
            [
              { header: 'handler', align: 'left' },
              { header: 'minified kB' },
              { header: 'gzip kB' },
              { header: 'SDK kB' },
              { header: 'zod kB' },
              { header: 'powertools kB' },
              { header: 'own kB' },
              { header: 'init ms' },
              { header: 'range' },
              { header: 'process ms' },
              { header: 'verdict', align: 'left' },
            ],
            rows.map((r) => [
              r.handler,
              kb(r.size.bytes),
              kb(r.size.gzipBytes),
              kb(r.size.composition.awsSdk ?? 0),
              kb(r.size.composition.zod ?? 0),
              kb(r.size.composition.powertools ?? 0),
              kb(r.size.composition.projectCode ?? 0),
              fixed(r.initMs),
              r.initRuns > 0 ? `${fixed(r.initRangeMs[0], 0)}–${fixed(r.initRangeMs[1], 0)}` : null,
              fixed(r.processMs, 0),
              verdict(r),
            ]),
          )}`,
        );
      }
      const withConfig = results.filter((r) => r.decided && r.configuration.length > 0);
      if (withConfig.length > 0) {
        console.log(
          `\nplaceholder configuration set per handler: ${withConfig.map((r) => `${r.handler} (${r.configuration.length})`).join(', ')}`,
        );
      }

      const path = writeJson('bundles', {
        ...resultHeader('bundles', context, began, loadAtStart),
        method: {
          build: `esbuild ${readFileSync(join(PROJECT_ROOT, 'node_modules', 'esbuild', 'package.json'), 'utf8').match(/"version":\s*"([^"]+)"/)?.[1] ?? ''}: bundle, platform node, format esm, target node24, mainFields module,main, minify, sourcemap (external file, no sources content), the construct's createRequire banner; sdk-external = @aws-sdk/* external`,
          decidedVariant: decided,
          decidedBy: 'bundleAwsSDK in lib/constructs/gateway-function.ts',
          size: 'metafile output bytes of index.mjs (the .map file not counted); gzip = gzip -6 of index.mjs; composition from the metafile inputs',
          init: `fresh \`node\` (${process.version}) process per run with NODE_OPTIONS=--enable-source-maps as the construct sets it; init = time of \`await import(bundle)\` (module load and top-level code: configuration, SDK clients, Powertools); process = spawn to exit; median of ${initRuns} runs for the deployed variant (half as many for the other), round-robin over the bundles`,
          configuration:
            'each handler loaded once first; variables it names in its Invalid configuration error are set to placeholders (bench/lib/dummy-env.ts) and it is loaded again',
          goals: { sizeBytes: SIZE_GOAL_BYTES, initMs: INIT_GOAL_MS },
        },
        results: { handlers: results },
      });
      console.log(`\nwrote ${path}`);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  },
};
