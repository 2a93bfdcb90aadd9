/** The parent side of a host: forks the child (Node 24 + tsx), waits until it is ready, and calls its methods. */
import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dummiesFromError } from './dummy-env';
import type { FromHost, HostApi, HostMethods, ToHost } from './host-protocol';
import { BENCH_DIR } from './results';
import { PROJECT_ROOT } from '../../lib/config';

export const LOG_DIR = join(tmpdir(), 'mms-gateway-bench');

export interface Host<Info, Methods extends HostMethods> {
  readonly info: Info;
  /** The child's stdout and stderr. */
  readonly logPath: string;
  call<K extends keyof Methods & string>(
    method: K,
    ...args: Parameters<Methods[K]>
  ): Promise<Awaited<ReturnType<Methods[K]>>>;
  /** Stops the system under test and waits for the child to exit (killed after a grace period). */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();

/** Kills every host still running (used on interruption). */
export function killAllHosts(): void {
  for (const child of live) child.kill('SIGTERM');
}

let sequence = 0;

function tail(path: string, lines = 30): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

async function forkHost<Api extends HostApi<unknown, HostMethods>>(
  script: string,
  options: unknown,
  label: string,
  env: Record<string, string>,
  startTimeoutMs: number,
): Promise<Host<Api['info'], Api['methods']>> {
  mkdirSync(LOG_DIR, { recursive: true });
  sequence += 1;
  const logPath = join(LOG_DIR, `${label.replace(/[^a-z0-9.-]+/gi, '-')}-${process.pid}-${sequence}.log`);
  const log = openSync(logPath, 'w');
  const child = fork(join(BENCH_DIR, script), [JSON.stringify(options)], {
    cwd: PROJECT_ROOT,
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', log, log, 'ipc'],
    serialization: 'advanced',
  });
  closeSync(log);
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => live.delete(child));

  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  const info = await new Promise<unknown>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${label}: host not ready after ${startTimeoutMs} ms (log: ${logPath})`));
    }, startTimeoutMs);
    child.on('message', (raw: FromHost) => {
      if (raw.type === 'ready') {
        clearTimeout(timer);
        resolve(raw.info);
      } else if (raw.type === 'failed') {
        clearTimeout(timer);
        reject(new Error(raw.message));
      } else {
        const call = pending.get(raw.id);
        if (!call) return;
        pending.delete(raw.id);
        if (raw.type === 'reply') call.resolve(raw.value);
        else call.reject(new Error(`${label}: ${raw.message}`));
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${label}: host exited before it was ready (log: ${logPath})\n${tail(logPath)}`));
      for (const call of pending.values()) call.reject(new Error(`${label}: host exited (log: ${logPath})`));
      pending.clear();
    });
  });

  const call = (method: string, ...args: unknown[]): Promise<unknown> =>
    new Promise((resolve, reject) => {
      if (!child.connected) {
        reject(new Error(`${label}: host is gone (log: ${logPath})\n${tail(logPath)}`));
        return;
      }
      const id = nextId++;
      pending.set(id, { resolve, reject });
      const message: ToHost = { type: 'call', id, method, args };
      child.send(message);
    });

  return {
    info: info as Api['info'],
    logPath,
    call: call as Host<Api['info'], Api['methods']>['call'],
    async stop() {
      if (child.exitCode === null && child.connected) {
        await Promise.race([call('stop'), new Promise((r) => setTimeout(r, 20_000))]).catch(() => undefined);
      }
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/**
 * Starts a host. If the system under test refuses to start because a configuration variable is missing (the
 * handlers validate their environment at import; a variable added by a change the local runtime does not set yet),
 * it is started again once with placeholder values for the variables named, and `onNote` says so.
 */
export async function startHost<Api extends HostApi<unknown, HostMethods>>(
  script: string,
  options: unknown,
  label: string,
  { startTimeoutMs = 120_000, onNote }: { startTimeoutMs?: number; onNote?: (note: string) => void } = {},
): Promise<Host<Api['info'], Api['methods']>> {
  const env: Record<string, string> = {};
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await forkHost<Api>(script, options, label, env, startTimeoutMs);
    } catch (error) {
      const missing = dummiesFromError(error instanceof Error ? error.message : String(error));
      const changed = Object.keys(missing).filter((name) => env[name] !== missing[name]);
      if (attempt >= 3 || changed.length === 0) throw error;
      Object.assign(env, missing);
      onNote?.(
        `note: the local runtime does not set ${changed.join(', ')}; the benchmark set placeholder values to start it`,
      );
    }
  }
}
