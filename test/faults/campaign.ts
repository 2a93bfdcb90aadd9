/**
 * The fault campaign: many messages through the whole local gateway while Sinch misbehaves (E113 beyond the
 * limit, E503, HTTP 502, timeouts, dropped connections, duplicated and reordered postbacks) and the gateway's own
 * parts are killed and restarted (send workers mid-batch, the status processor, DynamoDB Local). Every accepted
 * message must end in the state its destination number prescribes, or in the DLQ; a second accepted send at
 * Sinch must be explained by a `retry-after-ambiguous-timeout` history entry (docs/decisions/0006).
 *
 * Used by test/faults/campaign.test.ts (short) and test/faults/run-campaign.ts (`npm run test:faults`, long).
 * Figures and how to read them: docs/reliability.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { QueryCommand, ScanCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import { INDEX } from '../../definitions/data-model';
import { startLocalGateway, type LocalGateway } from '../../local/runtime';
import type { RecordedRequest } from '../../local/sinch-simulator/index';
import type { MessageState } from '../../lambdas/domain/messages/state-machine';
import type { HistoryEntry } from '../../lambdas/domain/messages/ports';
import { judge, verdictOk, type OracleFinding } from './oracle';

// ---------------------------------------------------------------------------------------------------------------
// Options and results

export interface CampaignOptions {
  /** Messages to submit. */
  readonly messages: number;
  /** Seed of the plan (destinations, chaos moments) and of the simulator's faults. Default: random. */
  readonly seed?: number;
  /** The account TPS the gateway paces at (× its 0.9 safety factor). Default 30. */
  readonly accountTps?: number;
  /**
   * Share of Sinch requests that should be answered E113 (beyond the account limit): a feedback loop moves the
   * simulator's limit until about this share of each 2 s window is refused. Default 0.10.
   */
  readonly e113Share?: number;
  readonly sendWorkers?: number;
  /** Concurrent ingest requests. Default 4. */
  readonly ingestConcurrency?: number;
  /** Ingest rate cap (the local team may send 100/s). Default 60/s. */
  readonly ingestPerSecond?: number;
  readonly workerKills?: number;
  readonly processorRestarts?: number;
  readonly dynamoRestarts?: number;
  /**
   * Visibility timeout of the send queue during the campaign. Deployed: 180 s (6 × the send Lambda's timeout);
   * an item held by a killed worker reappears only after it, so the campaign shortens it, keeping it above the
   * 30 s handler timeout (a shorter one would redeliver items still being worked on). Default 45 s.
   */
  readonly visibilityTimeoutSeconds?: number;
  /**
   * After the chaos is over, the wait for the last messages ends when none is open, when the open count has not
   * gone down for `stallTimeoutMs` (default 150 s: more than a visibility timeout plus back-off), or
   * `settleTimeoutMs` (default 20 min) after the last request was accepted. What is still open then is lost.
   */
  readonly stallTimeoutMs?: number;
  readonly settleTimeoutMs?: number;
  /** Progress line interval. Default 5 s. */
  readonly progressEveryMs?: number;
  /** Where progress lines go. Default console.log. */
  readonly log?: (line: string) => void;
  /** Handler log level. Default SILENT (a DynamoDB restart makes every handler log hundreds of errors). */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  /** Extra handler environment (after the campaign's own). */
  readonly env?: Record<string, string>;
}

/** What a destination number should end as (docs/sinch-simulator.md, "Magic destination numbers"). */
export type Category = 'ordinary' | '01' | '02' | '03' | '04' | '05' | '07' | '08';

interface Expectation {
  readonly to: (i: number) => string;
  /** Sinch refuses it at once (a permanent error): never accepted, no postbacks. */
  readonly refusedBySinch?: boolean;
  readonly state: MessageState;
  /** Share of the messages, in percent. */
  readonly weight: number;
  readonly lastErrorCode?: string;
}

export const CATEGORIES: Readonly<Record<Category, Expectation>> = {
  // Unique ordinary numbers, so that a duplicate at Sinch is visible per recipient too.
  ordinary: { to: (i) => `1555${String(7_000_000 + i).padStart(7, '0')}`, state: 'delivered', weight: 40 },
  '01': { to: () => '15550000001', state: 'delivered', weight: 14 },
  '02': { to: () => '15550000002', state: 'delivered-as-sms', weight: 10 },
  '03': { to: () => '15550000003', state: 'rejected', weight: 10 },
  '04': { to: () => '15550000004', state: 'failed', weight: 10 },
  '05': { to: () => '15550000005', state: 'expired', weight: 10 },
  // Sinch answers E110 at once: a permanent error, failed by the send worker without postbacks.
  '07': { to: () => '15550000007', state: 'failed', weight: 3, lastErrorCode: 'E110', refusedBySinch: true },
  // E503 twice (per number, shared by every message to it), then accepted and delivered.
  '08': { to: () => '15550000008', state: 'delivered', weight: 3 },
  // 15550000006 (N101 only, never final) is left out: it stays `sent` until the sweep's 72 h.
};

export type Finding = OracleFinding;

