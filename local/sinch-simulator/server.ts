/**
 * The HTTP side of the simulator: the API endpoint (auth, parsing, throughput limit, faults, latency) and the
 * `/_sim/*` control endpoints. Listens on 127.0.0.1 only.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { type ApiResult, SimulatedMmsApi } from './api';
import {
  type FaultKind,
  type PublicSimulatorOptions,
  type SimulatorOptions,
  type SimulatorOptionsInput,
  applyOptionsPatch,
  defaultOptions,
  FAULT_KINDS,
  publicOptions,
  SimulatorConfigError,
} from './options';
import { PostbackDispatcher } from './postbacks';
import { moPayload } from './mo';
import { type Random, createRandom } from './random';
import { type PublicRecordedRequest, type RecordedRequest, RequestLog } from './request-log';
import { type CountedOutcome, type SimulatorStats, StatsCollector, ThroughputLimiter } from './stats';
import { TimerSet } from './timers';
import { type Action, actionOf, ERROR_INFO, isJsonObject } from './validation';

export const HOST = '127.0.0.1';
const API_PATHS = new Set(['/', '/ep/v2', '/ep/v2/']);
const MAX_BODY_BYTES = 1024 * 1024;
const MAX_RAW_BODY_LOGGED = 10_000;

export type SimulatorStartOptions = SimulatorOptionsInput & {
  /** Monotonic clock in ms for the throughput window and the timeline (tests inject a fake one). */
  clock?: () => number;
};

interface Body {
  text: string;
  tooLarge: boolean;
}

function readBody(request: http.IncomingMessage): Promise<Body> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        tooLarge = true;
        chunks.length = 0;
      } else if (!tooLarge) {
        chunks.push(chunk);
      }
    });
    request.on('end', () => resolve({ text: Buffer.concat(chunks).toString('utf8'), tooLarge }));
    request.on('error', reject);
    request.on('close', () => {
      if (!request.complete) reject(new Error('request aborted'));
    });
  });
}

function write(response: http.ServerResponse, status: number, body: string, contentType: string): void {
  if (response.writableEnded || response.destroyed) return;
  response.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}

const JSON_TYPE = 'application/json; charset=utf-8';
const writeJson = (response: http.ServerResponse, status: number, body: unknown): void =>
  write(response, status, JSON.stringify(body), JSON_TYPE);

const FAULT_PAGES: Record<'http500' | 'http502', { status: number; page: string }> = {
  http500: { status: 500, page: '<html><body><h1>500 Internal Server Error</h1></body></html>' },
  http502: { status: 502, page: '<html><body><h1>502 Bad Gateway</h1></body></html>' },
};

const COUNTED: Partial<Record<ApiResult['outcome'], CountedOutcome>> = {
  accepted: 'accepted',
  rejected: 'rejected',
  unauthorized: 'unauthorized',
  'invalid-json': 'invalidJson',
  throttled: 'e113',
};

export class SimulatorServer {
  private current: SimulatorOptions;
  private random: Random;
  private readonly clock: () => number;
  private readonly timers = new TimerSet();
  private readonly limiter = new ThroughputLimiter();
  private readonly statsCollector: StatsCollector;
  private readonly log: RequestLog;
  private readonly postbacks: PostbackDispatcher;
  private readonly api: SimulatedMmsApi;
  private readonly server: http.Server;
  private stopping: Promise<void> | undefined;

  constructor(input: SimulatorStartOptions) {
    const { clock, ...patch } = input;
    this.current = applyOptionsPatch(defaultOptions(), patch, { allowPort: true });
    this.random = createRandom(this.current.seed);
    this.clock = clock ?? (() => performance.now());
    this.statsCollector = new StatsCollector(this.clock);
    this.log = new RequestLog(() => this.current.requestLogLimit);
    this.postbacks = new PostbackDispatcher(
      () => this.current,
      () => this.random,
      this.timers,
    );
    this.api = new SimulatedMmsApi({
      options: () => this.current,
      random: () => this.random,
      timers: this.timers,
      postbacks: this.postbacks,
      stats: this.statsCollector,
    });
    this.server = http.createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
      this.route(request, response).catch(() => {
        if (!response.headersSent) writeJson(response, 500, { error: 'internal simulator error' });
        else response.destroy();
      });
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.current.port, HOST, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return (this.server.address() as AddressInfo).port;
  }

