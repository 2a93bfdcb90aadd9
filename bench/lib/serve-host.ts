/** The child side of a host: starts the system under test from the options in argv[2] and serves calls. */
import type { FromHost, HostMethods, ToHost } from './host-protocol';

export interface Started<Info, Methods extends HostMethods> {
  readonly info: Info;
  readonly methods: Methods;
  stop(): Promise<void>;
}

const message = (error: unknown): string =>
  error instanceof Error ? `${error.message}${error.stack ? `\n${error.stack}` : ''}` : String(error);

export function serveHost<Options, Info, Methods extends HostMethods>(
  start: (options: Options) => Promise<Started<Info, Methods>>,
): void {
  const send = (payload: FromHost) => process.send?.(payload);
  let system: Started<Info, Methods> | undefined;
  let stopping: Promise<void> | undefined;

  const stop = () => {
    stopping ??= (async () => {
      await system?.stop().catch((error: unknown) => console.error('stop failed', error));
    })();
    return stopping;
  };
  const exit = (code: number) => {
    void stop().finally(() => {
      process.disconnect?.();
      // Anything left (a long poll, a keep-alive socket) must not keep a finished host alive.
      setTimeout(() => process.exit(code), 200).unref();
    });
  };

  // The benchmark went away (finished, crashed, interrupted): stop everything this host started.
  process.on('disconnect', () => exit(0));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => exit(130));

  process.on('message', (raw: ToHost) => {
    if (raw.type !== 'call') return;
    const { id, method, args } = raw;
    void (async () => {
      try {
        if (method === 'stop') {
          await stop();
          send({ type: 'reply', id, value: null });
          exit(0);
          return;
        }
        const fn = system?.methods[method] as ((...a: unknown[]) => unknown) | undefined;
        if (!fn) throw new Error(`unknown host method ${method}`);
        send({ type: 'reply', id, value: (await fn(...args)) ?? null });
      } catch (error) {
        send({ type: 'error', id, message: message(error) });
      }
    })();
  });

  const options = JSON.parse(process.argv[2] ?? '{}') as Options;
  start(options).then(
    (started) => {
      system = started;
      send({ type: 'ready', info: started.info });
    },
    (error: unknown) => {
      console.error('host failed to start', error);
      send({ type: 'failed', message: message(error) });
      exit(1);
    },
  );
}
