import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type SimulatorStartOptions,
  type SinchSimulator,
  SimulatorConfigError,
  startSinchSimulator,
} from '../../local/sinch-simulator/index';
import { MAGIC } from '../../local/sinch-simulator/api';
import http from 'node:http';

type Json = Record<string, unknown>;

const KEY = 'sim-key';
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
// Typed asymmetric matchers (vitest's return `any`).
const anyString: unknown = expect.any(String);
const matching = (pattern: RegExp): unknown => expect.stringMatching(pattern);

// ---------- helpers ----------

interface HttpResult {
  status: number;
  text: string;
  json: unknown;
  reusedSocket: boolean;
}

function httpRequest(
  url: string,
  {
    method = 'POST',
    body,
    headers = {},
    agent,
  }: { method?: string; body?: string; headers?: Record<string, string>; agent?: http.Agent } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method,
        agent: agent ?? false,
        headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: response.statusCode ?? 0, text, json, reusedSocket: request.reusedSocket });
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

function asObject(value: unknown): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`expected a JSON object, got ${JSON.stringify(value)}`);
  }
  return value as Json;
}

/** POSTs a JSON body to the API; asserts HTTP 200 and returns the JSON answer. */
async function call(sim: SinchSimulator, body: unknown, apiKey: string = KEY): Promise<Json> {
  const result = await httpRequest(sim.url, { body: JSON.stringify(body), headers: { 'x-api-key': apiKey } });
  expect(result.status).toBe(200);
  return asObject(result.json);
}

