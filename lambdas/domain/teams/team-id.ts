/**
 * The one rule for team ids, shared by the stage config and the teams CLI: 1-64 characters of a-z, 0-9, `_`
 * and `-`, starting with a letter or digit. No `#`, so keys such as `idem#<team>#<key>` stay unambiguous.
 */
export const TEAM_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const TEAM_ID_RULE = 'must be 1-64 characters of a-z, 0-9, _ and -';

export const isValidTeamId = (id: string): boolean => TEAM_ID_PATTERN.test(id);
