/**
 * The ports of this capability: what its use cases need from the outside world. Adapters (lambdas/adapters/) implement them.
 */
import type { DeliveryResult, WebhookJob } from './webhooks';

export interface WebhookSecret {
  readonly secret: string;
  readonly createdAt: string;
  /** Set on the previous secret during a rotation: it stops signing at this time (ISO 8601). */
  readonly expiresAt?: string;
}

export interface WebhookConfig {
  readonly url: string;
  /** The current secret first; during a rotation, the previous one second (with `expiresAt`). */
  readonly secrets: readonly WebhookSecret[];
  readonly updatedAt: string;
}

export interface WebhookDirectory {
  /** The team's webhook, or undefined when it has none. */
  webhookOf(teamId: string): Promise<WebhookConfig | undefined>;
}

export interface WebhookSender {
  /** One POST, no redirects followed, bounded by a timeout. Never throws: errors are results. */
  post(url: string, body: string, headers: Readonly<Record<string, string>>): Promise<DeliveryResult>;
}

export interface WebhookRetryQueue {
  /** Queues `job` again, delivered after `delaySeconds` (≤ 900). */
  retryLater(job: WebhookJob, delaySeconds: number): Promise<void>;
}