async function control(
  sim: SinchSimulator,
  path: string,
  method = 'GET',
  body?: unknown,
): Promise<HttpResult> {
  return httpRequest(`${sim.origin}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const SLIDE = { image: { url: 'https://cdn.example.com/a.jpg' }, 'message-text': 'Hello' };

const sendmms = (to: string = MAGIC.delivered, extra: Json = {}): Json => ({
  action: 'sendmms',
  'service-id': '12345',
  to,
  from: '28444',
  'message-subject': 'Your order',
  'fallback-sms-text': 'See it here:',
  'client-reference': `ref-${to}`,
  slide: [SLIDE],
  ...extra,
});

const savemms = (name = 'spring-promo', extra: Json = {}): Json => ({
  action: 'savemms',
  name,
  'fallback-sms-text': 'See it here:',
  'client-reference': `tmpl-${name}`,
  slide: [SLIDE, { pdf: { url: 'https://cdn.example.com/receipt.pdf' } }],
  ...extra,
});

const sendsavedmms = (mmsId: string, to: string = MAGIC.delivered, extra: Json = {}): Json => ({
  action: 'sendsavedmms',
  'mms-id': mmsId,
  'service-id': '12345',
  to,
  from: '18885551234',
  'client-reference': `saved-${to}`,
  ...extra,
});

interface Received {
  at: number;
  body: Json;
}

interface Receiver {
  url: string;
  received: Received[];
  byTracking(trackingId: unknown): Json[];
  close(): Promise<void>;
}

/** A loopback postback receiver; `respond` picks the status for the n-th postback (from 0) or 'hang'. */
async function startReceiver(
  respond: (index: number, body: Json) => number | 'hang' = () => 200,
): Promise<Receiver> {
  const received: Received[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = asObject(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      received.push({ at: Date.now(), body });
      const answer = respond(received.length - 1, body);
      if (answer === 'hang') return;
      response.writeHead(answer).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/postbacks`,
    received,
    byTracking: (trackingId) =>
      received.filter((item) => item.body['tracking-id'] === trackingId).map((item) => item.body),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const codes = (postbacks: Json[]): unknown[] => postbacks.map((postback) => postback['code']);

// ---------- API: auth, parsing, shapes, validation ----------

describe('Sinch simulator API', () => {
  let sim: SinchSimulator;

  beforeAll(async () => {
    sim = await startSinchSimulator({ tps: 0, mmsIdMode: 'sync', transcodeMs: 0 });
  });
  afterAll(() => sim.stop());
  beforeEach(() => sim.resetStats());

  it('listens on loopback and serves the API under /ep/v2/', () => {
    expect(sim.url).toBe(`http://127.0.0.1:${sim.port}/ep/v2/`);
    expect(sim.port).toBeGreaterThan(0);
  });

  it('answers E104 to a missing or wrong x-api-key and does not process the request', async () => {
    const wrong = await call(sim, sendmms(), 'not-the-key');
    const missing = asObject((await httpRequest(sim.url, { body: JSON.stringify(sendmms()) })).json);
    for (const answer of [wrong, missing]) {
      expect(answer).toEqual({ status: 'failure', 'error-code': 'E104', 'error-info': anyString });
    }
    const stats = sim.stats();
    expect(stats.unauthorized).toBe(2);
    expect(stats.accepted).toBe(0);
    expect(sim.requests().map((request) => [request.keyValid, request.apiKey, request.outcome])).toEqual([
      [false, 'not-the-key', 'unauthorized'],
      [false, null, 'unauthorized'],
    ]);
  });

  it('answers E108 to a body that is not JSON and E100 to JSON that is not a request', async () => {
    const bad = await httpRequest(sim.url, { body: '{"action": "sendmms",', headers: { 'x-api-key': KEY } });
    expect(bad.status).toBe(200);
    expect(asObject(bad.json)['error-code']).toBe('E108');
    for (const body of ['[]', 'null', '42', '"sendmms"', '{}', '{"action":"sendsms"}', '{"action":5}']) {
      const answer = await httpRequest(sim.url, { body, headers: { 'x-api-key': KEY } });
      expect(asObject(answer.json)['error-code'], body).toBe('E100');
    }
    expect(sim.stats().invalidJson).toBe(1);
    expect(sim.stats().rejected).toBe(7);
    expect(sim.requests()[0]?.rawBody).toBe('{"action": "sendmms",');
  });

  it('accepts sendmms with Sinch’s success shape and unique tracking-ids', async () => {
    const first = await call(sim, sendmms('17745559144'));
    const second = await call(sim, sendmms('17745559144'));
    expect(first).toEqual({
      status: 'success',
      'tracking-id': anyString,
      to: '17745559144',
      'status-details': 'MMS request accepted and queued for processing and delivery.',
    });
    expect(first['tracking-id']).not.toBe(second['tracking-id']);
    expect(String(first['tracking-id']).length).toBeGreaterThan(5);
    expect(sim.stats().accepted).toBe(2);
    expect(sim.stats().requests.sendmms).toBe(2);
  });

  it('accepts savemms and, once transcoded, sendsavedmms with their success shapes', async () => {
    const saved = await call(sim, savemms());
    expect(saved).toEqual({
      status: 'success',
      'tracking-id': anyString,
      'status-details': 'Save MMS request accepted and queued for processing.',
      'mms-id': matching(/^\d+$/),
    });
    await sleep(20); // transcodeMs is 0: the template is ready after the next timer tick
    const sent = await call(sim, sendsavedmms(String(saved['mms-id']), '15551230000'));
    expect(sent).toEqual({
      status: 'success',
      'mms-id': saved['mms-id'],
      'tracking-id': anyString,
      to: '15551230000',
      from: '18885551234',
      'status-details': 'MMS request accepted and queued for processing and delivery.',
    });
    expect(sent['tracking-id']).not.toBe(saved['tracking-id']);
  });

  it('accepts the API on /ep/v2/, /ep/v2 and /, and only by POST', async () => {
    for (const path of ['/ep/v2/', '/ep/v2', '/']) {
      const answer = await httpRequest(`${sim.origin}${path}`, {
        body: JSON.stringify(sendmms()),
        headers: { 'x-api-key': KEY },
      });
      expect(asObject(answer.json)['status'], path).toBe('success');
    }
    const get = await httpRequest(sim.url, { method: 'GET', headers: { 'x-api-key': KEY } });
    expect(get.status).toBe(405);
    expect((await httpRequest(`${sim.origin}/nope`, { method: 'GET' })).status).toBe(404);
  });

  it('capitalises status when statusCasing is capitalized', async () => {
    sim.configure({ statusCasing: 'capitalized' });
    try {
      expect((await call(sim, sendmms()))['status']).toBe('Success');
      expect((await call(sim, sendmms('+15551230000')))['status']).toBe('Failure');
      expect((await call(sim, sendmms(), 'wrong'))['status']).toBe('Failure');
    } finally {
      sim.configure({ statusCasing: 'lower' });
    }
    expect((await call(sim, sendmms()))['status']).toBe('success');
  });

  it('keeps connections alive between requests', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const body = JSON.stringify(sendmms());
      const first = await httpRequest(sim.url, { body, headers: { 'x-api-key': KEY }, agent });
      const second = await httpRequest(sim.url, { body, headers: { 'x-api-key': KEY }, agent });
      expect(first.reusedSocket).toBe(false);
      expect(second.reusedSocket).toBe(true);
      expect(asObject(second.json)['status']).toBe('success');
    } finally {
      agent.destroy();
    }
  });

  const image = { url: 'https://cdn.example.com/a.jpg' };
  const audio = { url: 'https://cdn.example.com/a.mp3' };
  const video = { url: 'https://cdn.example.com/a.mp4' };
  const pdf = { url: 'https://cdn.example.com/a.pdf' };
  const contact = { url: 'https://cdn.example.com/a.vcf' };
  const calendar = { url: 'https://cdn.example.com/a.ics' };
  const withoutKey = (body: Json, key: string): Json =>
    Object.fromEntries(Object.entries(body).filter(([k]) => k !== key));

  const invalid: Array<[string, Json, string]> = [
    ['to with a plus sign', sendmms('+17745559144'), 'E110'],
    ['to with a 00 prefix', sendmms('0017745559144'), 'E110'],
    ['to with 7 digits', sendmms('1774555'), 'E110'],
    ['to with 16 digits', sendmms('1774555914412345'), 'E110'],
    ['to with a space', sendmms('1774 5559144'), 'E110'],
    ['to as a number', sendmms(undefined, { to: 17745559144 }), 'E110'],
    ['missing to', withoutKey(sendmms(), 'to'), 'E110'],
    ['bad to-displayonly', sendmms(undefined, { 'to-displayonly': '17745550002,+1774' }), 'E110'],
    ['4-digit short code', sendmms(undefined, { from: '2844' }), 'E111'],
    ['from with a leading 0', sendmms(undefined, { from: '028444' }), 'E111'],
    ['missing from', withoutKey(sendmms(), 'from'), 'E111'],
    ['no slide key', withoutKey(sendmms(), 'slide'), 'E312'],
    ['empty slide array', sendmms(undefined, { slide: [] }), 'E312'],
    ['9 slides', sendmms(undefined, { slide: Array.from({ length: 9 }, () => SLIDE) }), 'E225'],
    ['an empty slide', sendmms(undefined, { slide: [SLIDE, {}] }), 'E313'],
    ['a slide with empty text only', sendmms(undefined, { slide: [{ 'message-text': '' }] }), 'E313'],
    ['two objects on a slide', sendmms(undefined, { slide: [{ pdf, contact }] }), 'E223'],
    ['calendar and contact on a slide', sendmms(undefined, { slide: [{ calendar, contact }] }), 'E223'],
    ['an object with an image', sendmms(undefined, { slide: [{ pdf, image }] }), 'E224'],
    ['an object with audio', sendmms(undefined, { slide: [{ calendar, audio }] }), 'E224'],
    ['audio with video', sendmms(undefined, { slide: [{ audio, video }] }), 'E226'],
    ['video with an image', sendmms(undefined, { slide: [{ video, image }] }), 'E227'],
    [
      '5001 characters of text',
      sendmms(undefined, { slide: [{ 'message-text': 'x'.repeat(5001) }] }),
      'E334',
    ],
    ['no fallback-sms-text', withoutKey(sendmms(), 'fallback-sms-text'), 'E622'],
    [
      'fallback disabled false, no text',
      withoutKey(sendmms(undefined, { 'disable-fallback-sms': false }), 'fallback-sms-text'),
      'E622',
    ],
    ['blank fallback-sms-text', sendmms(undefined, { 'fallback-sms-text': '  ' }), 'E622'],
    ['a media object without a url', sendmms(undefined, { slide: [{ image: {} }] }), 'E100'],
    ['client-reference over 64 chars', sendmms(undefined, { 'client-reference': 'r'.repeat(65) }), 'E100'],
    ['subject over 80 chars', sendmms(undefined, { 'message-subject': 's'.repeat(81) }), 'E314'],
    ['savemms without name', withoutKey(savemms(), 'name'), 'E311'],
    ['savemms with a blank name', savemms('  '), 'E311'],
    ['savemms without slides', savemms(undefined, { slide: [] }), 'E312'],
    ['savemms without fallback text', withoutKey(savemms(), 'fallback-sms-text'), 'E622'],
    ['sendsavedmms without mms-id', withoutKey(sendsavedmms('1'), 'mms-id'), 'E620'],
    ['sendsavedmms with an unknown mms-id', sendsavedmms('999999999'), 'E241'],
    ['sendsavedmms with a bad to', sendsavedmms('1', '0123'), 'E110'],
  ];

  it.each(invalid)('rejects %s', async (_name, body, code) => {
    const answer = await call(sim, body);
    expect(answer).toEqual({ status: 'failure', 'error-code': code, 'error-info': anyString });
    expect(sim.stats().rejected).toBe(1);
    expect(sim.stats().accepted).toBe(0);
  });

  const valid: Array<[string, Json]> = [
    ['a 5-digit short code as from', sendmms(undefined, { from: '28444' })],
    ['a 6-digit short code as from', sendmms(undefined, { from: '284445' })],
    ['a 15-digit to', sendmms('177455591441234')],
    ['an 8-digit to', sendmms('61412345')],
    [
      '5000 code points of emoji text',
      sendmms(undefined, { slide: [{ 'message-text': '😀'.repeat(5000) }] }),
    ],
    [
      'no fallback text when fallback is disabled',
      withoutKey(sendmms(undefined, { 'disable-fallback-sms': true }), 'fallback-sms-text'),
    ],
    [
      'image, audio and text on one slide',
      sendmms(undefined, { slide: [{ image, audio, 'message-text': 'hi' }] }),
    ],
    [
      'video and text, then a pdf alone',
      sendmms(undefined, { slide: [{ video, 'message-text': 'hi' }, { pdf }] }),
    ],
    ['8 slides', sendmms(undefined, { slide: Array.from({ length: 8 }, () => SLIDE) })],
    ['to-displayonly numbers', sendmms(undefined, { 'to-displayonly': '17745550002,17745550003' })],
  ];

  it.each(valid)('accepts %s', async (_name, body) => {
    expect(await call(sim, body)).toMatchObject({ status: 'success' });
  });

  it('survives malformed input and oversized bodies', async () => {
    const junk = [
      '{"action":"sendmms","slide":"x","to":"15551230000","from":"28444"}',
      '{"action":"sendmms","slide":[null],"to":"15551230000","from":"28444"}',
      '{"action":"sendmms","slide":[{"image":"x"}],"to":"15551230000","from":"28444"}',
      '{"action":"sendsavedmms","mms-id":{"a":1},"to":"15551230000","from":"28444"}',
      '{"action":"savemms","name":["x"]}',
      '\u0000\u00ff',
    ];
    for (const body of junk) {
      const answer = await httpRequest(sim.url, { body, headers: { 'x-api-key': KEY } });
      expect(answer.status, body).toBe(200);
      expect(asObject(answer.json)['status'], body).toBe('failure');
    }
    const huge = await httpRequest(sim.url, {
      body: 'x'.repeat(1024 * 1024 + 10),
      headers: { 'x-api-key': KEY },
    });
    expect(asObject(huge.json)['error-code']).toBe('E100');
    expect((await call(sim, sendmms()))['status']).toBe('success');
  });
});

