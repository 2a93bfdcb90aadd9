import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Clock } from '../domain/ports';
import type { SecretProvider } from '../domain/sinch/ports';

/**
 * The Sinch API key from Secrets Manager, cached in memory for at most `maxAgeMs` (default 5 minutes), so a
 * rotated key is picked up within that time; `forceRefresh` (after an E104) reads it again at once.
 * The secret is either the bare key or JSON `{"apiKey": "..."}`.
 */
export class SecretsManagerSinchKey implements SecretProvider {
  private cached: { value: string; readAtMs: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
    private readonly clock: Clock,
    private readonly maxAgeMs = 5 * 60_000,
  ) {}

  async sinchApiKey(options: { forceRefresh?: boolean } = {}): Promise<string> {
    const nowMs = this.clock.now().getTime();
    if (!options.forceRefresh && this.cached && nowMs - this.cached.readAtMs < this.maxAgeMs)
      return this.cached.value;
    // Concurrent callers share one read.
    this.pending ??= this.read().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async read(): Promise<string> {
    const out = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
    const raw = out.SecretString;
    if (!raw) throw new Error(`secret ${this.secretId} has no string value`);
    const value = parseKey(raw);
    this.cached = { value, readAtMs: this.clock.now().getTime() };
    return value;
  }
}

function parseKey(raw: string): string {
  const trimmed = raw.trim();
  if (trimmed.startsWith('{')) {
    let parsed: { apiKey?: unknown };
    try {
      parsed = JSON.parse(trimmed) as { apiKey?: unknown };
    } catch {
      // JSON.parse's message quotes the text around the error: part of the secret. Say nothing of it.
      throw new Error('secret starts with "{" but is not valid JSON (content not shown)');
    }
    if (typeof parsed.apiKey !== 'string' || parsed.apiKey.length === 0) {
      throw new Error('secret JSON has no non-empty "apiKey"');
    }
    return parsed.apiKey;
  }
  if (trimmed.length === 0) throw new Error('secret is empty');
  return trimmed;
}