  options(): SimulatorOptions {
    return {
      ...this.current,
      faults: { ...this.current.faults },
      postbackDelays: { ...this.current.postbackDelays },
    };
  }

  publicOptions(): PublicSimulatorOptions {
    return publicOptions(this.current);
  }

  /** Applies a patch (throws SimulatorConfigError and changes nothing when any key is invalid). */
  configure(patch: unknown): void {
    const next = applyOptionsPatch(this.current, patch, { allowPort: false });
    if (next.seed !== this.current.seed) this.random = createRandom(next.seed);
    this.current = next;
  }

  stats(): SimulatorStats {
    return this.statsCollector.snapshot(this.postbacks.stats());
  }

  requests(): RecordedRequest[] {
    return this.log.all();
  }

  publicRequests(): PublicRecordedRequest[] {
    return this.log.withoutKeys();
  }

  /** Clears counters, the timeline, the request log, the throughput windows and the 15550000008 counter. */
  resetStats(): void {
    this.statsCollector.reset();
    this.postbacks.resetStats();
    this.log.clear();
    this.limiter.clear();
    this.api.resetMagicCounters();
  }

  stop(): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      this.timers.close();
      this.postbacks.stop();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.stopping;
  }

  private async route(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const method = request.method ?? 'GET';

    if (API_PATHS.has(path)) {
      if (method !== 'POST') {
        request.resume();
        response.setHeader('allow', 'POST');
        writeJson(response, 405, { status: 'failure', 'error-code': 'E100', 'error-info': 'Use POST.' });
        return;
      }
      await this.handleApi(request, response);
      return;
    }

    const control: Record<string, Partial<Record<string, () => Promise<void> | void>>> = {
      '/_sim/health': { GET: () => writeJson(response, 200, { ok: true }) },
      '/_sim/stats': { GET: () => writeJson(response, 200, this.stats()) },
      '/_sim/requests': { GET: () => writeJson(response, 200, this.publicRequests()) },
      '/_sim/config': {
        GET: () => writeJson(response, 200, this.publicOptions()),
        POST: () => this.handleConfig(request, response),
      },
      '/_sim/mo': { POST: () => this.handleMo(request, response) },
      '/_sim/reset': {
        POST: async () => {
          await readBody(request);
          this.resetStats();
          writeJson(response, 200, { ok: true });
        },
      },
    };
    const endpoint = control[path];
    if (!endpoint) {
      request.resume();
      writeJson(response, 404, { error: `no such path: ${path}` });
      return;
    }
    const handler = endpoint[method];
    if (!handler) {
      request.resume();
      response.setHeader('allow', Object.keys(endpoint).join(', '));
      writeJson(response, 405, { error: `method not allowed: ${method}` });
      return;
    }
    await handler();
  }

  private async handleConfig(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const { text, tooLarge } = await readBody(request);
    let patch: unknown;
    try {
      if (tooLarge) throw new SimulatorConfigError('body too large');
      patch = JSON.parse(text);
    } catch (error) {
      writeJson(response, 400, {
        error: error instanceof SimulatorConfigError ? error.message : 'invalid JSON',
      });
      return;
    }
    try {
      this.configure(patch);
    } catch (error) {
      if (!(error instanceof SimulatorConfigError)) throw error;
      writeJson(response, 400, { error: error.message });
      return;
    }
    writeJson(response, 200, this.publicOptions());
  }

  /** `POST /_sim/mo`: posts an inbound message (N401) to the postback URL; answers 202 with what it posts. */
  private async handleMo(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const { text, tooLarge } = await readBody(request);
    let input: unknown;
    try {
      input = tooLarge ? undefined : JSON.parse(text);
    } catch {
      input = undefined;
    }
    if (!isJsonObject(input)) {
      writeJson(response, 400, { error: 'body must be a JSON object: { from, to, keyword | text, media? }' });
      return;
    }
    if (!this.postbacks.enabled) {
      writeJson(response, 409, { error: 'no postbackUrl configured' });
      return;
    }
    const mo = moPayload(input, new Date());
    if (!mo.ok) {
      writeJson(response, 400, { error: mo.error });
      return;
    }
    this.postbacks.schedule(mo.payload, 0);
    writeJson(response, 202, { ok: true, postback: mo.payload });
  }

  /** Picks at most one fault: the kinds' rates are laid end to end on [0, 1) in FAULT_KINDS order. */
  private pickFault(): FaultKind | undefined {
    const roll = this.random();
    let edge = 0;
    for (const kind of FAULT_KINDS) {
      edge += this.current.faults[kind];
      if (roll < edge) return kind;
    }
    return undefined;
  }

  private async handleApi(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const body = await readBody(request);
    const now = this.clock();
    const time = Date.now();
    const header = request.headers['x-api-key'];
    const apiKey = typeof header === 'string' ? header : null;
    const keyValid = apiKey === this.current.apiKey;

    let parsed: unknown = null;
    let parses = false;
    if (!body.tooLarge) {
      try {
        parsed = JSON.parse(body.text);
        parses = true;
      } catch {
        parses = false;
      }
    }
    const action: Action | undefined = parses ? actionOf(parsed) : undefined;
    this.statsCollector.arrival(action, now);

    let fault: FaultKind | undefined;
    const result = ((): ApiResult => {
      if (!keyValid) return this.api.failure('E104', ERROR_INFO.E104, 'unauthorized');
      if (body.tooLarge) return this.api.failure('E100', 'Request body too large.', 'rejected');
      if (!parses) return this.api.failure('E108', ERROR_INFO.E108, 'invalid-json');
      if (!isJsonObject(parsed)) return this.api.failure('E100', ERROR_INFO.E100, 'rejected');
      if (!action) return this.api.failure('E100', 'Invalid or missing action.', 'rejected');
      const { tps, countThrottledRequests } = this.current;
      if (!this.limiter.tryAdmit(action, now, tps, countThrottledRequests)) {
        return this.api.failure('E113', ERROR_INFO.E113, 'throttled');
      }
      fault = this.pickFault();
      if (fault === 'e503') return this.api.failure('E503', ERROR_INFO.E503, 'fault');
      if (fault === 'drop' || fault === 'http500' || fault === 'http502') {
        return { body: {}, outcome: 'fault' };
      }
      return this.api.handle(action, parsed);
    })();

    const counted = COUNTED[result.outcome];
    if (counted) this.statsCollector.outcome(counted, now);
    if (fault) this.statsCollector.fault(fault);

    const page = fault === 'http500' || fault === 'http502' ? FAULT_PAGES[fault] : undefined;
    const answer: RecordedRequest['response'] =
      fault === 'drop'
        ? null
        : page
          ? { httpStatus: page.status, body: page.page }
          : { httpStatus: 200, body: result.body };
    this.log.add({
      time,
      action: action ?? null,
      body: parses ? parsed : null,
      ...(parses ? {} : { rawBody: body.text.slice(0, MAX_RAW_BODY_LOGGED) }),
      apiKey,
      keyValid,
      response: answer,
      outcome: result.outcome,
      ...(result.errorCode === undefined ? {} : { errorCode: result.errorCode }),
      ...(result.trackingId === undefined ? {} : { trackingId: result.trackingId }),
      ...(fault === undefined ? {} : { fault }),
    });

    const deliver = (): void => {
      if (fault === 'drop') {
        request.socket.destroy();
        return;
      }
      if (page) write(response, page.status, page.page, 'text/html; charset=utf-8');
      else writeJson(response, 200, result.body);
    };
    const delay = this.current.latencyMs + (fault === 'slow' ? this.current.slowMs : 0);
    if (delay > 0) this.timers.later(delay, deliver);
    else deliver();
  }
}
