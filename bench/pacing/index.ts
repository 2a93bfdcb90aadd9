/**
 * pacing: messages through the local gateway against the simulator's E113 limit, and the same load through
 * the naive design (bench/pacing/naive-sender.ts) against the same limit and latency, each configuration's two
 * runs back to back. Writes bench/results/pacing.json and pacing.svg.
 */
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { emissionIntervalMs } from '../../lambdas/domain/pacing/rate-limit';
import type { DynamoCalls, GatewayHost, HostStats, LoggedRequest, ProcessLoad } from '../hosts/gateway-host';
import type { NaiveHost } from '../hosts/naive-host';
import type { Benchmark, BenchContext } from '../lib/context';
import { startHost, type Host } from '../lib/host';
import type { HostApi, HostMethods } from '../lib/host-protocol';
import { recipient, sendmmsBody, sleep, submitAll } from '../lib/load';
import { currentLoad, resultHeader, writeJson, writeResult } from '../lib/results';
import { round } from '../lib/stats';
import { fixed, formatTable, percent } from '../lib/table';
import { analyseRun, type RunAnalysis } from './analysis';
import { pacingChart, type ChartPanel } from './chart';
import { measurePacerContention, type ContentionRow } from './contention';

/** The gateway's default pacing target: TPS_SAFETY_FACTOR (lambdas/adapters/config.ts). */
const GATEWAY_SAFETY_FACTOR = 0.9;

export interface PacingSettings {
  readonly tps: readonly number[];
  readonly workers: readonly number[];
  /** The configuration run with the issue's 2,000 messages (when it is among the selected ones). */
  readonly headline: { readonly tps: number; readonly workers: number; readonly messages: number };
  /**
   * Other configurations get `secondsOfLoad × TPS` messages: at 90 % of the limit that is 0.8 × N ÷ (0.9 × TPS)
   * seconds between the 10th and 90th percentile, ≥ 15 s for 17.
   */
  readonly secondsOfLoad: number;
  /**
   * Longest preload through the gateway's API (not for the headline run): on this machine the gateway sends far
   * fewer messages within the send cap than the limit would allow, so filling the queue further only costs time.
   */
  readonly preloadCapS: number;
  /** Wall-clock cap of the send phase of a gateway run / the headline run / a naive run. */
  readonly gatewayCapS: number;
  readonly headlineCapS: number;
  readonly naiveCapS: number;
  /** A gateway run that sent everything waits at most this long for the last terminal states. */
  readonly terminalGraceS: number;
  readonly latencyMs: number;
  readonly naiveRetryDelaySeconds: number;
  /** Clients submitting to the gateway's API at once during the preload. */
  readonly submitConcurrency: number;
  readonly contention: { readonly concurrency: readonly number[]; readonly reservations: number };
}

export function pacingSettings(flags: BenchContext['flags']): PacingSettings {
  const quick = flags.quick;
  return {
    tps: flags.tps ?? (quick ? [50] : [20, 50, 100]),
    workers: flags.workers ?? (quick ? [1, 4] : [1, 4, 8]),
    headline: { tps: 50, workers: 4, messages: quick ? 600 : 2000 },
    secondsOfLoad: quick ? 12 : 17,
    preloadCapS: quick ? 8 : 10,
    gatewayCapS: quick ? 12 : 20,
    headlineCapS: quick ? 12 : 45,
    naiveCapS: quick ? 12 : 20,
    terminalGraceS: 10,
    latencyMs: flags.latencyMs ?? 100,
    naiveRetryDelaySeconds: 1,
    submitConcurrency: 16,
    contention: { concurrency: quick ? [1, 40] : [1, 10, 40, 80], reservations: quick ? 150 : 200 },
  };
}

type Design = 'gateway' | 'naive';

