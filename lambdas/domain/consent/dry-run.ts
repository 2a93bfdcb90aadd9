/**
 * `POST /v2/?dry-run=true`: the accept use case decides everything it would for the request (parsing,
 * validation, allowed senders, suppression, quota without consuming it, template resolution, send time) on its
 * read-only path, and the answer says what would be queued or which rules it breaks. Nothing is written.
 */
import type { SendPlan } from '../messages/accept';
import { GatewayError, type Violation } from '../sinch/error-codes';
import type { SaveMmsRequest, SendMmsRequest, SendRequest, SendSavedMmsRequest } from '../sinch/mms';
import type { StoredResponse } from '../messages/ports';
import { suppressionViolations, type SuppressionStore } from './suppression';

/**
 * `?dry-run=true` (or `1`) is a dry run; no parameter, `false` or `0` a real send. Any other value is refused
 * (E100) rather than guessed: a typo must never turn a check into a real send.
 */
export function isDryRun(value: string | undefined): boolean {
  if (value === undefined || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw new GatewayError('E100', 'dry-run must be true or false.');
}

export const DRY_RUN_DETAILS = 'Dry run: nothing was recorded, counted, queued or scheduled.';

/** The suppressed recipients of a (group) send, each at its path in the request (`to` or `to[i]`). */
export function recipientOptOuts(
  store: SuppressionStore,
  teamId: string,
  request: SendMmsRequest | SendSavedMmsRequest,
  recipients: readonly SendRequest[],
): Promise<Violation[]> {
  const given = request.to;
  const pathOf = (to: string) => (typeof given === 'string' ? 'to' : `to[${given.indexOf(to)}]`);
  return suppressionViolations(
    store,
    teamId,
    request.from,
    recipients.map((r) => ({ to: r.to, path: pathOf(r.to) })),
  );
}

/** 200: the real request would be accepted (202) and become what `outcome` says. */
const wouldAccept = (outcome: Record<string, unknown>): StoredResponse => ({
  statusCode: 200,
  body: {
    status: 'success',
    'dry-run': true,
    'http-status': 202,
    'status-details': DRY_RUN_DETAILS,
    ...outcome,
  },
});

/** What a real send of the same body would be queued as (one entry per recipient). */
export function dryRunSends(plan: SendPlan): StoredResponse {
  const sendAt = plan.sendAt?.toISOString();
  return wouldAccept({
    state: sendAt ? 'scheduled' : 'queued',
    ...(sendAt ? { 'send-at': sendAt } : {}),
    messages: plan.requests.map((r) => ({
      to: r.to,
      from: r.from,
      action: r.action,
      ...(r.action === 'sendsavedmms' ? { 'mms-id': r['mms-id'] } : {}),
      ...(r['service-id'] !== undefined ? { 'service-id': r['service-id'] } : {}),
      'send-at': sendAt ?? plan.now.toISOString(),
    })),
  });
}

/** The template a real savemms would record (it is not submitted to Sinch). */
export const dryRunTemplate = (request: SaveMmsRequest): StoredResponse =>
  wouldAccept({ state: 'submitting', template: { name: request.name, slides: request.slide.length } });

/**
 * Runs a dry run and turns a refusal into 200 with the body the real request would get, and its status code
 * (`http-status`). Faults of the gateway itself (5xx) stay errors: the dry run could not decide.
 */
export async function dryRunAnswer(run: () => Promise<StoredResponse>): Promise<StoredResponse> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof GatewayError) || error.httpStatus >= 500) throw error;
    return {
      statusCode: 200,
      body: {
        ...error.toBody(),
        'dry-run': true,
        'http-status': error.httpStatus,
        ...(error.retryAfterSeconds !== undefined ? { 'retry-after': error.retryAfterSeconds } : {}),
      },
    };
  }
}