export interface CampaignResult {
  readonly seed: number;
  readonly messages: number;
  /** Requests answered 202 (once each; retries of a request reuse its Idempotency-Key). */
  readonly accepted: number;
  /** Requests never answered 202, after retries. */
  readonly refused: number;
  /** Messages in the table that no caller got a tracking-id for (created while answering 5xx). */
  readonly unreported: number;
  readonly states: Readonly<Record<string, number>>;
  readonly delivered: number;
  readonly deliveredAsSms: number;
  readonly rejected: number;
  readonly failed: number;
  readonly expired: number;
  readonly dlq: number;
  /** Extra accepted sends at Sinch (per request: accepted count − 1, summed). */
  readonly duplicatesAtSinch: number;
  readonly duplicatesExplained: number;
  readonly unexplainedDuplicates: readonly Finding[];
  readonly lost: readonly Finding[];
  readonly mismatches: readonly Finding[];
  /** Sinch's request log disagrees with the gateway (e.g. terminal but never accepted at Sinch). */
  readonly sinchDisagrees: readonly Finding[];
  /** The final postback the simulator sent does not mean the planned (and stored) state. */
  readonly postbackDisagrees: readonly Finding[];
  /** On the DLQ with no planned fault to explain it (none may be in the default campaign). */
  readonly unexplainedDlq: readonly Finding[];
  /** The simulator's request log dropped entries (the oracle could not see every request). */
  readonly logTruncated: readonly string[];
  /** Planned chaos that did not happen. */
  readonly chaosMissing: readonly string[];
  /** Every check of the oracle (test/faults/oracle.ts) passed. */
  readonly ok: boolean;
  readonly chaosPlanned: Readonly<Record<string, number>>;
  readonly chaos: {
    readonly workerKills: number;
    readonly processorRestarts: number;
    readonly dynamoRestarts: number;
    readonly dynamoRestartMs: readonly number[];
    readonly log: readonly string[];
  };
  readonly sinch: {
    readonly requests: number;
    readonly accepted: number;
    readonly e113: number;
    readonly e113Rate: number;
    readonly faults: Readonly<Record<string, number>>;
    readonly magicE503: number;
    readonly postbacks: Readonly<Record<string, number>>;
    /** Lowest and highest limit the E113 controller set. */
    readonly tpsRange: readonly [number, number];
    readonly maxPerSecond: number;
  };
  readonly ingest: { readonly retries: Readonly<Record<string, number>> };
  /** Postbacks the status processor gave up on (left `received`), which the sweep then applied. */
  readonly givenUpPostbacks: number;
  /** Items left on the send queue at the end (an open message with none here will never be sent). */
  readonly sendQueue: { readonly visible: number; readonly inFlight: number; readonly delayed: number };
  /** Stored postbacks by processing state at the end (`received` = never processed). */
  readonly postbackStates: Readonly<Record<string, number>>;
  /** console.error lines by kind (the local pollers and the sweep report to it). */
  readonly consoleErrors: Readonly<Record<string, number>>;
  readonly ingestMs: number;
  readonly durationMs: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Plan

/** mulberry32: a small seeded PRNG, so a campaign can be replayed with its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Planned {
  readonly index: number;
  readonly category: Category;
  readonly to: string;
  readonly ref: string;
  readonly idempotencyKey: string;
}

function plan(count: number, random: () => number, runId: string): Planned[] {
  const entries = Object.entries(CATEGORIES) as Array<[Category, Expectation]>;
  const total = entries.reduce((sum, [, e]) => sum + e.weight, 0);
  return Array.from({ length: count }, (_, index) => {
    let pick = random() * total;
    let category: Category = 'ordinary';
    for (const [name, e] of entries) {
      pick -= e.weight;
      if (pick < 0) {
        category = name;
        break;
      }
    }
    const ref = `fc-${runId}-${index}`;
    return { index, category, to: CATEGORIES[category].to(index), ref, idempotencyKey: ref };
  });
}

const body = (p: Planned) => ({
  action: 'sendmms',
  to: p.to,
  from: '15550001000',
  'message-subject': 'Fault campaign',
  'fallback-sms-text': 'Fault campaign message',
  'client-reference': p.ref,
  slide: [{ 'message-text': `Message ${p.index}`, image: { url: 'https://example.com/a.jpg' } }],
});

// ---------------------------------------------------------------------------------------------------------------
// The run

interface Ingested {
  readonly planned: Planned;
  trackingId?: string;
  lastStatus?: string;
  firstTriedAt?: number;
}

type ChaosKind = 'kill' | 'processor' | 'dynamo';
interface ChaosEvent {
  readonly kind: ChaosKind;
  readonly at: number;
}

/** What the steps of a run share while it goes on. */
interface RunState {
  settledShare: number;
  open: number;
  ingestDone: boolean;
  chaosDone: boolean;
  chaosAborted: boolean;
  finished: boolean;
  readonly loops: Array<Promise<void>>;
  readonly chaos: {
    workerKills: number;
    processorRestarts: number;
    dynamoRestarts: number;
    dynamoRestartMs: number[];
  };
  readonly chaosLog: string[];
  readonly tpsSeen: number[];
  readonly givenUp: Set<string>;
  readonly ingestRetries: Record<string, number>;
  readonly elapsed: () => string;
  readonly log: (line: string) => void;
}

/** Runs `step` every `everyMs` until the campaign is finished; a failing step (DynamoDB restarting) is retried. */
const every = (state: RunState, everyMs: number, step: () => Promise<void>) =>
  state.loops.push(
    (async () => {
      while (!state.finished) {
        await step().catch(() => undefined);
        await sleep(everyMs);
      }
    })(),
  );

export async function runCampaign(options: CampaignOptions): Promise<CampaignResult> {
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const random = seededRandom(seed);
  const log = options.log ?? ((line: string) => console.log(line));
  const started = Date.now();
  const errors = captureConsoleErrors();
  const persistDir = mkdtempSync(join(tmpdir(), 'mms-fault-campaign-'));
  const state: RunState = {
    settledShare: 0,
    open: 0,
    ingestDone: false,
    chaosDone: false,
    chaosAborted: false,
    finished: false,
    loops: [],
    chaos: { workerKills: 0, processorRestarts: 0, dynamoRestarts: 0, dynamoRestartMs: [] },
    chaosLog: [],
    tpsSeen: [],
    givenUp: new Set(),
    ingestRetries: {},
    elapsed: () => `${((Date.now() - started) / 1000).toFixed(0)}s`,
    log,
  };
  let gw: LocalGateway | undefined;
  let postbackLog: PostbackLog | undefined;
  try {
    // Plan: the requests and the chaos moments, both from the seed.
    const planned = plan(options.messages, random, seed.toString(36));
    const chaosPlan = planChaos(options, random);
    gw = await startCampaignGateway(options, seed, persistDir, log);
    const gateway = gw;
    postbackLog = await startPostbackLog(gateway);

    // Run: ingest, Sinch's E113 share, the chaos, until everything accepted is settled.
    const ingested: Ingested[] = planned.map((p) => ({ planned: p }));
    controlE113(gateway, options, state);
    countGivenUpPostbacks(gateway, state);
    const ingestStarted = Date.now();
    const ingestRun = ingestAll(gateway, options, ingested, state).then(() => Date.now() - ingestStarted);
    const chaosRun = runChaos(gateway, chaosPlan, random, state).finally(() => {
      state.chaosDone = true;
    });
    await waitUntilSettled(gateway, options, ingested, state);
    await chaosRun;
    const ingestMs = await ingestRun;
    // Late duplicates and reordered N101s still arrive: let the simulator's postbacks and the stream drain.
    await waitUntilQuiet(gateway);
    state.finished = true;
    await Promise.all(state.loops);

    // Accounting, then the report.
    const result = await account(gateway, {
      seed,
      planned,
      ingested,
      chaosPlanned: countChaos(chaosPlan),
      state,
      postbacks: postbackLog.entries,
      consoleErrors: errors.counts,
      ingestMs,
      started,
    });
    log(formatSummary(result));
    return result;
  } finally {
    state.finished = true;
    await Promise.all(state.loops);
    await gw?.stop();
    await postbackLog?.stop();
    errors.restore();
    rmSync(persistDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Steps of the run

const SINCH_TIMEOUT_MS = 1500;

async function startCampaignGateway(
  options: CampaignOptions,
  seed: number,
  persistDir: string,
  log: (line: string) => void,
): Promise<LocalGateway> {
  const accountTps = options.accountTps ?? 30;
  const e113Share = options.e113Share ?? 0.1;
  const visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? 45;
  const gateway = await startLocalGateway({
    persistDir,
    accountTps,
    sendWorkers: options.sendWorkers ?? 2,
    logLevel: options.logLevel ?? 'SILENT',
    simulator: {
      // Starts under the gateway's paced rate; the E113 controller adjusts it to the real send rate.
      tps: Math.round(accountTps * 0.9 * (1 - e113Share)),
      seed,
      faults: { e503: 0.05, http502: 0.02, slow: 0.01, drop: 0.01 },
      slowMs: SINCH_TIMEOUT_MS + 1000,
      duplicatePostbacks: 0.1,
      reorderPostbacks: 0.2,
      // Sinch retries a postback that was not answered 200 (e.g. while DynamoDB is down): quickly, here.
      postbackRetryDelayMs: 1000,
      postbackMaxRetries: 60,
      // The oracle reads every request: a log that drops its oldest entries fails the run (logTruncated).
      requestLogLimit: Math.min(1_000_000, options.messages * 6 + 10_000),
    },
    env: {
      SINCH_TIMEOUT_MS: String(SINCH_TIMEOUT_MS),
      SEND_MAX_ATTEMPTS: '30',
      SEND_BACKOFF_MAX_SECONDS: '2',
      RECEIVED_STUCK_AFTER_SECONDS: '20',
      ...options.env,
    },
  });
  await gateway.sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: gateway.queues.send,
      Attributes: { VisibilityTimeout: String(visibilityTimeoutSeconds) },
    }),
  );
  log(
    `campaign seed=${seed}: ${options.messages} messages, account TPS ${accountTps} (paced at ` +
      `${(accountTps * 0.9).toFixed(1)}/s), E113 target ${(e113Share * 100).toFixed(0)}% of Sinch requests, ` +
      `send queue visibility timeout ${visibilityTimeoutSeconds} s`,
  );
  return gateway;
}

interface PostbackLog {
  readonly entries: Array<{ trackingId: string; code: string }>;
  stop(): Promise<void>;
}

/**
 * The simulator's postback log, kept outside the gateway: the simulator posts to this loopback relay, which notes
 * each postback's tracking-id and code and passes it on to the gateway's postback API, answering what it answered.
 */
async function startPostbackLog(gateway: LocalGateway): Promise<PostbackLog> {
  const entries: PostbackLog['entries'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        const body = JSON.parse(text) as Record<string, unknown>;
        if (typeof body['tracking-id'] === 'string' && typeof body.code === 'string') {
          entries.push({ trackingId: body['tracking-id'], code: body.code });
        }
      } catch {
        // not JSON: passed on as it is; the gateway answers it
      }
      fetch(gateway.postbackUrl, {
        method: 'POST',
        headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
        body: text,
        signal: AbortSignal.timeout(30_000),
      })
        .then(async (answer) => {
          res.writeHead(answer.status, { 'content-type': 'application/json' });
          res.end(await answer.text());
        })
        .catch(() => {
          res.writeHead(502);
          res.end();
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  gateway.simulator.configure({ postbackUrl: `http://127.0.0.1:${port}/postbacks/mms` });
  return {
    entries,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * E113 beyond the limit. The gateway paces at 0.9 × accountTps, but on this machine it sends slower than that and
 * in bursts, so a fixed simulator limit gives anything from 0 to 40 % E113. Instead, a feedback loop: every 2 s
 * the limit goes down 10 % while fewer than `share` of the last window's requests got E113, and up 15 % while
 * more did. (A static limit under the paced rate is the E113 storm of test/integration/send-faults.)
 */
function controlE113(gateway: LocalGateway, options: CampaignOptions, state: RunState): void {
  const accountTps = options.accountTps ?? 30;
  const e113Share = options.e113Share ?? 0.1;
  let limit = Math.round(accountTps * 0.9 * (1 - e113Share));
  let lastTotal = 0;
  let lastE113 = 0;
  every(state, 2000, async () => {
    const s = gateway.simulator.stats();
    const requests = s.total - lastTotal;
    const e113 = s.e113 - lastE113;
    lastTotal = s.total;
    lastE113 = s.e113;
    if (requests < 10) return; // idle: keep the limit
    const share = e113 / requests;
    if (share > e113Share * 1.2) limit = Math.min(Math.round(accountTps * 0.9), Math.ceil(limit * 1.15));
    else if (share < e113Share * 0.8) limit = Math.max(2, Math.floor(limit * 0.9));
    gateway.simulator.configure({ tps: limit });
    state.tpsSeen.push(limit);
    await Promise.resolve();
  });
}

/**
 * A postback the status processor gave up on (it failed processorRetryAttempts times, e.g. while DynamoDB
 * restarted) stays `received`; the sweep applies it once it is RECEIVED_STUCK_AFTER_SECONDS old (20 s here,
 * 5 minutes by default). Counted here: postbacks seen `received` for over 10 s (the processor's retries take a
 * few seconds), before the sweep takes them.
 */
function countGivenUpPostbacks(gateway: LocalGateway, state: RunState): void {
  every(state, 2_000, async () => {
    for (const p of await listPostbacks(gateway, 'received')) {
      if (Date.now() - Date.parse(p.receivedAt) > 10_000) state.givenUp.add(p.pk);
    }
  });
}

/**
 * Ingest: every request until it is answered 202 (same Idempotency-Key on every retry). A request to retry goes
 * back to the queue with its delay, so one slow key (e.g. 409 for up to 60 s after a DynamoDB failure mid-request,
 * while its claim is in progress) does not hold a worker.
 */
async function ingestAll(
  gateway: LocalGateway,
  options: CampaignOptions,
  ingested: Ingested[],
  state: RunState,
): Promise<void> {
  const perSecond = options.ingestPerSecond ?? 60;
  const queue: Array<{ item: Ingested; notBefore: number; attempt: number }> = ingested.map((item) => ({
    item,
    notBefore: 0,
    attempt: 0,
  }));
  let inFlight = 0;
  let next = Date.now();
  const worker = async () => {
    for (;;) {
      const index = queue.findIndex((q) => q.notBefore <= Date.now());
      if (index < 0) {
        if (queue.length === 0 && inFlight === 0) return;
        await sleep(100);
        continue;
      }
      const [entry] = queue.splice(index, 1);
      if (!entry) continue;
      inFlight += 1;
      const wait = next - Date.now();
      next = Math.max(next, Date.now()) + 1000 / perSecond;
      if (wait > 0) await sleep(wait);
      entry.item.firstTriedAt ??= Date.now();
      const retryAfterMs = await submitOnce(gateway, entry.item, entry.attempt, state.ingestRetries);
      if (retryAfterMs !== undefined && Date.now() - entry.item.firstTriedAt < 180_000) {
        queue.push({ item: entry.item, notBefore: Date.now() + retryAfterMs, attempt: entry.attempt + 1 });
      }
      inFlight -= 1;
    }
  };
  await Promise.all(Array.from({ length: options.ingestConcurrency ?? 4 }, () => worker()));
  state.ingestDone = true;
}

/** Chaos moments, as shares of settled messages (so they fall while work is in flight, whatever the speed). */
function planChaos(options: CampaignOptions, random: () => number): ChaosEvent[] {
  const moments = (kind: ChaosKind, count: number, from: number, spread: number) =>
    Array.from({ length: count }, () => ({ kind, at: from + random() * spread }));
  return [
    ...moments('kill', options.workerKills ?? 6, 0.03, 0.8),
    ...moments('processor', options.processorRestarts ?? 6, 0.03, 0.8),
    ...moments('dynamo', options.dynamoRestarts ?? 1, 0.25, 0.35),
  ].sort((a, b) => a.at - b.at);
}

const countChaos = (events: readonly ChaosEvent[]): Record<ChaosKind, number> => ({
  kill: events.filter((e) => e.kind === 'kill').length,
  processor: events.filter((e) => e.kind === 'processor').length,
  dynamo: events.filter((e) => e.kind === 'dynamo').length,
});

async function runChaos(
  gateway: LocalGateway,
  schedule: readonly ChaosEvent[],
  random: () => number,
  state: RunState,
): Promise<void> {
  const { chaos } = state;
  for (const event of schedule) {
    while (state.settledShare < event.at && !state.chaosAborted) await sleep(200);
    if (state.chaosAborted) break; // the pipeline stalled before this moment came: the oracle reports the rest
    await sleep(random() * 500);
    const t0 = Date.now();
    if (event.kind === 'kill') {
      await gateway.restartSendWorkers({ abandon: true });
      chaos.workerKills += 1;
    } else if (event.kind === 'processor') {
      await gateway.stopStatusProcessor();
      await sleep(200 + random() * 2500);
      await retrying('start the status processor', () => gateway.startStatusProcessor());
      chaos.processorRestarts += 1;
    } else {
      // The status processor keeps running: the stream (same ARN, same shard, sequence numbers that go on)
      // survives a restart of DynamoDB Local with -dbPath, and the poller retries until it is back.
      await gateway.restartDynamoDb();
      chaos.dynamoRestarts += 1;
      chaos.dynamoRestartMs.push(Date.now() - t0);
    }
    const line =
      `[${state.elapsed()}] chaos: ${event.kind} at ${(state.settledShare * 100).toFixed(0)}% settled, ` +
      `${new Date(t0).toISOString()} (${Date.now() - t0} ms)`;
    state.chaosLog.push(line);
    state.log(line);
  }
}

/** Progress until everything accepted is settled (terminal, or failed and dead-lettered) and the chaos is over. */
async function waitUntilSettled(
  gateway: LocalGateway,
  options: CampaignOptions,
  ingested: readonly Ingested[],
  state: RunState,
): Promise<void> {
  const progressEvery = options.progressEveryMs ?? 5000;
  const { chaos, log } = state;
  let lastLine = 0;
  let settleDeadline = Number.POSITIVE_INFINITY;
  let lowestOpen = Number.POSITIVE_INFINITY;
  let lastProgress = Date.now();
  for (;;) {
    try {
      state.open = await countOpen(gateway);
    } catch {
      // DynamoDB is restarting: keep the last figure.
    }
    const { open } = state;
    const accepted = ingested.filter((i) => i.trackingId).length;
    state.settledShare = Math.max(0, accepted - open) / options.messages;
    if (Date.now() - lastLine >= progressEvery) {
      lastLine = Date.now();
      const s = gateway.simulator.stats();
      log(
        `[${state.elapsed()}] accepted ${accepted}/${options.messages} · open ${open} · settled ` +
          `${(state.settledShare * 100).toFixed(1)}% · sinch: ${s.total} requests, ${s.accepted} accepted, ` +
          `${s.e113} E113 (limit ${gateway.simulator.options().tps}/s), faults ${sumValues(s.faults)} · chaos: ` +
          `kills ${chaos.workerKills}, processor ${chaos.processorRestarts}, dynamodb ${chaos.dynamoRestarts}`,
      );
      if (state.ingestDone && open > 0 && open <= 3) {
        for (const m of await listOpen(gateway).catch(() => [])) {
          log(`    still open: ${m.id} ${m.state}: ${events(m, true)}`);
        }
      }
    }
    // Progress: any moment of the ingest (open grows), then every new low. (Counting only new lows from the start
    // took the first reading, 0 before anything was ingested, as the low: a campaign longer than the stall
    // timeout then ended as "no progress" while its last messages were still being retried.)
    if (!state.ingestDone || open < lowestOpen) {
      lowestOpen = open;
      lastProgress = Date.now();
    }
    if (state.ingestDone) {
      // The deadline runs from the end of the ingest, so a pipeline that stalls before the last chaos moment
      // (those wait for a share of settled messages) still ends; the chaos left is then skipped.
      settleDeadline = Math.min(settleDeadline, Date.now() + (options.settleTimeoutMs ?? 20 * 60_000));
      if (Date.now() > settleDeadline) state.chaosAborted = true;
    }
    if (state.ingestDone && (state.chaosDone || state.chaosAborted)) {
      const stalled = Date.now() - lastProgress > (options.stallTimeoutMs ?? 150_000);
      if (open === 0 || stalled || Date.now() > settleDeadline) {
        if (open > 0)
          log(
            `[${state.elapsed()}] giving up on ${open} open message(s): ${stalled ? 'no progress' : 'deadline'}`,
          );
        return;
      }
    }
    await sleep(1000);
  }
}

/** POSTs one request once; returns how long to wait before retrying it, or undefined when it is settled. */
async function submitOnce(
  gw: LocalGateway,
  item: Ingested,
  attempt: number,
  retries: Record<string, number>,
): Promise<number | undefined> {
  let status: string;
  let retryAfterMs = Math.min(5000, 200 * 2 ** attempt);
  try {
    const res = await fetch(`${gw.apiUrl}/v2/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': gw.apiKey,
        'idempotency-key': item.planned.idempotencyKey,
      },
      body: JSON.stringify(body(item.planned)),
      signal: AbortSignal.timeout(35_000),
    });
    const answer = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (res.status === 202 && typeof answer['tracking-id'] === 'string') {
      item.trackingId = answer['tracking-id'];
      return undefined;
    }
    status = `${res.status}${typeof answer['error-code'] === 'string' ? ` ${answer['error-code']}` : ''}`;
    const retryAfter = Number(res.headers.get('retry-after'));
    if (Number.isFinite(retryAfter) && retryAfter > 0) retryAfterMs = retryAfter * 1000;
    if (res.status >= 400 && res.status < 500 && res.status !== 409 && res.status !== 429) {
      item.lastStatus = status; // a 4xx other than conflict/throttle will not change: give up
      return undefined;
    }
  } catch (error) {
    status = error instanceof Error ? error.name : 'error';
  }
  item.lastStatus = status;
  retries[status] = (retries[status] ?? 0) + 1;
  return retryAfterMs;
}

/** The number of items a query matches, over every page. */
async function countMatching(
  gw: LocalGateway,
  query: Omit<QueryCommandInput, 'Select' | 'ExclusiveStartKey'>,
) {
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const out = await gw.db.send(new QueryCommand({ ...query, Select: 'COUNT', ExclusiveStartKey: start }));
    count += out.Count ?? 0;
    start = out.LastEvaluatedKey;
  } while (start);
  return count;
}

const countOpen = (gw: LocalGateway): Promise<number> =>
  countMatching(gw, {
    TableName: gw.tables.messages,
    IndexName: INDEX.messagesOpenByAge,
    KeyConditionExpression: 'openShard = :open',
    ExpressionAttributeValues: { ':open': 'open' },
  });

async function listOpen(gw: LocalGateway): Promise<StoredMessage[]> {
  const out = await gw.db.send(
    new QueryCommand({
      TableName: gw.tables.messages,
      IndexName: INDEX.messagesOpenByAge,
      KeyConditionExpression: 'openShard = :open',
      ExpressionAttributeValues: { ':open': 'open' },
      Limit: 3,
    }),
  );
  return (out.Items ?? []) as StoredMessage[];
}

/**
 * Waits (at most 60 s) until the simulator has no postback in flight and the status processor has caught up: no
 * stored postback left `received`, or the same few for 5 s (those the processor gave up on).
 */
async function waitUntilQuiet(gw: LocalGateway): Promise<void> {
  const deadline = Date.now() + 60_000;
  let last = -1;
  let since = Date.now();
  while (Date.now() < deadline) {
    const received = await countPostbacks(gw, 'received').catch(() => -1);
    if (received !== last) {
      last = received;
      since = Date.now();
    }
    const drained = gw.simulator.stats().postbacks.pending === 0;
    if (drained && (received === 0 || (received > 0 && Date.now() - since > 5000))) return;
    await sleep(500);
  }
}

async function listPostbacks(
  gw: LocalGateway,
  state: string,
): Promise<Array<{ pk: string; receivedAt: string }>> {
  const out = await gw.db.send(
    new QueryCommand({
      TableName: gw.tables.postbacks,
      IndexName: INDEX.postbacksByState,
      KeyConditionExpression: '#state = :state',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':state': state },
      ProjectionExpression: 'pk, receivedAt',
      Limit: 100,
    }),
  );
  return (out.Items ?? []).map((i) => ({ pk: String(i.pk), receivedAt: String(i.receivedAt) }));
}

const countPostbacks = (gw: LocalGateway, state: string): Promise<number> =>
  countMatching(gw, {
    TableName: gw.tables.postbacks,
    IndexName: INDEX.postbacksByState,
    KeyConditionExpression: '#state = :state',
    ExpressionAttributeNames: { '#state': 'state' },
    ExpressionAttributeValues: { ':state': state },
  });

async function retrying(what: string, action: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await action();
      return;
    } catch (error) {
      if (attempt >= 20) throw new Error(`could not ${what}`, { cause: error });
      await sleep(500);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Accounting

interface StoredMessage {
  readonly id: string;
  readonly state: MessageState;
  readonly attempts: number;
  readonly clientReference?: string;
  readonly lastErrorCode?: string;
  readonly sinchTrackingId?: string;
  readonly history: readonly HistoryEntry[];
}

async function scanMessages(gw: LocalGateway): Promise<StoredMessage[]> {
  const items: StoredMessage[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await gw.db.send(
      new ScanCommand({
        TableName: gw.tables.messages,
        ProjectionExpression:
          'id, #state, attempts, clientReference, lastErrorCode, sinchTrackingId, #history',
        ExpressionAttributeNames: { '#state': 'state', '#history': 'history' },
        ExclusiveStartKey: start,
      }),
    );
    items.push(...((out.Items ?? []) as StoredMessage[]));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Every message id on the send DLQ (the worker's own dead-lettering and SQS's redrive alike). */
async function drainDlq(gw: LocalGateway): Promise<Set<string>> {
  const ids = new Set<string>();
  for (let empty = 0; empty < 2;) {
    const out = await gw.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: gw.queues.sendDlq,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 3600,
        WaitTimeSeconds: 0,
      }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) empty += 1;
    for (const m of messages) {
      try {
        const parsed = JSON.parse(m.Body ?? '{}') as { messageId?: unknown };
        if (typeof parsed.messageId === 'string') ids.add(parsed.messageId);
      } catch {
        ids.add(`unparsable:${m.MessageId ?? '?'}`);
      }
    }
  }
  return ids;
}

/**
 * Accounting: gathers the evidence (the plan, the answers the ingest got, the gateway's table and DLQ, the
 * simulator's request log and the postbacks it sent) and lets the oracle judge it; adds the run's figures.
 */
async function account(
  gw: LocalGateway,
  run: {
    seed: number;
    planned: readonly Planned[];
    ingested: readonly Ingested[];
    chaosPlanned: Readonly<Record<string, number>>;
    state: RunState;
    postbacks: ReadonlyArray<{ trackingId: string; code: string }>;
    consoleErrors: Record<string, number>;
    ingestMs: number;
    started: number;
  },
): Promise<CampaignResult> {
  const stored = await scanMessages(gw);
  const dlq = await drainDlq(gw);
  const requests: RecordedRequest[] = gw.simulator.requests();
  const s = gw.simulator.stats();
  const { chaos } = run.state;
  const verdict = judge({
    planned: run.planned.map((p) => {
      const expected = CATEGORIES[p.category];
      return {
        ref: p.ref,
        category: p.category,
        state: expected.state,
        ...(expected.lastErrorCode ? { lastErrorCode: expected.lastErrorCode } : {}),
        ...(expected.refusedBySinch ? { refusedBySinch: true } : {}),
      };
    }),
    reported: new Map(
      run.ingested.flatMap((i) => (i.trackingId ? [[i.planned.ref, i.trackingId] as const] : [])),
    ),
    messages: stored,
    dlq,
    sinchAccepted: requests.flatMap((r) => {
      const ref = (r.body as Record<string, unknown> | null)?.['client-reference'];
      return r.outcome === 'accepted' && typeof ref === 'string' && r.trackingId
        ? [{ ref, trackingId: r.trackingId }]
        : [];
    }),
    sinchLogLength: requests.length,
    sinchRequestTotal: s.total,
    postbacks: run.postbacks,
    chaosPlanned: run.chaosPlanned,
    chaosDone: { kill: chaos.workerKills, processor: chaos.processorRestarts, dynamo: chaos.dynamoRestarts },
  });
  const planned = new Set(run.planned.map((p) => p.ref));
  const states: Record<string, number> = {};
  for (const m of stored) {
    if (m.clientReference && planned.has(m.clientReference)) states[m.state] = (states[m.state] ?? 0) + 1;
  }
  const accepted = run.ingested.filter((i) => i.trackingId).length;

  const { Attributes: queue = {} } = await gw.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: gw.queues.send,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  const postbackStates: Record<string, number> = {};
  for (const state of ['received', 'pending', 'applied', 'orphan', 'ignored']) {
    postbackStates[state] = await countPostbacks(gw, state);
  }
  return {
    seed: run.seed,
    messages: run.planned.length,
    accepted,
    refused: run.ingested.length - accepted,
    unreported: verdict.unreported,
    states,
    delivered: states.delivered ?? 0,
    deliveredAsSms: states['delivered-as-sms'] ?? 0,
    rejected: states.rejected ?? 0,
    failed: states.failed ?? 0,
    expired: states.expired ?? 0,
    dlq: dlq.size,
    duplicatesAtSinch: verdict.duplicatesAtSinch,
    duplicatesExplained: verdict.duplicatesExplained,
    unexplainedDuplicates: verdict.unexplainedDuplicates,
    lost: verdict.lost,
    mismatches: verdict.mismatches,
    sinchDisagrees: verdict.sinchDisagrees,
    postbackDisagrees: verdict.postbackDisagrees,
    unexplainedDlq: verdict.unexplainedDlq,
    logTruncated: verdict.logTruncated,
    chaosMissing: verdict.chaosMissing,
    ok: verdictOk(verdict),
    chaosPlanned: run.chaosPlanned,
    chaos: { ...chaos, log: run.state.chaosLog },
    sinch: {
      requests: s.total,
      accepted: s.accepted,
      e113: s.e113,
      e113Rate: s.total > 0 ? s.e113 / s.total : 0,
      faults: { ...s.faults },
      magicE503: s.magic.e503,
      postbacks: { ...s.postbacks },
      tpsRange:
        run.state.tpsSeen.length > 0
          ? [Math.min(...run.state.tpsSeen), Math.max(...run.state.tpsSeen)]
          : [0, 0],
      maxPerSecond: s.maxPerSecond,
    },
    ingest: { retries: run.state.ingestRetries },
    givenUpPostbacks: run.state.givenUp.size,
    sendQueue: {
      visible: Number(queue.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(queue.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(queue.ApproximateNumberOfMessagesDelayed ?? 0),
    },
    postbackStates,
    consoleErrors: run.consoleErrors,
    ingestMs: run.ingestMs,
    durationMs: Date.now() - run.started,
  };
}

/** The history of a message in one line: events with their codes (and times). */
const events = (m: StoredMessage, times = false): string =>
  m.history
    .map(
      (h) =>
        `${times ? `${h.at.slice(11, 23)} ` : ''}${h.event}${h.code ? `:${h.code}` : ''}${h.state ? `→${h.state}` : ''}`,
    )
    .join(', ');

const sumValues = (o: Readonly<Record<string, number>>) => Object.values(o).reduce((a, b) => a + b, 0);

// ---------------------------------------------------------------------------------------------------------------
// Output

export function formatSummary(r: CampaignResult): string {
  const pct = (n: number, of: number) => (of > 0 ? `${((100 * n) / of).toFixed(1)}%` : '-');
  const rows: Array<[string, string]> = [
    ['seed', String(r.seed)],
    ['messages submitted', String(r.messages)],
    ['accepted (202)', String(r.accepted)],
    ['refused after retries', String(r.refused)],
    ['unreported messages (created, no 202)', String(r.unreported)],
    ['delivered', String(r.delivered)],
    ['delivered-as-sms', String(r.deliveredAsSms)],
    ['rejected', String(r.rejected)],
    ['failed', String(r.failed)],
    ['expired', String(r.expired)],
    [
      'other states',
      JSON.stringify(omit(r.states, ['delivered', 'delivered-as-sms', 'rejected', 'failed', 'expired'])),
    ],
    ['DLQ', String(r.dlq)],
    ['duplicates at Sinch', `${r.duplicatesAtSinch} (explained ${r.duplicatesExplained})`],
    ['unexplained duplicates', String(r.unexplainedDuplicates.length)],
    ['lost', String(r.lost.length)],
    ['state mismatches', String(r.mismatches.length)],
    ['Sinch log disagrees with the gateway', String(r.sinchDisagrees.length)],
    ['postbacks disagree with the state', String(r.postbackDisagrees.length)],
    ['unexplained DLQ entries', String(r.unexplainedDlq.length)],
    ['request log truncated', r.logTruncated.join('; ') || 'no'],
    ['planned chaos missing', r.chaosMissing.join('; ') || 'none'],
    ['oracle', r.ok ? 'OK' : 'FAILED'],
    [
      'chaos',
      `${r.chaos.workerKills} worker kills, ${r.chaos.processorRestarts} processor restarts, ${r.chaos.dynamoRestarts} DynamoDB restarts (${r.chaos.dynamoRestartMs.join(', ')} ms)`,
    ],
    [
      'Sinch requests',
      `${r.sinch.requests} (accepted ${r.sinch.accepted}, E113 ${r.sinch.e113} = ${pct(r.sinch.e113, r.sinch.requests)}, magic E503 ${r.sinch.magicE503})`,
    ],
    ['Sinch faults', JSON.stringify(r.sinch.faults)],
    [
      'Sinch limit (E113 controller) / max seen per s',
      `${r.sinch.tpsRange.join('–')} / ${r.sinch.maxPerSecond}`,
    ],
    ['postbacks (simulator)', JSON.stringify(r.sinch.postbacks)],
    ['stored postbacks by state', JSON.stringify(r.postbackStates)],
    ['postbacks given up by the processor, applied by the sweep', String(r.givenUpPostbacks)],
    ['send queue at the end', JSON.stringify(r.sendQueue)],
    ['ingest retries', JSON.stringify(r.ingest.retries)],
    ['console errors', JSON.stringify(r.consoleErrors)],
    ['ingest time', `${(r.ingestMs / 1000).toFixed(1)} s`],
    ['duration', `${(r.durationMs / 1000).toFixed(1)} s`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = [
    '',
    '┌─ fault campaign summary',
    ...rows.map(([k, v]) => `│ ${k.padEnd(width)}  ${v}`),
    '└─',
  ];
  const detail = (title: string, list: readonly Finding[]) => {
    if (list.length === 0) return;
    lines.push(`${title} (${list.length}, first 10):`);
    for (const f of list.slice(0, 10)) lines.push(`  ${f.ref} [${f.category}] ${f.id ?? ''}: ${f.detail}`);
  };
  detail('LOST', r.lost);
  detail('STATE MISMATCHES', r.mismatches);
  detail('UNEXPLAINED DUPLICATES', r.unexplainedDuplicates);
  detail('SINCH LOG DISAGREES', r.sinchDisagrees);
  detail('POSTBACKS DISAGREE', r.postbackDisagrees);
  detail('UNEXPLAINED DLQ', r.unexplainedDlq);
  return lines.join('\n');
}

const omit = (o: Readonly<Record<string, number>>, keys: readonly string[]) =>
  Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));

/**
 * Counts console.error lines by kind while the campaign runs (the local pollers, the sweep and the API front end
 * report there; during the DynamoDB restart they report hundreds of connection errors). The first 3 of each kind
 * are printed, the rest only counted.
 */
function captureConsoleErrors(): { counts: Record<string, number>; restore(): void } {
  const original = console.error;
  const counts: Record<string, number> = {};
  console.error = (...args: unknown[]) => {
    const kind = args
      .map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : typeof a === 'string' ? a : inspect(a)))
      .join(' ')
      .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:*')
      .replace(/\d+/g, 'N')
      .slice(0, 90);
    counts[kind] = (counts[kind] ?? 0) + 1;
    if ((counts[kind] ?? 0) <= 3) original(...args);
  };
  return {
    counts,
    restore: () => {
      console.error = original;
    },
  };
}