export interface PacingRun extends Omit<RunAnalysis, 'perSecond'> {
  readonly design: Design;
  readonly tps: number;
  readonly workers: number;
  readonly messages: number;
  /** Messages accepted by the gateway's API (202) / put on the naive design's queue. */
  readonly submitted: number;
  readonly submitFailures: Record<string, number>;
  /** Preload: messages per second into the gateway's API (or SQS for the naive design), workers held. */
  readonly ingestPerS: number;
  readonly reachedSinch: number;
  /** Messages in a terminal state (gateway only: from its status events). */
  readonly terminal: number | null;
  /** The send phase hit its time cap before every message reached Sinch. */
  readonly capped: boolean;
  /** Seconds of the send phase. */
  readonly elapsedS: number;
  readonly endToEnd: {
    /** Messages accepted by Sinch ÷ seconds from the send workers' start to the last acceptance (or the cap). */
    readonly sendPhasePerS: number | null;
    /** The same from the first submission, preload included. */
    readonly toSinchPerS: number | null;
    /** Terminal messages ÷ seconds from the first submission to the last terminal state (gateway only). */
    readonly toTerminalPerS: number | null;
  };
  /** The gateway handlers' DynamoDB calls per message: preload (accept path) and send phase (send + postbacks). */
  readonly dynamoCalls: {
    readonly preloadPerMessage: number;
    readonly sendPhasePerMessage: number;
    readonly failedConditionalWritesPerMessage: number;
    readonly sendPhaseByOperation: Record<string, number>;
    /**
     * Bucket writes per message sent (successful writes to the control table during the send phase: only the
     * bucket writes there then). A batch books its slots as one block, so a full batch of 10 costs 0.1; more
     * means re-reservations (a worker woke up late and took a new slot, or gave the message back), and each slot
     * given up is send capacity lost.
     */
    readonly slotsReservedPerMessage: number;
  } | null;
  /** The gateway process during the send phase (event-loop delay, CPU); null for the naive design. */
  readonly hostLoad: ProcessLoad | null;
  readonly verdict: string;
  readonly perSecond: RunAnalysis['perSecond'];
}

interface RawRun {
  readonly run: PacingRun;
  readonly requestTimesS: number[];
  readonly e113TimesS: number[];
}

const label = (design: Design, tps: number, workers: number) =>
  `${design} ${tps} TPS × ${workers} worker${workers === 1 ? '' : 's'}`;

function verdict(design: Design, analysis: RunAnalysis, sendPhaseS: number, tps: number): string {
  const ratio = analysis.steady?.ratio;
  if (ratio === undefined) {
    const overall = analysis.accepted / Math.max(sendPhaseS, 0.001) / tps;
    return `${design === 'gateway' ? 'goal missed: ' : ''}only ${analysis.accepted} sent in ${sendPhaseS.toFixed(0)} s (${overall.toFixed(2)} of the limit)`;
  }
  const storm = analysis.e113Share > 0.01;
  if (design === 'gateway') {
    const problems = [
      ...(ratio < 0.9
        ? [
            `rate ${ratio.toFixed(3)} < 0.9: ${((ratio / GATEWAY_SAFETY_FACTOR) * 100).toFixed(1)} % of its own pacing target`,
          ]
        : []),
      ...(analysis.e113Share > 0.001 ? [`E113 ${(analysis.e113Share * 100).toFixed(2)} % > 0.1 %`] : []),
    ];
    return problems.length === 0 ? 'goal met' : `goal missed (${problems.join(', ')})`;
  }
  if (storm) return `E113 storm (${(analysis.e113Share * 100).toFixed(0)} % of requests)`;
  if (ratio < 0.9) return `wastes ${((1 - ratio) * 100).toFixed(0)} % of the limit`;
  return 'near the limit';
}

/** Polls a host's stats until `finished` says so, showing progress; returns the last stats. */
async function watch<S extends HostStats>(
  context: BenchContext,
  title: string,
  stats: () => Promise<S>,
  messages: number,
  finished: (s: S, elapsedS: number) => boolean,
): Promise<S> {
  const startMs = Date.now();
  const samples: Array<{ t: number; accepted: number }> = [];
  for (;;) {
    const s = await stats();
    const now = Date.now();
    samples.push({ t: now, accepted: s.accepted });
    while (samples.length > 1 && now - (samples[0]?.t ?? now) > 3000) samples.shift();
    const first = samples[0];
    const rate = first && now > first.t ? ((s.accepted - first.accepted) * 1000) / (now - first.t) : 0;
    const elapsedS = (now - startMs) / 1000;
    context.progress.update(
      `${title} │ sending: Sinch accepted ${s.accepted}/${messages} (${rate.toFixed(1)}/s) │ E113 ${s.e113}${title.startsWith('gateway') ? ` │ terminal ${s.terminal}` : ''} │ ${elapsedS.toFixed(0)} s`,
    );
    if (finished(s, elapsedS)) return s;
    await sleep(500);
  }
}

