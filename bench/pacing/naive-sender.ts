/**
 * The naive design that AWS samples use for a rate-limited third-party API, as the baseline of the pacing
 * benchmark: SQS → Lambda with a fixed concurrency (here N pollers), no shared bucket. Each invocation loops
 * over its batch and POSTs every body straight to Sinch with the same client the gateway uses; an E113 (or
 * any other retryable answer) puts the body back on the queue with a fixed delay. Concurrency is the only
 * brake: the send rate follows Sinch's latency, not the account's limit.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { SinchHttpClient } from '../../lambdas/adapters/sinch-client';

export interface NaiveSenderDeps {
  readonly sinch: SinchHttpClient;
  readonly apiKey: string;
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** Fixed delay of a re-queued body (SQS DelaySeconds). */
  readonly retryDelaySeconds: number;
}

export interface NaiveCounters {
  accepted: number;
  requeued: number;
  failed: number;
}

/** The Lambda handler of the naive design (one batch, records one after the other). */
export function naiveSendHandler(deps: NaiveSenderDeps, counters: NaiveCounters) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    for (const record of event.Records) {
      const body = JSON.parse(record.body) as Record<string, unknown>;
      const outcome = await deps.sinch.submit(body, deps.apiKey);
      if (outcome.kind === 'accepted') {
        counters.accepted += 1;
      } else if (outcome.kind === 'retryable') {
        counters.requeued += 1;
        await deps.sqs.send(
          new SendMessageCommand({
            QueueUrl: deps.queueUrl,
            MessageBody: record.body,
            DelaySeconds: deps.retryDelaySeconds,
          }),
        );
      } else {
        counters.failed += 1;
      }
    }
    return { batchItemFailures: [] };
  };
}
