/**
 * accept: latency and throughput of POST /v2/ (authorizer + ingest: validation, team limits, idempotency,
 * message record, send queue) with autocannon at 1, 16 and 64 connections, with and without a unique
 * Idempotency-Key per request. Runs are interleaved (run 1 of every case, then run 2, …) so that a change in the
 * machine's load hits every case alike; the medians of the runs are reported.
 */
import { randomUUID } from 'node:crypto';
import type { GatewayHost } from '../hosts/gateway-host';
import { runLoad, type LoadResult } from '../lib/autocannon-run';
import type { Benchmark } from '../lib/context';
import { startHost } from '../lib/host';
import { sendmmsBody } from '../lib/load';
import { currentLoad, resultHeader, writeJson } from '../lib/results';
import { median, round } from '../lib/stats';
import { fixed, formatTable } from '../lib/table';

const CONNECTIONS = [1, 16, 64] as const;

export interface AcceptCase {
  readonly idempotencyKey: boolean;
  readonly connections: number;
  readonly runs: number;
  /** Medians over the runs. */
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
  readonly requestsPerS: number | null;
  readonly requestsPerSRange: [number | null, number | null];
  /** Answers other than 202, over all runs, by status. */
  readonly unexpected: Record<string, number>;
  readonly perRun: Array<{
    requestsPerS: number | null;
    p50Ms: number | null;
    p95Ms: number | null;
    p99Ms: number | null;
  }>;
}

