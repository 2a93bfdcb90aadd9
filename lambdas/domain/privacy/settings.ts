/**
 * A team's media and privacy settings, as the teams CLI sets them (`npm run teams -- settings <team>
 * media-check=enforce retention-days=30 full-numbers-in-events=false`) and the teams table stores them.
 */
import { isMediaCheckMode, MEDIA_CHECK_MODES, type MediaCheckMode } from '../media/preflight';
import { isRetentionDays, MAX_RETENTION_DAYS, MIN_RETENTION_DAYS } from './retention';

export interface TeamSettings {
  readonly mediaCheck?: MediaCheckMode;
  readonly retentionDays?: number;
  readonly fullNumbersInEvents?: boolean;
}

export const SETTING_NAMES = ['media-check', 'retention-days', 'full-numbers-in-events'] as const;

/** Parses `name=value` pairs; throws an Error naming the bad one. */
export function parseTeamSettings(pairs: readonly string[]): TeamSettings {
  const out: { -readonly [K in keyof TeamSettings]: TeamSettings[K] } = {};
  for (const pair of pairs) {
    const [name, value = ''] = pair.split('=', 2);
    if (name === 'media-check') {
      if (!isMediaCheckMode(value))
        throw new Error(`media-check must be one of ${MEDIA_CHECK_MODES.join(', ')}`);
      out.mediaCheck = value;
    } else if (name === 'retention-days') {
      const days = Number(value);
      if (!/^\d+$/.test(value) || !isRetentionDays(days)) {
        throw new Error(
          `retention-days must be a whole number from ${MIN_RETENTION_DAYS} to ${MAX_RETENTION_DAYS}`,
        );
      }
      out.retentionDays = days;
    } else if (name === 'full-numbers-in-events') {
      if (value !== 'true' && value !== 'false')
        throw new Error('full-numbers-in-events must be true or false');
      out.fullNumbersInEvents = value === 'true';
    } else {
      throw new Error(`unknown setting ${name ?? ''}; known: ${SETTING_NAMES.join(', ')}`);
    }
  }
  return out;
}

/** Settings as read back from storage or the authorizer context: anything invalid is ignored (defaults apply). */
export function readTeamSettings(raw: Record<string, unknown> | null | undefined): TeamSettings {
  const mediaCheck = raw?.mediaCheck;
  const retentionDays = Number(raw?.retentionDays);
  const full = raw?.fullNumbersInEvents;
  return {
    ...(isMediaCheckMode(mediaCheck) ? { mediaCheck } : {}),
    ...(isRetentionDays(retentionDays) ? { retentionDays } : {}),
    ...(full === true || full === 'true' ? { fullNumbersInEvents: true } : {}),
  };
}
