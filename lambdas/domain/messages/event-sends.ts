/**
 * Event-triggered sends: internal systems put an `mms.send-requested` event on the gateway's bus; a rule buffers
 * it in an SQS queue and the events worker feeds it to the same accept use case as the HTTP API.
 *
 * The team is never taken from the event alone: each allowed event `source` (configuration) names the teams it
 * may send for, and the event's `detail.team` must be one of them. EventBridge delivers at least once: the
 * event id (or the given `idempotency-key`) is the idempotency key, so a redelivered event never sends twice.
 * A rejected event (bad input, unknown team) produces an `mms.send-rejected` event with the codes, so the
 * producer learns why; nothing is dropped silently.
 */
import { GatewayError } from '../sinch/error-codes';
import type { StoredResponse } from './ports';
import type { Team } from '../teams/ports';
import type { EventPublisher } from '../postbacks/ports';
import { eventAcceptedBody } from '../privacy/retention';

export const SEND_REQUESTED = 'mms.send-requested';
export const SEND_REJECTED = 'mms.send-rejected';
export const SEND_ACCEPTED = 'mms.send-accepted';

/** The part of an EventBridge event the gateway reads. */
export interface SendEvent {
  readonly id: string;
  readonly source: string;
  readonly 'detail-type': string;
  readonly detail: unknown;
}

/** Allowed event sources and the teams each may send for. */
export type AllowedSources = Readonly<Record<string, readonly string[]>>;

export interface EventSendDeps {
  readonly allowedSources: AllowedSources;
  readonly teams: { getTeam(id: string): Promise<Team | undefined> };
  readonly accept: (input: { team: Team; body: string; idempotencyKey: string }) => Promise<StoredResponse>;
  readonly events: EventPublisher;
}

export type EventOutcome = 'accepted' | 'rejected';

const asRecord = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** Errors that a later try may not have: the event is retried (through the queue), not rejected. */
const isTransient = (error: GatewayError) => error.httpStatus >= 500 || error.code === 'GW-RATE-LIMITED';

export function acceptSendEvent(deps: EventSendDeps) {
  return async (event: SendEvent): Promise<EventOutcome> => {
    const detail = asRecord(event.detail) ?? {};
    const teamId = typeof detail.team === 'string' ? detail.team : undefined;
    const reject = async (code: string, info: string, errors?: unknown) => {
      await deps.events.publish(SEND_REJECTED, {
        'event-id': event.id,
        source: event.source,
        ...(teamId ? { team: teamId } : {}),
        'error-code': code,
        'error-info': info,
        ...(errors ? { errors } : {}),
      });
      return 'rejected' as const;
    };

    const allowed = deps.allowedSources[event.source];
    if (!allowed) return reject('E104', `Event source ${event.source} may not send MMS`);
    if (!teamId || !allowed.includes(teamId)) {
      return reject('E104', `Event source ${event.source} may not send for team ${teamId ?? '(none)'}`);
    }
    const team = await deps.teams.getTeam(teamId);
    if (!team) return reject('E104', `Unknown team ${teamId}`);
    if (team.revoked) return reject('E104', `Team ${teamId} is revoked`);
    const body = asRecord(detail.body);
    if (!body) return reject('E108', 'detail.body must be the Sinch JSON body (an object)');
    const given = detail['idempotency-key'];
    const idempotencyKey = typeof given === 'string' && given.length > 0 ? given : `event:${event.id}`;

    try {
      const response = await deps.accept({ team, body: JSON.stringify(body), idempotencyKey });
      await deps.events.publish(SEND_ACCEPTED, {
        'event-id': event.id,
        team: teamId,
        ...eventAcceptedBody(response.body, team),
      });
      return 'accepted';
    } catch (error) {
      if (!(error instanceof GatewayError) || isTransient(error)) throw error;
      const answer = error.toBody();
      return reject(answer['error-code'], answer['error-info'], answer.errors);
    }
  };
}