export const accept: Benchmark = {
  name: 'accept',
  summary: 'POST /v2/ latency p50/p95/p99 and throughput at 1, 16, 64 connections, idempotency key on/off',
  async run(context) {
    const runs = context.flags.runs ?? 3;
    const durationS = context.flags.durationS ?? (context.flags.quick ? 2 : 4);
    const loadAtStart = currentLoad();
    const began = Date.now();
    context.progress.update('accept │ starting a gateway');
    // No send workers: the accepted messages wait in the queue, so the workers' Sinch traffic, pacing and
    // postbacks do not compete with the accept path for this process's CPU.
    const host = await startHost<GatewayHost>(
      'hosts/gateway-host.ts',
      { accountTps: 1000, sendWorkers: 0, simulator: { tps: 0, postbackUrl: null } },
      'accept-gateway',
      { onNote: context.note },
    );
    const results = new Map<string, LoadResult[]>();
    try {
      const body = JSON.stringify(sendmmsBody('15554999999'));
      const measure = (connections: number, seconds: number, idempotencyKey: boolean, title: string) =>
        runLoad(
          {
            url: `${host.info.apiUrl}/v2/`,
            connections,
            duration: seconds,
            timeout: 30,
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-key': host.info.apiKey },
            body,
            ...(idempotencyKey
              ? {
                  requests: [
                    {
                      method: 'POST',
                      body,
                      setupRequest: (request) => ({
                        ...request,
                        headers: { ...request.headers, 'idempotency-key': randomUUID() },
                      }),
                    },
                  ],
                }
              : {}),
          },
          {
            expectStatus: 202,
            onTick: (answers, elapsedS) =>
              context.progress.update(
                `${title} │ ${answers} answers │ ${(answers / Math.max(elapsedS, 0.001)).toFixed(0)}/s │ ${elapsedS.toFixed(0)}/${seconds} s`,
              ),
          },
        );

      // Warm-up: JIT, connection pools, the first DynamoDB Local pages.
      await measure(16, Math.min(3, durationS), false, 'accept │ warm-up');
      await measure(16, Math.min(2, durationS), true, 'accept │ warm-up (idempotency key)');
      for (let run = 1; run <= runs; run += 1) {
        for (const idempotencyKey of [false, true]) {
          for (const connections of CONNECTIONS) {
            const key = `${idempotencyKey}:${connections}`;
            const title = `accept │ run ${run}/${runs} │ ${connections} conn │ idempotency key ${idempotencyKey ? 'on' : 'off'}`;
            const result = await measure(connections, durationS, idempotencyKey, title);
            results.set(key, [...(results.get(key) ?? []), result]);
          }
        }
      }
    } finally {
      context.progress.update('accept │ stopping the gateway');
      await host.stop();
      context.progress.done();
    }

    const cases: AcceptCase[] = [];
    for (const idempotencyKey of [false, true]) {
      for (const connections of CONNECTIONS) {
        const list = results.get(`${idempotencyKey}:${connections}`) ?? [];
        const unexpected: Record<string, number> = {};
        for (const r of list) {
          for (const [status, count] of Object.entries(r.statusCounts)) {
            if (status !== '202') unexpected[status] = (unexpected[status] ?? 0) + count;
          }
          if (r.errors > 0) unexpected.connectionErrors = (unexpected.connectionErrors ?? 0) + r.errors;
        }
        const rates = list.map((r) => r.okPerS);
        cases.push({
          idempotencyKey,
          connections,
          runs: list.length,
          p50Ms: round(median(list.map((r) => r.latency.p50))),
          p95Ms: round(median(list.map((r) => r.latency.p95))),
          p99Ms: round(median(list.map((r) => r.latency.p99))),
          requestsPerS: round(median(rates)),
          requestsPerSRange: [round(Math.min(...rates)), round(Math.max(...rates))],
          unexpected,
          perRun: list.map((r) => ({
            requestsPerS: round(r.okPerS),
            p50Ms: round(r.latency.p50),
            p95Ms: round(r.latency.p95),
            p99Ms: round(r.latency.p99),
          })),
        });
      }
    }
    const costOfKey = CONNECTIONS.map((connections) => {
      const off = cases.find((c) => !c.idempotencyKey && c.connections === connections);
      const on = cases.find((c) => c.idempotencyKey && c.connections === connections);
      // Per run pair (same run, adjacent in time), then the median: the ratio is less noisy than the medians' ratio.
      const ratios =
        off && on
          ? off.perRun.map(
              (r, i) => (on.perRun[i]?.requestsPerS ?? Number.NaN) / (r.requestsPerS ?? Number.NaN),
            )
          : [];
      const p50s =
        off && on
          ? off.perRun.map((r, i) => (on.perRun[i]?.p50Ms ?? Number.NaN) / (r.p50Ms ?? Number.NaN))
          : [];
      return {
        connections,
        throughputOnOverOff: round(median(ratios.filter(Number.isFinite)), 2),
        p50OnOverOff: round(median(p50s.filter(Number.isFinite)), 2),
      };
    });

    console.log(
      `\n${formatTable(
        `Accept path: POST /v2/ (202), medians of ${runs} runs of ${durationS} s each`,
        [
          { header: 'idempotency key', align: 'left' },
          { header: 'connections' },
          { header: 'p50 ms' },
          { header: 'p95 ms' },
          { header: 'p99 ms' },
          { header: 'req/s' },
          { header: 'req/s range' },
          { header: 'not 202', align: 'left' },
        ],
        cases.map((c) => [
          c.idempotencyKey ? 'on (unique)' : 'off',
          c.connections,
          fixed(c.p50Ms),
          fixed(c.p95Ms),
          fixed(c.p99Ms),
          fixed(c.requestsPerS),
          `${fixed(c.requestsPerSRange[0]) ?? '–'}–${fixed(c.requestsPerSRange[1]) ?? '–'}`,
          Object.keys(c.unexpected).length === 0 ? 'none' : JSON.stringify(c.unexpected),
        ]),
      )}\n`,
    );
    console.log(
      formatTable(
        'Cost of the idempotency key (same run, on ÷ off, median of the runs)',
        [{ header: 'connections' }, { header: 'req/s ratio' }, { header: 'p50 ratio' }],
        costOfKey.map((c) => [c.connections, fixed(c.throughputOnOverOff, 2), fixed(c.p50OnOverOff, 2)]),
      ),
    );

    const path = writeJson('accept', {
      ...resultHeader('accept', context, began, loadAtStart),
      method: {
        runs,
        durationSeconds: durationS,
        connections: CONNECTIONS,
        warmUp: '3 s without and 2 s with idempotency keys, at 16 connections, not reported',
        gateway:
          'startLocalGateway in its own process with sendWorkers 0 (messages stay queued: no Sinch traffic, pacing or postbacks competing for the CPU); bench team with 100 000 req/s and 10^8/day',
        load: 'autocannon in the benchmark process (same 2-core machine), closed loop, one sendmms body; idempotency on = a random UUID Idempotency-Key per request',
        latency:
          'per-answer response time of the 202 answers, percentiles per run, then the median of the runs',
      },
      results: { cases, costOfIdempotencyKey: costOfKey },
    });
    console.log(`\nwrote ${path}`);
  },
};
