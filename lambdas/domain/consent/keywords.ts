/**
 * Consent keywords of inbound messages (CTIA): case-insensitive, read from the MO's `keyword` field, or else from
 * the first word of its text. The lists are configuration (CONSENT_KEYWORDS) with these defaults.
 */

export interface KeywordLists {
  /** Opt the recipient out of the sender they wrote to. */
  readonly optOut: readonly string[];
  /** Opt the recipient out of every sender of the team. */
  readonly optOutAll: readonly string[];
  /** Opt the recipient back in (removes their keyword opt-outs for that sender and team-wide). */
  readonly optIn: readonly string[];
  /** Only published: the team answers. */
  readonly help: readonly string[];
}

export const DEFAULT_KEYWORDS: KeywordLists = {
  optOut: ['STOP', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'OPTOUT', 'REVOKE'],
  optOutAll: ['STOPALL'],
  optIn: ['START', 'UNSTOP', 'YES'],
  help: ['HELP', 'INFO'],
};

export type KeywordAction = 'opt-out' | 'opt-out-all' | 'opt-in' | 'help' | 'none';

export interface KeywordMatch {
  readonly action: KeywordAction;
  /** The word that was matched against the lists (upper case), if there was one. */
  readonly keyword?: string;
}

const firstWord = (text: string | undefined): string | undefined =>
  text
    ?.trim()
    .split(/\s+/, 1)[0]
    ?.replace(/[^\p{L}\p{N}]+$/u, '') || undefined;

/** What an inbound message asks for: the `keyword` field wins, else the first word of the text. */
export function keywordAction(
  keyword: string | undefined,
  text: string | undefined,
  lists: KeywordLists = DEFAULT_KEYWORDS,
): KeywordMatch {
  const word = (firstWord(keyword) ?? firstWord(text))?.toUpperCase();
  if (word === undefined) return { action: 'none' };
  const has = (list: readonly string[]) => list.some((k) => k.toUpperCase() === word);
  const action: KeywordAction = has(lists.optOutAll)
    ? 'opt-out-all'
    : has(lists.optOut)
      ? 'opt-out'
      : has(lists.optIn)
        ? 'opt-in'
        : has(lists.help)
          ? 'help'
          : 'none';
  return { action, keyword: word };
}
