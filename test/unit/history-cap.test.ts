/** The history cap: the first and the latest entries are kept, the dropped ones are counted. */
import { describe, expect, it } from 'vitest';
import {
  appendCapped,
  droppedHistoryEntries,
  HISTORY_TRIMMED_EVENT,
} from '../../lambdas/domain/messages/history-cap';
import type { HistoryEntry } from '../../lambdas/domain/messages/ports';

const entry = (n: number): HistoryEntry => ({ at: new Date(n * 1000).toISOString(), event: `e${n}` });
const cap = { maxEntries: 6, keepFirst: 2 };

describe('appendCapped', () => {
  it('appends below the cap', () => {
    expect(appendCapped([entry(1)], entry(2), cap)).toEqual([entry(1), entry(2)]);
  });

  it('at the cap keeps the first and latest entries and counts the dropped ones across trims', () => {
    let history: HistoryEntry[] = [];
    for (let n = 1; n <= 20; n++) history = appendCapped(history, entry(n), cap);
    expect(history).toHaveLength(6);
    expect(history.map((h) => h.event)).toEqual(['e1', 'e2', HISTORY_TRIMMED_EVENT, 'e18', 'e19', 'e20']);
    expect(droppedHistoryEntries(history, cap)).toBe(15); // e3..e17
    expect(history[2]).toMatchObject({ code: '15', at: entry(20).at });
  });
});
