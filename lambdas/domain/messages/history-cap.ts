/**
 * A message's (or template's) history is capped, so a flood of postbacks or webhook events cannot push the item
 * to DynamoDB's 400 KB limit (after which every update of it would fail). At the cap the first entries (how the
 * message started) and the latest ones are kept; one `history-trimmed` entry between them counts the dropped.
 */
import type { HistoryEntry } from './ports';

export interface HistoryCap {
  /** Most entries a history holds (the trimmed marker included). */
  readonly maxEntries: number;
  /** Entries from the start that are always kept. */
  readonly keepFirst: number;
}

/** About 100 entries of at most a few hundred bytes each: well under 400 KB with the largest request. */
export const DEFAULT_HISTORY_CAP: HistoryCap = { maxEntries: 100, keepFirst: 10 };

export const HISTORY_TRIMMED_EVENT = 'history-trimmed';

const droppedIn = (entry: HistoryEntry | undefined): number =>
  entry?.event === HISTORY_TRIMMED_EVENT ? Number(entry.code ?? 0) || 0 : 0;

/** How many entries were dropped from `history` so far (0 when it was never trimmed). */
export const droppedHistoryEntries = (history: readonly HistoryEntry[], cap = DEFAULT_HISTORY_CAP): number =>
  droppedIn(history[cap.keepFirst]);

/**
 * `history` with `entry` appended, trimmed to `cap.maxEntries`: the first `keepFirst` entries, a
 * `history-trimmed` entry whose `code` is the total number of entries dropped, and the latest entries.
 */
export function appendCapped(
  history: readonly HistoryEntry[],
  entry: HistoryEntry,
  cap: HistoryCap = DEFAULT_HISTORY_CAP,
): HistoryEntry[] {
  if (history.length + 1 <= cap.maxEntries) return [...history, entry];
  const first = history.slice(0, cap.keepFirst);
  const marker = history[cap.keepFirst];
  const before = droppedIn(marker);
  const rest = [...history.slice(cap.keepFirst + (before > 0 ? 1 : 0)), entry];
  const tail = rest.slice(rest.length - (cap.maxEntries - cap.keepFirst - 1));
  const dropped = before + rest.length - tail.length;
  return [
    ...first,
    {
      at: entry.at,
      event: HISTORY_TRIMMED_EVENT,
      code: String(dropped),
      detail: `${dropped} entries dropped (the first ${cap.keepFirst} and the latest are kept)`,
    },
    ...tail,
  ];
}