// ---------- throughput limit ----------

describe('Sinch simulator throughput limit', () => {
  it('answers E113 to exactly the requests above tps in a one-second window (fake clock)', async () => {
    let now = 10_000;
    const sim = await startSinchSimulator({ tps: 10, clock: () => now });
    try {
      const burst = await Promise.all(Array.from({ length: 25 }, () => call(sim, sendmms())));
      const e113 = burst.filter((answer) => answer['error-code'] === 'E113');
      expect(burst.filter((answer) => answer['status'] === 'success')).toHaveLength(10);
      expect(e113).toHaveLength(15);
      expect(e113[0]?.['error-info']).toBe('Exceeded the allowed throughput for this action.');
      expect(sim.stats().e113).toBe(15);

      // The limit is per action: savemms has its own window.
      expect((await call(sim, savemms()))['status']).toBe('success');

      now += 999; // still inside the window opened by the first 10
      expect((await call(sim, sendmms()))['error-code']).toBe('E113');
      now += 1; // the first 10 leave the window
      const next = await Promise.all(Array.from({ length: 11 }, () => call(sim, sendmms())));
      expect(next.filter((answer) => answer['status'] === 'success')).toHaveLength(10);
      expect(next.filter((answer) => answer['error-code'] === 'E113')).toHaveLength(1);

      const stats = sim.stats();
      expect(stats.e113).toBe(17);
      expect(stats.accepted).toBe(21);
      expect(stats.maxPerSecond).toBe(27);
      expect(stats.maxPerSecondByAction.sendmms).toBe(26);
      expect(stats.perSecond).toEqual([
        { second: 0, requests: 27, accepted: 11, e113: 16 },
        { second: 1, requests: 11, accepted: 10, e113: 1 },
      ]);
    } finally {
      await sim.stop();
    }
  });

  it('lets E113 answers fill the window when countThrottledRequests is on (fake clock)', async () => {
    let now = 0;
    const sim = await startSinchSimulator({ tps: 2, countThrottledRequests: true, clock: () => now });
    try {
      await Promise.all([call(sim, sendmms()), call(sim, sendmms())]);
      now = 500;
      expect((await call(sim, sendmms()))['error-code']).toBe('E113');
      now = 1000; // the first two left, but the throttled call at 500 still counts
      expect((await call(sim, sendmms()))['status']).toBe('success');
      expect((await call(sim, sendmms()))['error-code']).toBe('E113');
      now = 1600; // the 500 and 1000 calls are still in the window
      expect((await call(sim, sendmms()))['error-code']).toBe('E113');
    } finally {
      await sim.stop();
    }
  });

  it('never admits more than tps per sliding second on the real clock, and reopens after a second', async () => {
    const sim = await startSinchSimulator({ tps: 10 });
    try {
      const burst = await Promise.all(Array.from({ length: 25 }, () => call(sim, sendmms())));
      const accepted = burst.filter((answer) => answer['status'] === 'success').length;
      const throttled = burst.filter((answer) => answer['error-code'] === 'E113').length;
      expect(accepted + throttled).toBe(25);
      expect(throttled).toBeGreaterThan(0);
      const admitted = sim
        .requests()
        .filter((request) => request.outcome === 'accepted')
        .map((request) => request.time);
      expect(admitted).toHaveLength(accepted);
      for (const start of admitted) {
        // Log times are Date.now(); the limiter uses the monotonic clock: keep a 2 ms margin.
        expect(admitted.filter((time) => time >= start && time < start + 998).length).toBeLessThanOrEqual(10);
      }
      await sleep(1100);
      expect((await call(sim, sendmms()))['status']).toBe('success');
    } finally {
      await sim.stop();
    }
  });

  it('is unlimited with tps 0 (fake clock: all 40 in one second)', async () => {
    const sim = await startSinchSimulator({ tps: 0, clock: () => 0 });
    try {
      const burst = await Promise.all(Array.from({ length: 40 }, () => call(sim, sendmms())));
      expect(burst.every((answer) => answer['status'] === 'success')).toBe(true);
      expect(sim.stats().e113).toBe(0);
      expect(sim.stats().maxPerSecond).toBe(40);
    } finally {
      await sim.stop();
    }
  });
});

