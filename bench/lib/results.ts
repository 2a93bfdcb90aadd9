/** Where results go, and the facts about the machine that every result file carries. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const PROJECT_ROOT = dirname(BENCH_DIR);
export const RESULTS_DIR = join(BENCH_DIR, 'results');

export interface Environment {
  readonly node: string;
  readonly platform: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  /** 1-minute load average when the benchmark started and ended: other work on the machine skews timings. */
  readonly loadAverageStart: number;
  readonly loadAverageEnd: number;
  readonly gitCommit: string | null;
  /** True when the working tree had uncommitted changes (figures then describe the tree, not the commit). */
  readonly gitDirty: boolean | null;
}

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return null;
  }
}

export const currentLoad = (): number => Math.round((loadavg()[0] ?? 0) * 100) / 100;

export function environment(loadAverageStart: number): Environment {
  const status = git(['status', '--porcelain']);
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadAverageStart,
    loadAverageEnd: currentLoad(),
    gitCommit: git(['rev-parse', '--short=12', 'HEAD'])?.trim() ?? null,
    gitDirty: status === null ? null : status.trim().length > 0,
  };
}

export interface ResultFile<T> {
  readonly benchmark: string;
  /** The command that produced this file. */
  readonly command: string;
  readonly quick: boolean;
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly environment: Environment;
  readonly method: Record<string, unknown>;
  readonly results: T;
}

/** Writes bench/results/<name> atomically (a temporary file renamed over it). */
export function writeResult(name: string, content: string): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, name);
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, path);
  return path;
}

/**
 * What every result file starts with: the benchmark, the command and mode it ran with, when it started, how long
 * it took, and the machine (with its load at the start and now).
 */
export function resultHeader(
  benchmark: string,
  run: { readonly command: string; readonly flags: { readonly quick: boolean } },
  began: number,
  loadAtStart: number,
): Omit<ResultFile<unknown>, 'method' | 'results'> {
  return {
    benchmark,
    command: run.command,
    quick: run.flags.quick,
    startedAt: new Date(began).toISOString(),
    durationSeconds: Math.round((Date.now() - began) / 1000),
    environment: environment(loadAtStart),
  };
}

export const writeJson = (benchmark: string, data: ResultFile<unknown>): string =>
  writeResult(`${benchmark}.json`, `${JSON.stringify(data, null, 2)}\n`);

export function readJson<T>(benchmark: string): ResultFile<T> | undefined {
  const path = join(RESULTS_DIR, `${benchmark}.json`);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ResultFile<T>;
  } catch {
    return undefined;
  }
}
