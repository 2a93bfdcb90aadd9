/** The Secrets Manager adapter: cache at most 5 minutes, forced refresh, both secret formats, error paths. */
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SecretsManagerPostbackTokens, SecretsManagerSinchKey } from '../../lambdas/adapters/secrets';
import type { Clock } from '../../lambdas/domain/ports';

const sm = mockClient(SecretsManagerClient);
let nowMs = 0;
const clock: Clock = { now: () => new Date(nowMs), sleep: () => Promise.resolve() };
const provider = () =>
  new SecretsManagerSinchKey(new SecretsManagerClient({ region: 'us-east-1' }), 'sinch-key', clock);

const postbackTokens = () =>
  new SecretsManagerPostbackTokens(new SecretsManagerClient({ region: 'us-east-1' }), 'pb-token', clock);
const notFound = () => new ResourceNotFoundException({ message: 'no such stage', $metadata: {} });

beforeEach(() => {
  sm.reset();
  nowMs = 1_000_000;
});

describe('SecretsManagerSinchKey', () => {
  it('reads the key once and serves it from the cache for up to 5 minutes', async () => {
    sm.on(GetSecretValueCommand).resolvesOnce({ SecretString: 'key-1' }).resolves({ SecretString: 'key-2' });
    const keys = provider();
    expect(await keys.sinchApiKey()).toBe('key-1');
    nowMs += 299_000;
    expect(await keys.sinchApiKey()).toBe('key-1');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    nowMs += 1_000;
    expect(await keys.sinchApiKey()).toBe('key-2'); // a rotated key is picked up after 5 minutes
    expect(sm.commandCalls(GetSecretValueCommand, { SecretId: 'sinch-key' })).toHaveLength(2);
  });

  it('forceRefresh (after an E104) reads it again at once', async () => {
    sm.on(GetSecretValueCommand).resolvesOnce({ SecretString: 'old' }).resolves({ SecretString: 'new' });
    const keys = provider();
    expect(await keys.sinchApiKey()).toBe('old');
    expect(await keys.sinchApiKey({ forceRefresh: true })).toBe('new');
  });

  it('accepts a JSON secret with apiKey', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: '{"apiKey":"json-key"}' });
    expect(await provider().sinchApiKey()).toBe('json-key');
  });

  it('refuses the placeholder a fresh deployment has (no apiKey), so nothing is sent with a bad key', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: '{"placeholder":"x"}' });
    await expect(provider().sinchApiKey()).rejects.toThrow(/apiKey/);
  });

  it('a malformed JSON secret fails without quoting any of the secret', async () => {
    const secret = '{"apiKey": "sk_live_SUPERSECRET0123456789", oops}';
    sm.on(GetSecretValueCommand).resolves({ SecretString: secret });
    const error = (await provider()
      .sinchApiKey()
      .catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/not valid JSON/);
    for (const piece of ['SUPERSECRET', 'sk_live', 'oops', '0123456789']) {
      expect(error.message).not.toContain(piece);
      expect(String(error.stack)).not.toContain(piece);
      expect(error.cause).toBeUndefined();
    }
  });

  it('concurrent callers share one read', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'shared' });
    const keys = provider();
    await Promise.all([keys.sinchApiKey(), keys.sinchApiKey(), keys.sinchApiKey()]);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('passes a missing secret up, and does not cache the failure', async () => {
    sm.on(GetSecretValueCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: 'no such secret', $metadata: {} }))
      .resolves({ SecretString: 'later' });
    const keys = provider();
    await expect(keys.sinchApiKey()).rejects.toThrow('no such secret');
    expect(await keys.sinchApiKey()).toBe('later');
  });
});

describe('SecretsManagerPostbackTokens', () => {
  it('reads AWSCURRENT and, during a rotation, AWSPREVIOUS; caches for 5 minutes', async () => {
    sm.on(GetSecretValueCommand, { VersionStage: 'AWSCURRENT' })
      .resolvesOnce({ SecretString: 'token-one-0123456789' })
      .resolves({ SecretString: 'token-two-0123456789' });
    sm.on(GetSecretValueCommand, { VersionStage: 'AWSPREVIOUS' })
      .rejectsOnce(notFound())
      .resolves({ SecretString: 'token-one-0123456789' });
    const source = postbackTokens();
    expect(await source.tokens()).toEqual(['token-one-0123456789']);
    nowMs += 299_000;
    expect(await source.tokens()).toEqual(['token-one-0123456789']);
    nowMs += 1_000;
    expect(await source.tokens()).toEqual(['token-two-0123456789', 'token-one-0123456789']);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(4);
  });

  it('refuses a token shorter than 16 characters, and does not cache failures', async () => {
    sm.on(GetSecretValueCommand, { VersionStage: 'AWSCURRENT' })
      .resolvesOnce({ SecretString: 'short' })
      .resolves({ SecretString: 'long-enough-token-123' });
    sm.on(GetSecretValueCommand, { VersionStage: 'AWSPREVIOUS' }).rejects(notFound());
    const source = postbackTokens();
    await expect(source.tokens()).rejects.toThrow(/at least 16 characters/);
    expect(await source.tokens()).toEqual(['long-enough-token-123']);
  });

  it('passes up any other error of the previous version (not silently accepting fewer tokens)', async () => {
    sm.on(GetSecretValueCommand, { VersionStage: 'AWSCURRENT' }).resolves({
      SecretString: 'token-0123456789abc',
    });
    sm.on(GetSecretValueCommand, { VersionStage: 'AWSPREVIOUS' }).rejects(new Error('throttled'));
    await expect(postbackTokens().tokens()).rejects.toThrow('throttled');
  });
});
