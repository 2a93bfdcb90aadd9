/**
 * The messages between a benchmark (the parent process, playing the clients) and a host (a child process
 * running the system under test: a local gateway, or the naive design). One system per process: the handlers
 * read their configuration at import, so a gateway with other settings needs a fresh process.
 */

export type ToHost = {
  readonly type: 'call';
  readonly id: number;
  readonly method: string;
  readonly args: unknown[];
};

export type FromHost =
  | { readonly type: 'ready'; readonly info: unknown }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'reply'; readonly id: number; readonly value: unknown }
  | { readonly type: 'error'; readonly id: number; readonly message: string };

/** Methods a host serves; arguments and results cross the process boundary as JSON. */
export type HostMethods = Record<string, (...args: never[]) => unknown>;

/** What a host module exposes: its ready information and its methods (`stop` is always there). */
export interface HostApi<Info, Methods extends HostMethods> {
  readonly info: Info;
  readonly methods: Methods;
}
