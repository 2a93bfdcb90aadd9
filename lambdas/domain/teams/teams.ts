/**
 * Team API keys: only a SHA-256 hash of each key is stored; the key itself is shown once, when it is made.
 */
import type { TeamDirectory, Team } from './ports';
import { createHash, randomBytes } from 'node:crypto';
import { readTeamSettings } from '../privacy/settings';

export const hashApiKey = (apiKey: string): string =>
  createHash('sha256').update(apiKey, 'utf8').digest('hex');

/** A new key: `mgw_` + 32 random bytes, base64url. */
export const generateApiKey = (): string => `mgw_${randomBytes(32).toString('base64url')}`;

export type AuthDecision =
  | { readonly kind: 'allow'; readonly team: Team }
  | { readonly kind: 'unauthorized' }
  | { readonly kind: 'forbidden'; readonly teamId: string };

/** Missing or unknown key: unauthorized (401 E104). A revoked team's key: forbidden (403 E104). */
export async function authenticate(
  directory: TeamDirectory,
  apiKey: string | undefined,
): Promise<AuthDecision> {
  if (!apiKey) return { kind: 'unauthorized' };
  const team = await directory.findByKeyHash(hashApiKey(apiKey));
  if (!team) return { kind: 'unauthorized' };
  if (team.revoked) return { kind: 'forbidden', teamId: team.id };
  return { kind: 'allow', team };
}

/** The team as the authorizer passes it to route handlers (API Gateway context values are strings). */
export interface TeamContext {
  readonly teamId: string;
  readonly allowedSenders: string;
  readonly perSecond: number;
  readonly perDay: number;
  /** `timeZone|start|end`, or empty. */
  readonly quietHours: string;
  /** Media and privacy settings (privacy/settings.ts); empty = defaults. */
  readonly mediaCheck?: string;
  readonly retentionDays?: number;
  readonly fullNumbersInEvents?: string;
}

export const teamToContext = (team: Team): TeamContext => ({
  teamId: team.id,
  allowedSenders: team.allowedSenders.join(','),
  perSecond: team.limits.perSecond,
  perDay: team.limits.perDay,
  quietHours: team.quietHours
    ? `${team.quietHours.timeZone}|${team.quietHours.start}|${team.quietHours.end}`
    : '',
  ...(team.mediaCheck ? { mediaCheck: team.mediaCheck } : {}),
  ...(team.retentionDays ? { retentionDays: team.retentionDays } : {}),
  ...(team.fullNumbersInEvents ? { fullNumbersInEvents: 'true' } : {}),
});

export function teamFromContext(context: Record<string, unknown> | null | undefined): Team | undefined {
  const teamId = context?.teamId;
  if (typeof teamId !== 'string' || teamId.length === 0) return undefined;
  const senders = typeof context?.allowedSenders === 'string' ? context.allowedSenders : '';
  const [timeZone, start, end] = typeof context?.quietHours === 'string' ? context.quietHours.split('|') : [];
  return {
    id: teamId,
    allowedSenders: senders ? senders.split(',') : [],
    limits: { perSecond: Number(context?.perSecond), perDay: Number(context?.perDay) },
    revoked: false,
    ...(timeZone && start && end ? { quietHours: { timeZone, start, end } } : {}),
    ...readTeamSettings(context),
  };
}
