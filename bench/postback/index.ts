/**
 * postback: the postback endpoint's answer time, and the time from a postback's arrival to its message's state
 * change. Real messages go through the gateway first (accept → send → simulator, which here sends no postbacks
 * itself); then the benchmark posts Sinch-shaped postbacks (N101, then N102) for their Sinch tracking-ids, in two
 * modes: a burst (16 connections, as fast as the endpoint answers) and a steady rate (100 postbacks/s, i.e. a
 * 50 TPS account's N101 + N102). Postback → state is read from the tables afterwards: the message's history entry
 * for the postback (`ref` = the postback's key, `at` = when the status processor applied it) minus the stored
 * postback's `receivedAt` (when the postback Lambda stored it), both written by the gateway.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { INDEX } from '../../definitions/data-model';
import type { GatewayHost } from '../hosts/gateway-host';
import type { BenchContext, Benchmark } from '../lib/context';
import { startHost, type Host } from '../lib/host';
import { sendEach } from '../lib/http-load';
import { recipient, sendmmsBody, sleep, submitAll } from '../lib/load';
import { currentLoad, resultHeader, writeJson } from '../lib/results';
import { median, percentiles, round } from '../lib/stats';
import { fixed, formatTable } from '../lib/table';

interface Mode {
  readonly name: 'burst' | 'steady';
  readonly concurrency: number;
  readonly ratePerS?: number;
}

const MODES: readonly Mode[] = [
  { name: 'burst', concurrency: 16 },
  { name: 'steady', concurrency: 16, ratePerS: 100 },
];

interface Send {
  readonly trackingId: string;
  readonly to: string;
  readonly from: string;
}

const postbackBody = (send: Send, code: 'N101' | 'N102') =>
  JSON.stringify({
    origin: 'MMS_MT',
    code,
    status: code === 'N101' ? 'Sent' : 'Delivered',
    'status-details': code === 'N101' ? 'Message Sent' : 'Message Delivered',
    'sent-as': 'MMS',
    to: send.to,
    from: send.from,
    'tracking-id': send.trackingId,
    timestamp: new Date().toISOString(),
  });

async function scanAll(db: DynamoDBDocumentClient, table: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

export interface PostbackPhase {
  readonly mode: Mode['name'];
  readonly run: number;
  readonly postbacks: number;
  readonly answerPerS: number;
  readonly answerMs: ReturnType<typeof percentiles>;
  readonly not200: Record<string, number>;
  /** Postback stored → message state changed, ms. */
  readonly toStateMs: ReturnType<typeof percentiles>;
  /** Postbacks whose message history has no entry for them (not applied). */
  readonly notApplied: number;
}

async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(250);
  }
}

async function prepareMessages(
  context: BenchContext,
  host: Host<GatewayHost['info'], GatewayHost['methods']>,
  db: DynamoDBDocumentClient,
  count: number,
): Promise<Send[]> {
  let answered = 0;
  const submitted = await submitAll({
    url: `${host.info.apiUrl}/v2/`,
    apiKey: host.info.apiKey,
    count,
    body: (i) => sendmmsBody(recipient(500_000 + i)),
    concurrency: 8,
    onAnswer: () => {
      answered += 1;
      context.progress.update(`postback │ preparing: ${answered}/${count} messages accepted by the gateway`);
    },
  });
  if (submitted.failed > 0)
    throw new Error(`the gateway refused messages: ${JSON.stringify(submitted.unexpected)}`);
  await waitUntil(
    'the messages to reach the simulator',
    async () => {
      const s = await host.call('stats');
      context.progress.update(`postback │ preparing: ${s.accepted}/${count} messages sent to the simulator`);
      return s.accepted >= count;
    },
    300_000,
  );
  // The send worker records the Sinch tracking-id right after Sinch's answer: wait until every message has it.
  await waitUntil(
    'every message to be recorded as submitted',
    async () => {
      const items = await scanAll(db, host.info.tables.messages);
      return items.filter((m) => typeof m.sinchTrackingId === 'string').length >= count;
    },
    60_000,
  );
  return host.call('acceptedSends');
}