// ---------- faults ----------

describe('Sinch simulator fault injection', () => {
  const start = (options: SimulatorStartOptions): Promise<SinchSimulator> =>
    startSinchSimulator({ tps: 0, ...options });

  it('answers E503 at rate 1 without processing', async () => {
    const sim = await start({ faults: { e503: 1 } });
    try {
      expect(await call(sim, sendmms())).toEqual({
        status: 'failure',
        'error-code': 'E503',
        'error-info': anyString,
      });
      expect(sim.stats().faults).toEqual({ e503: 1, http500: 0, http502: 0, slow: 0, drop: 0 });
      expect(sim.stats().accepted).toBe(0);
      // Faults only hit requests that pass auth and parsing.
      expect((await call(sim, sendmms(), 'wrong'))['error-code']).toBe('E104');
      const bad = await httpRequest(sim.url, { body: '{', headers: { 'x-api-key': KEY } });
      expect(asObject(bad.json)['error-code']).toBe('E108');
      expect(sim.stats().faults.e503).toBe(1);
    } finally {
      await sim.stop();
    }
  });

  it.each([
    ['http500', 500],
    ['http502', 502],
  ] as const)('answers HTTP %s at rate 1 with a non-JSON body', async (kind, status) => {
    const sim = await start({ faults: { [kind]: 1 } });
    try {
      const answer = await httpRequest(sim.url, {
        body: JSON.stringify(sendmms()),
        headers: { 'x-api-key': KEY },
      });
      expect(answer.status).toBe(status);
      expect(answer.json).toBeUndefined();
      expect(answer.text).toContain(String(status));
      expect(sim.stats().faults[kind]).toBe(1);
      expect(sim.stats().accepted).toBe(0);
      expect(sim.requests()[0]).toMatchObject({
        outcome: 'fault',
        fault: kind,
        response: { httpStatus: status },
      });
    } finally {
      await sim.stop();
    }
  });

  it('drops the socket without answering at rate 1', async () => {
    const sim = await start({ faults: { drop: 1 } });
    try {
      await expect(
        httpRequest(sim.url, { body: JSON.stringify(sendmms()), headers: { 'x-api-key': KEY } }),
      ).rejects.toThrow(/socket hang up|ECONNRESET/);
      expect(sim.stats().faults.drop).toBe(1);
      expect(sim.requests()[0]).toMatchObject({ outcome: 'fault', fault: 'drop', response: null });
    } finally {
      await sim.stop();
    }
  });

  it('answers slowly (but accepts) at rate 1, after slowMs plus latencyMs', async () => {
    const sim = await start({ faults: { slow: 1 }, slowMs: 300, latencyMs: 50 });
    try {
      const started = performance.now();
      const answer = await call(sim, sendmms());
      expect(performance.now() - started).toBeGreaterThanOrEqual(340);
      expect(answer['status']).toBe('success');
      expect(sim.stats().faults.slow).toBe(1);
      expect(sim.stats().accepted).toBe(1);

      sim.configure({ faults: { slow: 0 } });
      const quick = performance.now();
      expect((await call(sim, sendmms()))['status']).toBe('success');
      expect(performance.now() - quick).toBeGreaterThanOrEqual(45); // latencyMs alone
      expect(sim.requests().map((request) => request.fault)).toEqual(['slow', undefined]);
    } finally {
      await sim.stop();
    }
  });

  it('replays the same faults from the same seed', async () => {
    const outcomes = async (seed: number): Promise<unknown[]> => {
      const sim = await start({ seed, faults: { e503: 0.5 } });
      try {
        const answers: unknown[] = [];
        for (let i = 0; i < 30; i += 1) answers.push((await call(sim, sendmms()))['status']);
        expect(sim.options().seed).toBe(seed);
        return answers;
      } finally {
        await sim.stop();
      }
    };
    const first = await outcomes(42);
    expect(await outcomes(42)).toEqual(first);
    expect(first).toContain('success');
    expect(first).toContain('failure');
  });

  it('stop() closes a connection whose slow answer is pending', async () => {
    // The slow answer would come after the test's own timeout: stop() returning at all shows it did not wait.
    const sim = await start({ faults: { slow: 1 }, slowMs: 3_600_000 });
    const pending = httpRequest(sim.url, { body: JSON.stringify(sendmms()), headers: { 'x-api-key': KEY } });
    await waitFor('the request to arrive', () => sim.requests().length === 1);
    await sim.stop();
    await expect(pending).rejects.toThrow();
    await sim.stop(); // idempotent
  });
});

