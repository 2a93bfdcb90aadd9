import {
  GetSecretValueCommand,
  type SecretsManagerClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-secrets-manager';
import type { Clock } from '../domain/ports';
import type { SecretProvider } from '../domain/sinch/ports';
import type { PostbackTokenSource } from '../domain/postbacks/token';

/**
 * A secret read at most once per `maxAgeMs` (default 5 minutes); concurrent callers share one read; failures are
 * not cached. Subclasses say how to read and parse it.
 */
abstract class CachedSecret<T> {
  private cached: { value: T; readAtMs: number } | undefined;
  private pending: Promise<T> | undefined;

  constructor(
    protected readonly client: SecretsManagerClient,
    protected readonly secretId: string,
    private readonly clock: Pick<Clock, 'now'>,
    private readonly maxAgeMs = 5 * 60_000,
  ) {}

  protected abstract read(): Promise<T>;

  protected value(forceRefresh = false): Promise<T> {
    const nowMs = this.clock.now().getTime();
    if (!forceRefresh && this.cached && nowMs - this.cached.readAtMs < this.maxAgeMs) {
      return Promise.resolve(this.cached.value);
    }
    this.pending ??= this.read()
      .then((value) => {
        this.cached = { value, readAtMs: this.clock.now().getTime() };
        return value;
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }
}

/**
 * The Sinch API key from Secrets Manager, cached in memory for at most `maxAgeMs` (default 5 minutes), so a
 * rotated key is picked up within that time; `forceRefresh` (after an E104) reads it again at once.
 * The secret is either the bare key or JSON `{"apiKey": "..."}`.
 */
export class SecretsManagerSinchKey extends CachedSecret<string> implements SecretProvider {
  sinchApiKey(options: { forceRefresh?: boolean } = {}): Promise<string> {
    return this.value(options.forceRefresh);
  }

  protected async read(): Promise<string> {
    const out = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
    const raw = out.SecretString;
    if (!raw) throw new Error(`secret ${this.secretId} has no string value`);
    return parseKey(raw);
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

/**
 * The postback token(s) from Secrets Manager, read at run time and cached for at most `maxAgeMs` (default 5
 * minutes): the AWSCURRENT value, and the AWSPREVIOUS one when the secret has one (a rotation in progress).
 * Each value is the bare token, at least 16 characters.
 */
export class SecretsManagerPostbackTokens
  extends CachedSecret<readonly string[]>
  implements PostbackTokenSource
{
  tokens(): Promise<readonly string[]> {
    return this.value();
  }

  protected async read(): Promise<readonly string[]> {
    const stage = async (VersionStage: string): Promise<string | undefined> => {
      try {
        const out = await this.client.send(
          new GetSecretValueCommand({ SecretId: this.secretId, VersionStage }),
        );
        return out.SecretString?.trim();
      } catch (error) {
        if (VersionStage === 'AWSPREVIOUS' && error instanceof ResourceNotFoundException) return undefined;
        throw error;
      }
    };
    const [current, previous] = await Promise.all([stage('AWSCURRENT'), stage('AWSPREVIOUS')]);
    if (!current || current.length < 16) {
      throw new Error(`postback token secret ${this.secretId} must hold a token of at least 16 characters`);
    }
    return previous && previous.length >= 16 && previous !== current ? [current, previous] : [current];
  }
}
