import type { HistoryEntry } from './ports';

/** A history entry as the API shows it (kebab-case, like every other field). */
export function historyView(h: HistoryEntry): Record<string, unknown> {
  const { sentAs, eventTime, ...rest } = h;
  return {
    ...rest,
    ...(sentAs ? { 'sent-as': sentAs } : {}),
    ...(eventTime ? { 'event-time': eventTime } : {}),
  };
}