function toRaw(
  design: Design,
  tps: number,
  workers: number,
  messages: number,
  log: LoggedRequest[],
  facts: {
    firstSubmitMs: number;
    ingestEndMs: number;
    sendStartMs: number;
    submitted: number;
    submitFailures: Record<string, number>;
    terminalTimes: number[] | null;
    capped: boolean;
    endMs: number;
    dynamo?: { preload: DynamoCalls; send: DynamoCalls };
    hostLoad?: ProcessLoad;
  },
): RawRun {
  const analysis = analyseRun(log, { startMs: facts.sendStartMs, tps });
  const accepted = log.filter((r) => r[1] === 'accepted').map((r) => r[0]);
  const lastAccepted = accepted.length > 0 ? Math.max(...accepted) : null;
  const lastTerminal = facts.terminalTimes?.length ? Math.max(...facts.terminalTimes) : null;
  const perS = (count: number, from: number, to: number | null) =>
    to === null || to <= from ? null : count / ((to - from) / 1000);
  const sinchEnd = facts.capped ? facts.endMs : lastAccepted;
  const run: PacingRun = {
    design,
    tps,
    workers,
    messages,
    submitted: facts.submitted,
    submitFailures: facts.submitFailures,
    ingestPerS: perS(facts.submitted, facts.firstSubmitMs, facts.ingestEndMs) ?? 0,
    reachedSinch: analysis.accepted,
    terminal: facts.terminalTimes === null ? null : facts.terminalTimes.length,
    capped: facts.capped,
    elapsedS: (facts.endMs - facts.sendStartMs) / 1000,
    ...analysis,
    endToEnd: {
      sendPhasePerS: perS(analysis.accepted, facts.sendStartMs, sinchEnd),
      toSinchPerS: perS(analysis.accepted, facts.firstSubmitMs, sinchEnd),
      toTerminalPerS:
        facts.terminalTimes === null
          ? null
          : perS(facts.terminalTimes.length, facts.firstSubmitMs, facts.capped ? facts.endMs : lastTerminal),
    },
    dynamoCalls: facts.dynamo
      ? {
          preloadPerMessage: facts.dynamo.preload.total / Math.max(1, facts.submitted),
          sendPhasePerMessage: facts.dynamo.send.total / Math.max(1, analysis.accepted),
          failedConditionalWritesPerMessage:
            facts.dynamo.send.conditionalCheckFailed / Math.max(1, analysis.accepted),
          slotsReservedPerMessage:
            successfulWrites(facts.dynamo.send, 'control') / Math.max(1, analysis.accepted),
          sendPhaseByOperation: Object.fromEntries(
            Object.entries(facts.dynamo.send.byOperation).map(([op, n]) => [
              op,
              Math.round((n / Math.max(1, analysis.accepted)) * 100) / 100,
            ]),
          ),
        }
      : null,
    hostLoad: facts.hostLoad ?? null,
    verdict: verdict(design, analysis, (facts.endMs - facts.sendStartMs) / 1000, tps),
  };
  const seconds = (t: number) => (t - facts.sendStartMs) / 1000;
  return {
    run,
    requestTimesS: log.map((r) => seconds(r[0])),
    e113TimesS: log.filter((r) => r[1] === 'throttled' || r[2] === 'E113').map((r) => seconds(r[0])),
  };
}

/** Successful writes (PutItem, UpdateItem) to a table: on the control table in the send phase, bucket slots. */
function successfulWrites(calls: DynamoCalls, table: string): number {
  let n = 0;
  for (const op of ['PutItem', 'UpdateItem']) {
    const key = `${op} ${table}`;
    n += (calls.byOperation[key] ?? 0) - (calls.failedByOperation[key] ?? 0);
  }
  return n;
}