export const postback: Benchmark = {
  name: 'postback',
  summary: 'postback endpoint answer p50/p99 and postback → message state time, burst and steady rate',
  async run(context) {
    const runs = context.flags.runs ?? 3;
    const perPhase = context.flags.quick ? 60 : 150;
    const loadAtStart = currentLoad();
    const began = Date.now();
    context.progress.update('postback │ starting a gateway');
    const host = await startHost<GatewayHost>(
      'hosts/gateway-host.ts',
      { accountTps: 1000, sendWorkers: 1, simulator: { tps: 0, postbackUrl: null } },
      'postback-gateway',
      { onNote: context.note },
    );
    const raw = new DynamoDBClient({
      endpoint: host.info.dynamoEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const db = DynamoDBDocumentClient.from(raw);
    const phases: Array<{
      mode: Mode;
      run: number;
      sends: Send[];
      result: Awaited<ReturnType<typeof sendEach>>;
    }> = [];
    try {
      const preparing = Date.now();
      const sends = await prepareMessages(context, host, db, runs * MODES.length * perPhase);
      const prepareSeconds = (Date.now() - preparing) / 1000;
      let offset = 0;
      for (let run = 1; run <= runs; run += 1) {
        for (const mode of MODES) {
          const mine = sends.slice(offset, offset + perPhase);
          offset += perPhase;
          const bodies = [
            ...mine.map((s) => postbackBody(s, 'N101')),
            ...mine.map((s) => postbackBody(s, 'N102')),
          ];
          const title = `postback │ run ${run}/${runs} │ ${mode.name}${mode.ratePerS ? ` ${mode.ratePerS}/s` : ` ${mode.concurrency} conn`}`;
          const result = await sendEach({
            url: host.info.postbackUrl,
            bodies,
            concurrency: mode.concurrency,
            ...(mode.ratePerS ? { ratePerS: mode.ratePerS } : {}),
            onAnswer: (done) => context.progress.update(`${title} │ ${done}/${bodies.length} answered`),
          });
          phases.push({ mode, run, sends: mine, result });
          // Let the status processor drain before the next phase, so phases do not queue behind each other.
          await waitUntil(
            'the status processor to apply the postbacks',
            async () => {
              const out = await db.send(
                new QueryCommand({
                  TableName: host.info.tables.postbacks,
                  IndexName: INDEX.postbacksByState,
                  KeyConditionExpression: '#s = :s',
                  ExpressionAttributeNames: { '#s': 'state' },
                  ExpressionAttributeValues: { ':s': 'received' },
                  Limit: 1,
                }),
              );
              context.progress.update(`${title} │ waiting for the status processor`);
              return (out.Items ?? []).length === 0;
            },
            120_000,
          );
        }
      }

      context.progress.update('postback │ reading the tables');
      const stored = await scanAll(db, host.info.tables.postbacks);
      const messages = await scanAll(db, host.info.tables.messages);
      const appliedAt = new Map<string, number>(); // postback key → when its history entry was written
      const messageBySinchId = new Map<string, Record<string, unknown>>();
      for (const m of messages) {
        if (typeof m.sinchTrackingId === 'string') messageBySinchId.set(m.sinchTrackingId, m);
        for (const entry of (m.history as Array<Record<string, unknown>> | undefined) ?? []) {
          if (typeof entry.ref === 'string' && typeof entry.at === 'string')
            appliedAt.set(entry.ref, Date.parse(entry.at));
        }
      }
      const byTrackingId = new Map<string, Array<Record<string, unknown>>>();
      for (const p of stored) {
        const id = String(p.trackingId);
        byTrackingId.set(id, [...(byTrackingId.get(id) ?? []), p]);
      }

      const results: PostbackPhase[] = phases.map(({ mode, run, sends, result }) => {
        const deltas: number[] = [];
        let notApplied = 0;
        for (const send of sends) {
          for (const p of byTrackingId.get(send.trackingId) ?? []) {
            const at = appliedAt.get(String(p.pk));
            if (at === undefined) notApplied += 1;
            else deltas.push(at - Date.parse(String(p.receivedAt)));
          }
        }
        const not200: Record<string, number> = {};
        for (const [status, count] of Object.entries(result.statusCounts)) {
          if (status !== '200') not200[status] = count;
        }
        return {
          mode: mode.name,
          run,
          postbacks: sends.length * 2,
          answerPerS: result.latencies.length / result.seconds,
          answerMs: percentiles(result.latencies),
          not200,
          toStateMs: percentiles(deltas),
          notApplied,
        };
      });
      report(context, results, { runs, perPhase, prepareSeconds, loadAtStart, began });
    } finally {
      raw.destroy();
      context.progress.update('postback │ stopping the gateway');
      await host.stop();
      context.progress.done();
    }
  },
};

function report(
  context: BenchContext,
  phases: readonly PostbackPhase[],
  {
    runs,
    perPhase,
    prepareSeconds,
    loadAtStart,
    began,
  }: { runs: number; perPhase: number; prepareSeconds: number; loadAtStart: number; began: number },
) {
  const summary = MODES.map((mode) => {
    const mine = phases.filter((p) => p.mode === mode.name);
    const m = (pick: (p: PostbackPhase) => number) => round(median(mine.map(pick)));
    return {
      mode: mode.name,
      load: mode.ratePerS
        ? `${mode.ratePerS} postbacks/s, ${mode.concurrency} connections`
        : `${mode.concurrency} connections, unpaced`,
      runs: mine.length,
      answerPerS: m((p) => p.answerPerS),
      answerP50Ms: m((p) => p.answerMs.p50),
      answerP95Ms: m((p) => p.answerMs.p95),
      answerP99Ms: m((p) => p.answerMs.p99),
      toStateP50Ms: m((p) => p.toStateMs.p50),
      toStateP95Ms: m((p) => p.toStateMs.p95),
      toStateP99Ms: m((p) => p.toStateMs.p99),
      not200: mine.reduce((n, p) => n + Object.values(p.not200).reduce((a, b) => a + b, 0), 0),
      notApplied: mine.reduce((n, p) => n + p.notApplied, 0),
    };
  });
  console.log(
    `\n${formatTable(
      `Postback path: medians of ${runs} runs of ${perPhase * 2} postbacks (N101 + N102 for ${perPhase} messages)`,
      [
        { header: 'mode', align: 'left' },
        { header: 'load', align: 'left' },
        { header: 'answers/s' },
        { header: 'answer p50' },
        { header: 'p95' },
        { header: 'p99 ms' },
        { header: '→ state p50' },
        { header: 'p95' },
        { header: 'p99 ms' },
        { header: 'not 200' },
        { header: 'not applied' },
      ],
      summary.map((s) => [
        s.mode,
        s.load,
        fixed(s.answerPerS),
        fixed(s.answerP50Ms),
        fixed(s.answerP95Ms),
        fixed(s.answerP99Ms),
        fixed(s.toStateP50Ms),
        fixed(s.toStateP95Ms),
        fixed(s.toStateP99Ms),
        s.not200,
        s.notApplied,
      ]),
    )}\n`,
  );
  const r = (p: ReturnType<typeof percentiles>) => ({
    count: p.count,
    p50: round(p.p50),
    p95: round(p.p95),
    p99: round(p.p99),
    max: round(p.max),
  });
  const path = writeJson('postback', {
    ...resultHeader('postback', context, began, loadAtStart),
    method: {
      runs,
      messagesPerRun: perPhase,
      modes: MODES,
      prepareSeconds: Math.round(prepareSeconds),
      gateway:
        'startLocalGateway in its own process, 1 send worker, simulator without postbacks and without a limit; messages sent through /v2/ first, then the benchmark posts N101 and N102 for each Sinch tracking-id',
      answer: 'request written → answer read, from the benchmark process over keep-alive connections',
      toState:
        "history entry `at` (status processor, after the conditional write) − postbacks table `receivedAt` (postback Lambda, before storing); includes the stream poller's 100 ms poll interval",
      drain: 'each phase waits until no stored postback is left in state received before the next one starts',
    },
    results: {
      summary,
      phases: phases.map((p) => ({
        ...p,
        answerPerS: round(p.answerPerS),
        answerMs: r(p.answerMs),
        toStateMs: r(p.toStateMs),
      })),
    },
  });
  console.log(`wrote ${path}`);
}
