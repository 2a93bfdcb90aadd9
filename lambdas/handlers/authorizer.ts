/**
 * The API Gateway Lambda REQUEST authorizer of the ingest API (locally, the front end calls it before each
 * route, as API Gateway does). It resolves `x-api-key` to a team through the teams table and passes the team
 * to the routes in the authorizer context. Lookups (misses too) are cached in the container for
 * authCacheSeconds, on top of API Gateway's authorizer cache of the same TTL: a revoked key stops working within
 * 2 × authCacheSeconds (120 s by default; docs/security.md).
 */
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { authenticate, hashApiKey, teamToContext } from '../domain/teams/teams';
import type { TeamDirectory, Team } from '../domain/teams/ports';
import { dynamo } from '../adapters/aws-clients';
import { loadConfig } from '../adapters/config';
import { DynamoTeams } from '../adapters/dynamo-teams';
import { logger } from './observability';

const config = loadConfig(['teamsTable', 'authCacheSeconds']);

/** A directory that remembers each lookup (including misses) for `ttlMs`. */
export function cachedDirectory(
  directory: TeamDirectory,
  ttlMs: number,
  now = () => Date.now(),
): TeamDirectory {
  const cache = new Map<string, { team: Team | undefined; expiresAtMs: number }>();
  return {
    async findByKeyHash(keyHash) {
      const hit = cache.get(keyHash);
      if (hit && hit.expiresAtMs > now()) return hit.team;
      const team = await directory.findByKeyHash(keyHash);
      if (cache.size > 10_000) cache.clear();
      cache.set(keyHash, { team, expiresAtMs: now() + ttlMs });
      return team;
    },
  };
}

const directory = cachedDirectory(
  new DynamoTeams(dynamo(), config.teamsTable),
  config.authCacheSeconds * 1000,
);

const policy = (
  principalId: string,
  effect: 'Allow' | 'Deny',
  resource: string,
  context?: APIGatewayAuthorizerResult['context'],
): APIGatewayAuthorizerResult => ({
  principalId,
  policyDocument: {
    Version: '2012-10-17',
    Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }],
  },
  ...(context ? { context } : {}),
});

/** The policy covers every method of the API, so API Gateway's authorizer cache can serve any route. */
const apiWideArn = (methodArn: string): string => {
  const [arn, stage] = methodArn.split('/');
  return `${arn}/${stage}/*`;
};

export const handler = async (
  event: APIGatewayRequestAuthorizerEvent,
): Promise<APIGatewayAuthorizerResult> => {
  const apiKey = Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === 'x-api-key')?.[1];
  const decision = await authenticate(directory, apiKey ?? undefined);
  switch (decision.kind) {
    case 'allow':
      return policy(decision.team.id, 'Allow', apiWideArn(event.methodArn), {
        ...teamToContext(decision.team),
      });
    case 'forbidden':
      logger.warn('key of a revoked team refused', {
        teamId: decision.teamId,
        keyHashPrefix: hashApiKey(apiKey ?? '').slice(0, 8),
      });
      return policy(decision.teamId, 'Deny', apiWideArn(event.methodArn));
    case 'unauthorized':
      // API Gateway answers 401 (the UNAUTHORIZED gateway response) when an authorizer throws 'Unauthorized'.
      throw new Error('Unauthorized');
  }
};
