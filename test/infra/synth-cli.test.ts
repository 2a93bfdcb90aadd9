/**
 * The real thing, as an operator runs it: `npx cdk synth -c stage=<stage>` in a child process, offline, with
 * esbuild bundling and the cdk-nag plugin (whose findings would fail the synth). Then every Lambda bundle of
 * the output is imported by Node with exactly the environment the template gives it (deploy-time references
 * replaced by fakes), which proves that the ESM bundle loads and that the stack sets every variable the
 * handler's cold start requires.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lib/config';
import { rawConfig, type Json } from './support';

const work = mkdtempSync(join(tmpdir(), 'mms-gateway-synth-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface SynthResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `npx cdk synth` in a child process without blocking, so the synths of the file run side by side. */
function cdkSynth(args: string[], outdir: string): Promise<SynthResult> {
  return new Promise((resolve) => {
    const child = spawn('npx', ['cdk', 'synth', ...args, '--output', outdir, '--no-notices', '--quiet'], {
      cwd: PROJECT_ROOT,
      timeout: 240_000,
      env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', AWS_EC2_METADATA_DISABLED: 'true' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', (error) => resolve({ status: null, stdout, stderr: `${stderr}\n${error.message}` }));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const STAGES = ['dev', 'prod'] as const;
const badConfigFile = join(work, 'bad-dev.json');
writeFileSync(badConfigFile, JSON.stringify({ ...rawConfig('dev'), accountTps: 0 }));
/** All synths start at once, when the file loads; each describe waits for its own. */
const synths = {
  ...Object.fromEntries(
    STAGES.map((stage) => [stage, cdkSynth(['-c', `stage=${stage}`], join(work, stage))]),
  ),
  bad: cdkSynth(['-c', 'stage=dev', '-c', `configFile=${badConfigFile}`], join(work, 'bad')),
} as Record<(typeof STAGES)[number] | 'bad', Promise<SynthResult>>;

/** A value for a variable that CloudFormation fills in at deploy time. */
const fake = (name: string): string =>
  name.endsWith('_URL')
    ? `https://sqs.eu-west-1.amazonaws.com/111111111111/fake-${name.toLowerCase()}`
    : name.endsWith('_ROLE_ARN')
      ? `arn:aws:iam::111111111111:role/fake-${name.toLowerCase()}`
      : name.endsWith('_ARN')
        ? `arn:aws:sqs:eu-west-1:111111111111:fake-${name.toLowerCase()}`
        : `fake-${name}`;

interface Bundle {
  readonly logicalId: string;
  readonly dir: string;
  readonly environment: Record<string, string>;
}

function bundlesOf(outdir: string, stage: string): Bundle[] {
  const template = JSON.parse(
    readFileSync(join(outdir, `MmsGateway-${stage}-Stateless.template.json`), 'utf8'),
  ) as { Resources: Record<string, { Type: string; Properties: Json }> };
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
    .map(([logicalId, r]) => {
      const key = (r.Properties.Code as { S3Key: string }).S3Key;
      const variables = (r.Properties.Environment as { Variables?: Json } | undefined)?.Variables ?? {};
      const environment = Object.fromEntries(
        Object.entries(variables).map(([name, value]) => [
          name,
          typeof value === 'string' ? value : fake(name),
        ]),
      );
      return { logicalId, dir: join(outdir, `asset.${key.replace(/\.zip$/, '')}`), environment };
    });
}

/** Imports a bundle in a fresh Node process with only the given environment; returns the exit status and output. */
function importBundle(bundle: Bundle, region: string) {
  const script =
    "const m = await import(process.argv[1]); if (typeof m.handler !== 'function') { console.error('no handler export'); process.exit(3); }";
  return spawnSync(process.execPath, ['--input-type=module', '-e', script, join(bundle.dir, 'index.mjs')], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { PATH: process.env.PATH ?? '', AWS_REGION: region, ...bundle.environment },
  });
}

describe.each(STAGES)('npx cdk synth -c stage=%s', (stage) => {
  const outdir = join(work, stage);
  let result: SynthResult;
  let bundles: Bundle[] = [];

  beforeAll(async () => {
    result = await synths[stage];
    if (result.status === 0) bundles = bundlesOf(outdir, stage);
  });

  it('succeeds offline, with zero cdk-nag findings, writing both stacks', () => {
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(existsSync(join(outdir, `MmsGateway-${stage}-Stateful.template.json`))).toBe(true);
    expect(existsSync(join(outdir, `MmsGateway-${stage}-Stateless.template.json`))).toBe(true);
  });

  it('bundles fifteen Lambdas as minified ES modules with source maps, each under 1.5 MB', () => {
    expect(bundles).toHaveLength(15);
    for (const bundle of bundles) {
      const size = statSync(join(bundle.dir, 'index.mjs')).size;
      expect(size, bundle.logicalId).toBeLessThan(1.5 * 1024 * 1024);
      expect(existsSync(join(bundle.dir, 'index.mjs.map')), bundle.logicalId).toBe(true);
      expect(readFileSync(join(bundle.dir, 'index.mjs'), 'utf8').startsWith('import { createRequire')).toBe(
        true,
      );
    }
  });

  it("loads every bundle with only the environment its template sets (the handler's config is complete)", () => {
    const region = rawConfig(stage).region;
    // A failed synth leaves no bundle: that must fail here too, not pass an empty loop.
    expect(result.status).toBe(0);
    expect(bundles.length).toBeGreaterThan(0);
    for (const bundle of bundles) {
      const run = importBundle(bundle, region);
      expect(run.status, `${bundle.logicalId}: ${run.stderr.slice(-800)}`).toBe(0);
    }
  });
});

describe('a bad config', () => {
  it('fails `cdk synth` with one message naming the file and the key, and no stack trace', async () => {
    const result = await synths.bad;
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/bad-dev\.json: accountTps: must be a positive number/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
