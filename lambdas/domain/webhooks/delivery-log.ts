/**
 * The recent webhook delivery attempts of a team (`GET /v2/team/webhook/deliveries`, the console's Webhook
 * page): every attempt the webhook worker makes and every test ping, newest first, capped.
 */

export interface DeliveryAttempt {
  readonly at: string;
  /** The event type (`mms.status-changed`, `mms.webhook-test`, ...). */
  readonly event: string;
  readonly 'event-id': string;
  readonly 'tracking-id'?: string;
  readonly attempt: number;
  /** `delivered` or `failed`. */
  readonly outcome: 'delivered' | 'failed';
  /** The HTTP status, when the receiver answered. */
  readonly status?: number;
  readonly 'latency-ms': number;
  /** The transport error or failure detail (`timeout`, `ECONNREFUSED`, `HTTP 500`, ...). */
  readonly error?: string;
}

/** How many attempts a team's log keeps. */
export const DELIVERY_LOG_SIZE = 50;

export interface DeliveryLog {
  record(teamId: string, attempt: DeliveryAttempt): Promise<void>;
  /** The most recent attempts, newest first. */
  recent(teamId: string, limit: number): Promise<DeliveryAttempt[]>;
}
