/**
 * The documented revocation bound (docs/security.md): a revoked key is refused within 2 × authCacheSeconds —
 * API Gateway's authorizer cache (authCacheSeconds) plus the authorizer's own cache, which caches misses too.
 */
import { describe, expect, it } from 'vitest';
import type { Team, TeamDirectory } from '../../../lambdas/domain/teams/ports';
import { authenticate, hashApiKey } from '../../../lambdas/domain/teams/teams';

process.env.TEAMS_TABLE = 'unused';
const { cachedDirectory } = await import('../../../lambdas/handlers/authorizer');

const team: Team = {
  id: 'alpha',
  allowedSenders: ['15550001000'],
  limits: { perSecond: 1, perDay: 1 },
  revoked: false,
};

describe('revocation bound', () => {
  it("the authorizer's own cache keeps a decision at most authCacheSeconds, misses included", async () => {
    const authCacheSeconds = 60;
    let nowMs = 0;
    let stored: Team | undefined = team;
    const table: TeamDirectory = { findByKeyHash: () => Promise.resolve(stored) };
    const directory = cachedDirectory(table, authCacheSeconds * 1000, () => nowMs);
    const key = 'mgw_key';
    expect((await authenticate(directory, key)).kind).toBe('allow');

    stored = { ...team, revoked: true }; // npm run teams -- revoke alpha
    nowMs = authCacheSeconds * 1000 - 1;
    expect((await authenticate(directory, key)).kind).toBe('allow'); // still cached
    nowMs = authCacheSeconds * 1000;
    expect((await authenticate(directory, key)).kind).toBe('forbidden');

    // A miss is cached as long: a key added (or restored) right after a miss works after at most the TTL.
    stored = undefined;
    nowMs += authCacheSeconds * 1000;
    expect((await authenticate(directory, 'mgw_new')).kind).toBe('unauthorized');
    stored = team;
    nowMs += authCacheSeconds * 1000 - 1;
    expect((await directory.findByKeyHash(hashApiKey('mgw_new')))?.id).toBeUndefined();
    nowMs += 1;
    expect((await directory.findByKeyHash(hashApiKey('mgw_new')))?.id).toBe('alpha');
  });
});
