/**
 * The ports of this capability: what its use cases need from the outside world. Adapters (lambdas/adapters/) implement them.
 */
import type { SinchOutcome } from './outcome-classification';

export interface SinchApi {
  /** Sends one Sinch JSON body and classifies the answer. */
  submit(body: Record<string, unknown>, apiKey: string): Promise<SinchOutcome>;
}

export interface SecretProvider {
  /** The Sinch account API key; `forceRefresh` re-reads it (after an E104). */
  sinchApiKey(options?: { forceRefresh?: boolean }): Promise<string>;
}