// ---------- postbacks ----------

describe('Sinch simulator postbacks', () => {
  const receivers: Receiver[] = [];
  const sims: SinchSimulator[] = [];
  afterEach(async () => {
    await Promise.all(sims.splice(0).map((sim) => sim.stop()));
    await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
  });

  async function setup(
    options: SimulatorStartOptions = {},
    respond?: (index: number, body: Json) => number | 'hang',
  ): Promise<{ sim: SinchSimulator; receiver: Receiver }> {
    const receiver = await startReceiver(respond);
    receivers.push(receiver);
    const sim = await startSinchSimulator({
      tps: 0,
      postbackUrl: receiver.url,
      postbackDelays: { sentMs: 20, finalMs: 200 },
      transcodeMs: 50,
      ...options,
    });
    sims.push(sim);
    return { sim, receiver };
  }

  it('sends each magic number’s postback sequence', async () => {
    const { sim, receiver } = await setup();
    const expected: Array<[string, Array<[string, string, string]>]> = [
      [
        MAGIC.delivered,
        [
          ['N101', 'Sent', 'MMS'],
          ['N102', 'Delivered', 'MMS'],
        ],
      ],
      [
        MAGIC.fallbackSms,
        [
          ['N101', 'Sent', 'MMS'],
          ['N202', 'Delivered', 'SMS'],
        ],
      ],
      [
        MAGIC.rejected,
        [
          ['N101', 'Sent', 'MMS'],
          ['E102', 'Rejected', 'MMS'],
        ],
      ],
      [MAGIC.failed, [['E101', 'Failed', 'MMS']]],
      [
        MAGIC.expired,
        [
          ['N101', 'Sent', 'MMS'],
          ['N103', 'Expired', 'MMS'],
        ],
      ],
      [MAGIC.sentOnly, [['N101', 'Sent', 'MMS']]],
      [
        '447700900123',
        [
          ['N101', 'Sent', 'MMS'],
          ['N102', 'Delivered', 'MMS'],
        ],
      ],
    ];
    const tracking = new Map<string, unknown>();
    for (const [to] of expected) {
      const answer = await call(sim, sendmms(to));
      expect(answer['status'], to).toBe('success');
      tracking.set(to, answer['tracking-id']);
    }

    // 15550000007: synchronous E110, no postbacks.
    expect(await call(sim, sendmms(MAGIC.syncE110))).toEqual({
      status: 'failure',
      'error-code': 'E110',
      'error-info': anyString,
    });
    // 15550000008: E503 twice, then accepted; the count restarts after the success.
    const flaky = [];
    for (let i = 0; i < 4; i += 1) flaky.push(await call(sim, sendmms(MAGIC.flakyE503)));
    expect(flaky.map((answer) => answer['error-code'] ?? answer['status'])).toEqual([
      'E503',
      'E503',
      'success',
      'E503',
    ]);
    expected.push([
      MAGIC.flakyE503,
      [
        ['N101', 'Sent', 'MMS'],
        ['N102', 'Delivered', 'MMS'],
      ],
    ]);
    tracking.set(MAGIC.flakyE503, flaky[2]?.['tracking-id']);

    const total = expected.reduce((sum, [, events]) => sum + events.length, 0);
    await waitFor('all postbacks', () => receiver.received.length >= total);
    await sleep(400); // longer than finalMs: nothing else may arrive
    expect(receiver.received).toHaveLength(total);

    for (const [to, events] of expected) {
      const postbacks = receiver.byTracking(tracking.get(to));
      expect(
        postbacks.map((postback) => [postback['code'], postback['status'], postback['sent-as']]),
        to,
      ).toEqual(events);
      for (const postback of postbacks) {
        expect(postback).toMatchObject({
          origin: 'MMS_MT',
          to,
          from: '28444',
          'tracking-id': tracking.get(to),
          'client-reference': `ref-${to}`,
          'status-details': anyString,
        });
        expect(postback['timestamp']).toMatch(ISO_TIMESTAMP);
        expect(postback).not.toHaveProperty('mms-id');
      }
    }
    const stats = sim.stats();
    expect(stats.magic).toEqual({ e110: 1, e503: 3 });
    expect(stats.postbacks).toMatchObject({
      sent: total,
      delivered: total,
      retried: 0,
      failed: 0,
      pending: 0,
    });
  });

  it('retries a postback answered with 500 twice, after postbackRetryDelayMs', async () => {
    const { sim, receiver } = await setup({ postbackRetryDelayMs: 80 }, (index) => (index < 2 ? 500 : 200));
    const answer = await call(sim, sendmms(MAGIC.sentOnly));
    await waitFor('three attempts', () => receiver.received.length === 3);
    const [first, second, third] = receiver.received;
    expect(second!.body).toEqual(first!.body);
    expect(third!.body).toEqual(first!.body);
    expect(first!.body['tracking-id']).toBe(answer['tracking-id']);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(70);
    expect(third!.at - second!.at).toBeGreaterThanOrEqual(70);
    await waitFor('delivery recorded', () => sim.stats().postbacks.delivered === 1);
    await sleep(200);
    expect(receiver.received).toHaveLength(3);
    expect(sim.stats().postbacks).toMatchObject({ sent: 1, retried: 2, delivered: 1, failed: 0, pending: 0 });
  });

  it('retries a postback that gets no answer within postbackTimeoutMs', async () => {
    const { sim, receiver } = await setup({ postbackTimeoutMs: 100, postbackRetryDelayMs: 20 }, (index) =>
      index === 0 ? 'hang' : 200,
    );
    await call(sim, sendmms(MAGIC.sentOnly));
    await waitFor('the retry to be delivered', () => sim.stats().postbacks.delivered === 1);
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]!.at - receiver.received[0]!.at).toBeGreaterThanOrEqual(110);
    expect(sim.stats().postbacks).toMatchObject({ sent: 1, retried: 1, delivered: 1, failed: 0 });
  });

  it('gives a postback up after postbackMaxRetries retries', async () => {
    const { sim, receiver } = await setup({ postbackRetryDelayMs: 20, postbackMaxRetries: 5 }, () => 503);
    await call(sim, sendmms(MAGIC.sentOnly));
    await waitFor('the postback to fail', () => sim.stats().postbacks.failed === 1);
    await sleep(100);
    expect(receiver.received).toHaveLength(6);
    expect(sim.stats().postbacks).toMatchObject({ sent: 1, retried: 5, delivered: 0, failed: 1, pending: 0 });
  });

  it('sends every postback twice with duplicatePostbacks 1', async () => {
    const { sim, receiver } = await setup({ duplicatePostbacks: 1 });
    const answer = await call(sim, sendmms(MAGIC.delivered));
    await waitFor('four postbacks', () => receiver.received.length === 4);
    await sleep(250);
    const postbacks = receiver.byTracking(answer['tracking-id']);
    expect(codes(postbacks)).toEqual(['N101', 'N101', 'N102', 'N102']);
    expect(postbacks[1]).toEqual(postbacks[0]);
    expect(sim.stats().postbacks).toMatchObject({ sent: 4, duplicated: 2, delivered: 4 });
  });

  it('sends the final postback before N101 with reorderPostbacks, keeping event timestamps', async () => {
    const { sim, receiver } = await setup({ reorderPostbacks: true });
    const answer = await call(sim, sendmms(MAGIC.rejected));
    await waitFor('two postbacks', () => receiver.received.length === 2);
    const postbacks = receiver.byTracking(answer['tracking-id']);
    expect(codes(postbacks)).toEqual(['E102', 'N101']);
    const [final, sent] = postbacks;
    expect(Date.parse(String(sent?.['timestamp']))).toBeLessThan(Date.parse(String(final?.['timestamp'])));
    expect(sim.stats().postbacks.reordered).toBe(1);

    sim.configure({ reorderPostbacks: false });
    const inOrder = await call(sim, sendmms(MAGIC.rejected));
    await waitFor('two more postbacks', () => receiver.received.length === 4);
    expect(codes(receiver.byTracking(inOrder['tracking-id']))).toEqual(['N101', 'E102']);
  });

  it('savemms in postback mode: the mms-id arrives only in N003, then sendsavedmms works', async () => {
    const { sim, receiver } = await setup({ mmsIdMode: 'postback' });
    const saved = await call(sim, savemms());
    expect(saved).not.toHaveProperty('mms-id');
    await waitFor('N003', () => receiver.received.length === 1);
    const n003 = receiver.received[0]!.body;
    expect(n003).toMatchObject({
      origin: 'MMS_MT',
      code: 'N003',
      status: 'Transcoding successful',
      'tracking-id': saved['tracking-id'],
      'client-reference': 'tmpl-spring-promo',
      'mms-id': matching(/^\d+$/),
    });
    expect(n003['timestamp']).toMatch(ISO_TIMESTAMP);

    const mmsId = String(n003['mms-id']);
    const sent = await call(sim, sendsavedmms(mmsId, MAGIC.fallbackSms));
    expect(sent).toMatchObject({
      status: 'success',
      'mms-id': mmsId,
      to: MAGIC.fallbackSms,
      from: '18885551234',
    });
    await waitFor('the MT postbacks', () => receiver.byTracking(sent['tracking-id']).length === 2);
    const mt = receiver.byTracking(sent['tracking-id']);
    expect(mt.map((postback) => [postback['code'], postback['sent-as'], postback['mms-id']])).toEqual([
      ['N101', 'MMS', mmsId],
      ['N202', 'SMS', mmsId],
    ]);
    expect(mt[0]).toMatchObject({ 'client-reference': `saved-${MAGIC.fallbackSms}`, from: '18885551234' });
  });

  it('savemms in sync mode answers the mms-id; sendsavedmms gets E626 until N003', async () => {
    const { sim, receiver } = await setup({ mmsIdMode: 'sync', transcodeMs: 300 });
    const saved = await call(sim, savemms());
    const mmsId = String(saved['mms-id']);
    expect(mmsId).toMatch(/^\d+$/);
    const early = await call(sim, sendsavedmms(mmsId));
    expect(early).toEqual({
      status: 'failure',
      'error-code': 'E626',
      'error-info': 'MMS not available, encoding in progress.',
    });
    expect(receiver.received).toHaveLength(0);
    await waitFor('N003', () => receiver.received.length === 1);
    expect(receiver.received[0]!.body).toMatchObject({
      code: 'N003',
      'mms-id': mmsId,
      'tracking-id': saved['tracking-id'],
    });
    expect((await call(sim, sendsavedmms(mmsId)))['status']).toBe('success');
    // A numeric mms-id is accepted too.
    expect(
      (await call(sim, sendsavedmms(mmsId, MAGIC.delivered, { 'mms-id': Number(mmsId) })))['status'],
    ).toBe('success');
  });

  it('answers E241 to an unknown mms-id and E622 when neither template nor request has fallback text', async () => {
    const { sim, receiver } = await setup({ mmsIdMode: 'sync', transcodeMs: 0 });
    expect((await call(sim, sendsavedmms('123')))['error-code']).toBe('E241');
    const saved = await call(
      sim,
      savemms('no-fallback', { 'disable-fallback-sms': true, 'fallback-sms-text': undefined }),
    );
    await waitFor('N003', () => receiver.received.length === 1);
    const mmsId = String(saved['mms-id']);
    expect(
      (await call(sim, sendsavedmms(mmsId, MAGIC.delivered, { 'disable-fallback-sms': false })))[
        'error-code'
      ],
    ).toBe('E622');
    expect((await call(sim, sendsavedmms(mmsId)))['status']).toBe('success');
  });

  it('ends a fail- template with E002 naming the audio, after which it is unusable (E241)', async () => {
    const { sim, receiver } = await setup({ mmsIdMode: 'sync' });
    const audioUrl = 'https://cdn.example.com/jingle.mp3';
    const withAudio = await call(
      sim,
      savemms('fail-audio', { slide: [SLIDE, { audio: { url: audioUrl }, 'message-text': 'listen' }] }),
    );
    const withoutAudio = await call(sim, savemms('fail-image'));
    await waitFor('two E002', () => receiver.received.length === 2);
    const byId = (id: unknown): Json | undefined =>
      receiver.received.map((item) => item.body).find((body) => body['mms-id'] === id);
    expect(byId(withAudio['mms-id'])).toMatchObject({
      origin: 'MMS_MT',
      code: 'E002',
      status: 'Transcoding failed',
      'audio-name': audioUrl,
      'tracking-id': withAudio['tracking-id'],
      'client-reference': 'tmpl-fail-audio',
    });
    expect(byId(withoutAudio['mms-id'])).toMatchObject({ code: 'E002', 'audio-name': SLIDE.image.url });
    expect((await call(sim, sendsavedmms(String(withAudio['mms-id']))))['error-code']).toBe('E241');
  });

  it('sends no postbacks without postbackUrl, and none after stop()', async () => {
    const { sim, receiver } = await setup({ postbackDelays: { sentMs: 150, finalMs: 200 } });
    sim.configure({ postbackUrl: null });
    expect((await call(sim, sendmms()))['status']).toBe('success');
    sim.configure({ postbackUrl: receiver.url });
    expect((await call(sim, sendmms()))['status']).toBe('success');
    expect(sim.stats().postbacks.pending).toBe(2);
    await sim.stop();
    await sleep(350);
    expect(receiver.received).toHaveLength(0);
  });

  it('refuses postback URLs that are not loopback http', async () => {
    const { sim } = await setup();
    expect(() => sim.configure({ postbackUrl: 'http://example.com/postbacks' })).toThrow(
      SimulatorConfigError,
    );
    expect(() => sim.configure({ postbackUrl: 'https://127.0.0.1/postbacks' })).toThrow(SimulatorConfigError);
    await expect(startSinchSimulator({ postbackUrl: 'http://10.0.0.1/' })).rejects.toThrow(/loopback/);
  });
});