async function withHost<Api extends HostApi<unknown, HostMethods>, T>(
  context: BenchContext,
  script: string,
  options: unknown,
  title: string,
  body: (host: Host<Api['info'], Api['methods']>) => Promise<T>,
): Promise<T> {
  context.progress.update(`${title} │ starting`);
  const host = await startHost<Api>(script, options, title, { onNote: context.note });
  try {
    return await body(host);
  } finally {
    context.progress.update(`${title} │ stopping`);
    await host.stop();
  }
}

/**
 * A gateway run: preload every message through POST /v2/ with the send workers held (in AWS the accept and
 * send Lambdas never share a CPU; here they would), then start the workers and measure the send phase.
 */
async function gatewayRun(
  context: BenchContext,
  settings: PacingSettings,
  tps: number,
  workers: number,
  messages: number,
  capS: number,
  preloadCapS: number | null,
): Promise<RawRun> {
  const title = label('gateway', tps, workers);
  return withHost<GatewayHost, RawRun>(
    context,
    'hosts/gateway-host.ts',
    {
      accountTps: tps,
      sendWorkers: workers,
      holdSendWorkers: true,
      simulator: { latencyMs: settings.latencyMs },
    },
    title,
    async (host) => {
      let answered = 0;
      const firstSubmitMs = Date.now();
      const stopPreload = new AbortController();
      const preloadTimer =
        preloadCapS === null ? undefined : setTimeout(() => stopPreload.abort(), preloadCapS * 1000);
      const outcome = await submitAll({
        signal: stopPreload.signal,
        url: `${host.info.apiUrl}/v2/`,
        apiKey: host.info.apiKey,
        count: messages,
        body: (i) => sendmmsBody(recipient(i)),
        concurrency: settings.submitConcurrency,
        onAnswer: () => {
          answered += 1;
          const seconds = (Date.now() - firstSubmitMs) / 1000;
          context.progress.update(
            `${title} │ preload: ${answered}/${messages} accepted by POST /v2/ (${(answered / Math.max(seconds, 0.001)).toFixed(0)}/s)`,
          );
        },
      });
      clearTimeout(preloadTimer);
      const preloadCalls = await host.call('dynamoCalls');
      await host.call('resetDynamoCalls');
      const sendStartMs = Date.now();
      await host.call('startSendWorkers');
      let allSentAt: number | null = null;
      const last = await watch(
        context,
        title,
        () => host.call('stats'),
        outcome.ok,
        (s, elapsedS) => {
          if (elapsedS >= capS) return true;
          if (s.accepted >= outcome.ok) {
            allSentAt ??= Date.now();
            return s.terminal >= outcome.ok || Date.now() - allSentAt > settings.terminalGraceS * 1000;
          }
          return false;
        },
      );
      const endMs = Date.now();
      const log = await host.call('requestLog');
      const terminalTimes = await host.call('terminalTimes');
      const sendCalls = await host.call('dynamoCalls');
      const hostLoad = await host.call('processLoad');
      return toRaw('gateway', tps, workers, messages, log, {
        dynamo: { preload: preloadCalls, send: sendCalls },
        hostLoad,
        firstSubmitMs,
        ingestEndMs: outcome.endMs,
        sendStartMs,
        submitted: outcome.ok,
        submitFailures: outcome.unexpected,
        terminalTimes,
        capped: last.accepted < outcome.ok,
        endMs,
      });
    },
  );
}