// ---------- control endpoints ----------

describe('Sinch simulator control endpoints', () => {
  let sim: SinchSimulator;
  const secret = 'very-secret-key-123';

  beforeAll(async () => {
    sim = await startSinchSimulator({ apiKey: secret, tps: 5 });
  });
  afterAll(() => sim.stop());
  beforeEach(() => sim.resetStats());

  it('GET /_sim/stats reports counts, peaks and the per-second timeline', async () => {
    await Promise.all(Array.from({ length: 7 }, () => call(sim, sendmms(), secret)));
    await call(sim, sendmms('+1'), 'wrong');
    await call(sim, savemms(undefined, { slide: [] }), secret);
    const stats = asObject((await control(sim, '/_sim/stats')).json);
    expect(stats).toMatchObject({
      requests: { sendmms: 8, savemms: 1, sendsavedmms: 0, other: 0 },
      total: 9,
      accepted: 5,
      rejected: 1,
      unauthorized: 1,
      e113: 2,
      faults: { e503: 0, http500: 0, http502: 0, slow: 0, drop: 0 },
      postbacks: { sent: 0, retried: 0, failed: 0 },
    });
    expect(stats['maxPerSecond']).toBeGreaterThanOrEqual(7);
    const perSecond = stats['perSecond'] as Array<{ requests: number; e113: number; accepted: number }>;
    expect(perSecond.reduce((sum, entry) => sum + entry.requests, 0)).toBe(9);
    expect(perSecond.reduce((sum, entry) => sum + entry.e113, 0)).toBe(2);
    expect(perSecond.reduce((sum, entry) => sum + entry.accepted, 0)).toBe(5);
  });

  it('POST /_sim/config changes limits and faults at run time and never echoes the api key', async () => {
    const response = await control(sim, '/_sim/config', 'POST', {
      tps: 0,
      faults: { e503: 1 },
      latencyMs: 0,
    });
    expect(response.status).toBe(200);
    expect(response.text).not.toContain(secret);
    const effective = asObject(response.json);
    expect(effective).not.toHaveProperty('apiKey');
    expect(effective).toMatchObject({
      tps: 0,
      faults: { e503: 1, http500: 0, drop: 0 },
      statusCasing: 'lower',
    });
    expect((await call(sim, sendmms(), secret))['error-code']).toBe('E503');

    for (const bad of [
      { tps: -1 },
      { faults: { e503: 2 } },
      { nope: 1 },
      { port: 1234 },
      { statusCasing: 'UPPER' },
    ]) {
      const rejected = await control(sim, '/_sim/config', 'POST', bad);
      expect(rejected.status, JSON.stringify(bad)).toBe(400);
      expect(asObject(rejected.json)['error']).toEqual(anyString);
    }
    const invalidJson = await httpRequest(`${sim.origin}/_sim/config`, { body: '{' });
    expect(invalidJson.status).toBe(400);
    expect(sim.options().faults.e503).toBe(1); // unchanged by the rejected patches

    const restored = await control(sim, '/_sim/config', 'POST', { tps: 5, faults: { e503: 0 } });
    expect(asObject(restored.json)).toMatchObject({ tps: 5, faults: { e503: 0 } });
    expect(asObject((await control(sim, '/_sim/config')).json)).toMatchObject({ tps: 5 });
    expect((await call(sim, sendmms(), secret))['status']).toBe('success');
  });

  it('GET /_sim/requests logs requests without the key value; POST /_sim/reset clears it', async () => {
    const accepted = await call(sim, sendmms(), secret);
    await call(sim, sendmms(), 'wrong-key');
    const response = await control(sim, '/_sim/requests');
    expect(response.text).not.toContain(secret);
    expect(response.text).not.toContain('wrong-key');
    const log = response.json as Json[];
    expect(log).toHaveLength(2);
    expect(log[0]).toMatchObject({
      action: 'sendmms',
      keyValid: true,
      outcome: 'accepted',
      trackingId: accepted['tracking-id'],
      body: { to: MAGIC.delivered },
      response: { httpStatus: 200, body: accepted },
    });
    expect(log[0]).not.toHaveProperty('apiKey');
    expect(log[1]).toMatchObject({ keyValid: false, outcome: 'unauthorized', errorCode: 'E104' });
    expect(sim.requests()[0]?.apiKey).toBe(secret);

    const reset = await control(sim, '/_sim/reset', 'POST');
    expect(reset.status).toBe(200);
    expect((await control(sim, '/_sim/requests')).json).toEqual([]);
    expect(sim.stats()).toMatchObject({
      total: 0,
      accepted: 0,
      unauthorized: 0,
      maxPerSecond: 0,
      perSecond: [],
    });
  });

  it('configure() checks its patch and applies nothing on error', () => {
    expect(() => sim.configure({ tps: -5 })).toThrow(SimulatorConfigError);
    expect(() => sim.configure({ faults: { drop: 1 }, postbackDelays: { sentMs: -1 } })).toThrow(
      SimulatorConfigError,
    );
    expect(sim.options().faults.drop).toBe(0);
    sim.configure({ tps: Infinity });
    expect(sim.options().tps).toBe(0);
    sim.configure({ tps: 5, postbackDelays: { finalMs: 900 } });
    expect(sim.options().postbackDelays).toEqual({ sentMs: 200, finalMs: 900 });
  });
});

// ---------- CLI ----------

describe('Sinch simulator CLI', () => {
  it('starts from flags and environment, prints its URL and stops on SIGTERM', async () => {
    const root = join(import.meta.dirname, '..', '..');
    const child = spawn(
      join(root, 'node_modules', '.bin', 'tsx'),
      ['local/sinch-simulator/cli.ts', '--port', '0', '--tps', '3'],
      { cwd: root, env: { ...process.env, SINCH_SIM_API_KEY: 'cli-key' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      await waitFor(
        'the URL line',
        () => /listening on (http:\/\/127\.0\.0\.1:\d+\/ep\/v2\/)/.test(output),
        15_000,
      );
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+\/ep\/v2\/)/.exec(output)?.[1] ?? '';
      expect(output).not.toContain('cli-key');
      const ok = await httpRequest(url, {
        body: JSON.stringify(sendmms()),
        headers: { 'x-api-key': 'cli-key' },
      });
      expect(asObject(ok.json)['status']).toBe('success');
      const config = await httpRequest(url.replace('/ep/v2/', '/_sim/config'), { method: 'GET' });
      expect(asObject(config.json)['tps']).toBe(3);

      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