/** A naive run: the same bodies put on its queue (SendMessageBatch), then its workers started. */
async function naiveRun(
  context: BenchContext,
  settings: PacingSettings,
  tps: number,
  workers: number,
  messages: number,
): Promise<RawRun> {
  const title = label('naive', tps, workers);
  return withHost<NaiveHost, RawRun>(
    context,
    'hosts/naive-host.ts',
    {
      accountTps: tps,
      workers,
      retryDelaySeconds: settings.naiveRetryDelaySeconds,
      simulator: { latencyMs: settings.latencyMs },
    },
    title,
    async (host) => {
      const sqs = new SQSClient({
        endpoint: host.info.sqsEndpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      try {
        const firstSubmitMs = Date.now();
        let enqueued = 0;
        const batches = Math.ceil(messages / 10);
        let nextBatch = 0;
        const enqueue = async () => {
          while (nextBatch < batches) {
            const b = nextBatch++;
            const entries = Array.from({ length: Math.min(10, messages - b * 10) }, (_, k) => ({
              Id: String(k),
              MessageBody: JSON.stringify(sendmmsBody(recipient(b * 10 + k))),
            }));
            const out = await sqs.send(
              new SendMessageBatchCommand({ QueueUrl: host.info.queueUrl, Entries: entries }),
            );
            enqueued += out.Successful?.length ?? 0;
            context.progress.update(`${title} │ preload: ${enqueued}/${messages} on the queue`);
          }
        };
        await Promise.all(Array.from({ length: 4 }, enqueue));
        const ingestEndMs = Date.now();
        const sendStartMs = Date.now();
        await host.call('startWorkers');
        const last = await watch(
          context,
          title,
          () => host.call('stats'),
          enqueued,
          (s, elapsedS) => s.accepted >= enqueued || elapsedS >= settings.naiveCapS,
        );
        const endMs = Date.now();
        const log = await host.call('requestLog');
        return toRaw('naive', tps, workers, messages, log, {
          firstSubmitMs,
          ingestEndMs,
          sendStartMs,
          submitted: enqueued,
          submitFailures: {},
          terminalTimes: null,
          capped: last.accepted < enqueued,
          endMs,
        });
      } finally {
        sqs.destroy();
      }
    },
  );
}

function printRuns(runs: readonly PacingRun[]): string {
  return formatTable(
    'Pacing: steady-state send rate at the simulator vs the account limit (10–90 % of accepted requests)',
    [
      { header: 'design', align: 'left' },
      { header: 'TPS' },
      { header: 'workers' },
      { header: 'at Sinch/queued' },
      { header: 'steady/s' },
      { header: 'ratio' },
      { header: 'E113 %' },
      { header: 'peak 1 s' },
      { header: 'send phase/s' },
      { header: 'ingest/s' },
      { header: 'e2e to Sinch/s' },
      { header: 'e2e to terminal/s' },
      { header: 'DDB calls/msg' },
      { header: 'bucket writes/msg' },
      { header: 'loop delay p99' },
      { header: 'verdict', align: 'left' },
    ],
    runs.map((r) => [
      r.design,
      r.tps,
      r.workers,
      `${r.reachedSinch}/${r.submitted}${r.submitted < r.messages ? ` of ${r.messages}` : ''}${r.capped ? ' (cap)' : ''}`,
      fixed(r.steady?.acceptedPerS),
      fixed(r.steady?.ratio, 3),
      fixed(r.e113Share * 100, 2),
      r.peakPerSlidingSecond,
      fixed(r.endToEnd.sendPhasePerS),
      fixed(r.ingestPerS, 0),
      fixed(r.endToEnd.toSinchPerS),
      fixed(r.endToEnd.toTerminalPerS),
      r.dynamoCalls
        ? `${fixed(r.dynamoCalls.preloadPerMessage, 1)}+${fixed(r.dynamoCalls.sendPhasePerMessage, 1)}`
        : null,
      fixed(r.dynamoCalls?.slotsReservedPerMessage, 2),
      fixed(r.hostLoad?.eventLoopDelayMs.p99, 0),
      r.verdict,
    ]),
  );
}

function roundRun(run: PacingRun): PacingRun {
  const r = (v: number | null) => (v === null ? null : round(v, 3));
  return {
    ...run,
    ingestPerS: round(run.ingestPerS, 1) ?? 0,
    elapsedS: round(run.elapsedS, 2) ?? 0,
    e113Share: round(run.e113Share, 5) ?? 0,
    steady: run.steady && {
      fromS: round(run.steady.fromS, 2) ?? 0,
      toS: round(run.steady.toS, 2) ?? 0,
      acceptedPerS: round(run.steady.acceptedPerS, 2) ?? 0,
      requestsPerS: round(run.steady.requestsPerS, 2) ?? 0,
      ratio: round(run.steady.ratio, 3) ?? 0,
      e113Share: round(run.steady.e113Share, 5) ?? 0,
    },
    dynamoCalls: run.dynamoCalls && {
      ...run.dynamoCalls,
      preloadPerMessage: round(run.dynamoCalls.preloadPerMessage, 2) ?? 0,
      sendPhasePerMessage: round(run.dynamoCalls.sendPhasePerMessage, 2) ?? 0,
      failedConditionalWritesPerMessage: round(run.dynamoCalls.failedConditionalWritesPerMessage, 2) ?? 0,
      slotsReservedPerMessage: round(run.dynamoCalls.slotsReservedPerMessage, 2) ?? 0,
    },
    endToEnd: {
      sendPhasePerS: r(run.endToEnd.sendPhasePerS),
      toSinchPerS: r(run.endToEnd.toSinchPerS),
      toTerminalPerS: r(run.endToEnd.toTerminalPerS),
    },
  };
}

export const pacing: Benchmark = {
  name: 'pacing',
  summary: 'send rate vs the account limit and E113, gateway vs the naive design; writes pacing.svg',
  async run(context) {
    const settings = pacingSettings(context.flags);
    const loadAtStart = currentLoad();
    const began = Date.now();
    const raws: RawRun[] = [];
    for (const tps of settings.tps) {
      for (const workers of settings.workers) {
        const headline = tps === settings.headline.tps && workers === settings.headline.workers;
        const messages = headline ? settings.headline.messages : Math.round(settings.secondsOfLoad * tps);
        const capS = headline ? settings.headlineCapS : settings.gatewayCapS;
        let preloaded = messages;
        for (const design of ['gateway', 'naive'] as const) {
          const raw =
            design === 'gateway'
              ? await gatewayRun(
                  context,
                  settings,
                  tps,
                  workers,
                  messages,
                  capS,
                  headline ? null : settings.preloadCapS,
                )
              : await naiveRun(context, settings, tps, workers, preloaded);
          if (design === 'gateway') preloaded = Math.max(1, raw.run.submitted);
          raws.push(raw);
          const r = raw.run;
          context.progress.done(
            `${label(design, tps, workers)}: ${r.reachedSinch}/${r.messages} at Sinch${r.capped ? ' (cap)' : ''}, steady ${fixed(r.steady?.acceptedPerS) ?? '–'}/s = ${fixed(r.steady?.ratio, 3) ?? '–'} of the limit, E113 ${percent(r.e113Share, 2) ?? '–'} — ${r.verdict}`,
          );
        }
      }
    }

    context.progress.update('pacer contention: starting DynamoDB Local');
    const contention = await measurePacerContention(
      settings.contention.concurrency,
      settings.contention.reservations,
      (line) => context.progress.update(line),
    );
    context.progress.done();

    const runs = raws.map((raw) => roundRun(raw.run));
    console.log(`\n${printRuns(runs)}\n`);
    console.log(printContention(contention));

    // The picture at the headline limit: the gateway (left) and the naive design (right), one row per worker count.
    const chartTps = settings.tps.includes(settings.headline.tps) ? settings.headline.tps : settings.tps[0];
    const chartRaws = raws.filter((raw) => raw.run.tps === chartTps);
    const rowOf = (workers: number) => [...settings.workers].sort((a, b) => a - b).indexOf(workers);
    let chartPath: string | null = null;
    if (chartTps !== undefined && chartRaws.length > 0) {
      const panels = chartRaws.map((raw) => ({
        column: raw.run.design === 'gateway' ? 0 : 1,
        row: rowOf(raw.run.workers),
        title: `${raw.run.design === 'gateway' ? 'Gateway (shared GCRA bucket)' : 'Naive (fixed concurrency, re-queue on E113)'}, ${raw.run.workers} worker${raw.run.workers === 1 ? '' : 's'}`,
        color: raw.run.design === 'gateway' ? '#1f77b4' : '#ff7f0e',
        requestTimesS: raw.requestTimesS,
        e113TimesS: raw.e113TimesS,
        endS: raw.run.elapsedS,
        ...(raw.run.design === 'gateway'
          ? { targetPerS: Math.round(chartTps * GATEWAY_SAFETY_FACTOR * 10) / 10 }
          : {}),
        summary: `${raw.run.reachedSinch}/${raw.run.submitted} sent${raw.run.capped ? ' (time cap)' : ''} · steady ${fixed(raw.run.steady?.acceptedPerS) ?? '–'}/s = ${fixed(raw.run.steady?.ratio, 3) ?? '–'} of the limit · E113 ${percent(raw.run.e113Share, 2) ?? '–'}`,
      })) satisfies ChartPanel[];
      chartPath = writeResult(
        'pacing.svg',
        pacingChart({
          title: `Sinch requests per second at a ${chartTps} TPS account limit`,
          subtitle: `Local runtime on this machine, simulator latency ${settings.latencyMs} ms; gateway paces at ${GATEWAY_SAFETY_FACTOR} × the limit (${fixed(emissionIntervalMs({ accountTps: chartTps, safetyFactor: GATEWAY_SAFETY_FACTOR, burst: 1, maxWaitMs: 0 }), 1)} ms apart). ${new Date().toISOString().slice(0, 10)}`,
          limitPerS: chartTps,
          panels,
        }),
      );
    }

    const path = writeJson('pacing', {
      ...resultHeader('pacing', context, began, loadAtStart),
      method: {
        ...settings,
        steadyState:
          'accepted requests between the 10th and 90th percentile of their arrival times at the simulator; ratio = accepted per second ÷ TPS',
        e113Share: 'E113 answers ÷ all send requests of the run',
        phases:
          'preload: every message submitted with the send workers held; send: workers started, measured until every message reached Sinch (and, gateway, a terminal state) or the cap',
        endToEnd:
          'sendPhasePerS = accepted by Sinch ÷ seconds from the workers start to the last acceptance (or the cap); toSinchPerS and toTerminalPerS (gateway) count from the first submission, preload included',
        gateway:
          'startLocalGateway in its own process (accountTps, sendWorkers, sweep off, logs at ERROR), bench team without limits; preload = POST /v2/ from 16 concurrent clients in the benchmark process; then the send pollers are started as local/runtime.ts starts them',
        naive:
          'fauxqs + the local SQS poller (N pollers, batch 10, records one after the other) + SinchHttpClient straight to the simulator; E113 and other retryable answers → the body re-queued with DelaySeconds 1; preload = SendMessageBatch from the benchmark process',
        contention:
          'DynamoSendPacer against DynamoDB Local with C reservations in flight; DynamoDB calls counted by an SDK middleware',
      },
      results: { runs, contention: contention.map(roundContention), chart: chartPath ? 'pacing.svg' : null },
    });
    console.log(`\nwrote ${path}${chartPath ? ` and ${chartPath}` : ''}`);
  },
};

const roundContention = (row: ContentionRow): ContentionRow => ({
  ...row,
  minSlotGapMs: row.minSlotGapMs === null ? null : round(row.minSlotGapMs, 2),
  reservationsPerS: round(row.reservationsPerS, 1) ?? 0,
  dynamoCallsPerReservation: round(row.dynamoCallsPerReservation, 2) ?? 0,
  failedConditionalWritesPerReservation: round(row.failedConditionalWritesPerReservation, 2) ?? 0,
});

function printContention(rows: readonly ContentionRow[]): string {
  return formatTable(
    'Shared bucket under concurrent reservations (DynamoDB Local, 50 TPS settings, reservations only)',
    [
      { header: 'implementation', align: 'left' },
      { header: 'in flight' },
      { header: 'reservations/s' },
      { header: 'DynamoDB calls each' },
      { header: 'failed cond. writes each' },
      { header: 'gave up' },
      { header: 'min slot gap ms' },
    ],
    rows.map((r) => [
      r.implementation === 'gateway' ? 'DynamoSendPacer (gateway)' : 'read-then-put (before 32d2ceb)',
      r.concurrency,
      fixed(r.reservationsPerS),
      fixed(r.dynamoCallsPerReservation, 1),
      fixed(r.failedConditionalWritesPerReservation, 1),
      `${r.gaveUp}/${r.reservations}`,
      fixed(r.minSlotGapMs, 1),
    ]),
  );
}
