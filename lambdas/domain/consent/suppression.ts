/**
 * The suppression list: recipients a team may not send to, per sender or team-wide, each with why (`keyword`:
 * the recipient answered STOP; `E114`: Sinch reported the number blacklisted; `manual`: the team or an operator
 * added it), where it came from and when. Checked by accept (refusing the request) and again by the send worker
 * just before it calls Sinch (failing the message), so an opt-out always wins over a waiting message.
 */
import type { Violation } from '../sinch/error-codes';

export type SuppressionReason = 'keyword' | 'E114' | 'manual';
export const SUPPRESSION_REASONS: readonly SuppressionReason[] = ['keyword', 'E114', 'manual'];

/** The `sender` of a team-wide entry: it stops every sender of the team. */
export const ALL_SENDERS = '*';

export interface SuppressionEntry {
  readonly teamId: string;
  readonly recipient: string;
  /** A sender of the team, or `*` for all of them. */
  readonly sender: string;
  readonly reason: SuppressionReason;
  /** Where it came from: `mo:<Sinch tracking-id>`, `message:<tracking-id>`, `api`, `csv:<file>`, … */
  readonly source: string;
  /** When it was added (ISO 8601). */
  readonly createdAt: string;
}

export interface SuppressionPage {
  readonly entries: readonly SuppressionEntry[];
  /** Opaque; pass it back as `cursor` for the next page. Absent on the last page. */
  readonly cursor?: string;
}

export interface SuppressionStore {
  /** The entries (the sender's own and team-wide ones) that stop `sender` from sending to any of `recipients`. */
  find(teamId: string, sender: string, recipients: readonly string[]): Promise<SuppressionEntry[]>;
  /** Adds or replaces the entry of (team, recipient, sender). */
  put(entry: SuppressionEntry): Promise<void>;
  /**
   * Removes the entry of (team, recipient, sender), only if its reason is `onlyReason` when given; the removed
   * entry, or undefined when none was removed.
   */
  remove(
    teamId: string,
    recipient: string,
    sender: string,
    options?: { readonly onlyReason?: SuppressionReason },
  ): Promise<SuppressionEntry | undefined>;
  /** The team's entries by recipient, optionally only those of one sender (team-wide ones included). */
  list(
    teamId: string,
    options: { readonly sender?: string; readonly limit: number; readonly cursor?: string },
  ): Promise<SuppressionPage>;
}

/** Human text for one entry (shown to the team that owns it: numbers in full). */
export const describeEntry = (entry: SuppressionEntry): string =>
  `${entry.recipient} is suppressed for ${entry.sender === ALL_SENDERS ? 'every sender of the team' : `sender ${entry.sender}`} (${entry.reason}, since ${entry.createdAt})`;

/**
 * One `GW-RECIPIENT-OPTED-OUT` violation per suppressed recipient of a send from `sender` (all of a group at
 * once). `paths` gives each recipient's field path (`to`, or `to[i]` in a group).
 */
export async function suppressionViolations(
  store: SuppressionStore,
  teamId: string,
  sender: string,
  recipients: readonly { readonly to: string; readonly path: string }[],
): Promise<Violation[]> {
  const found = await store.find(
    teamId,
    sender,
    recipients.map((r) => r.to),
  );
  return recipients.flatMap(({ to, path }) => {
    const entry = found.find((e) => e.recipient === to);
    return entry ? [{ code: 'GW-RECIPIENT-OPTED-OUT' as const, path, message: describeEntry(entry) }] : [];
  });
}

/** What the send worker asks just before it calls Sinch, and tells after Sinch answered E114. */
export interface SendConsent {
  /** Why `sender` may no longer send to `recipient`, or undefined when it may. */
  blockedBy(teamId: string, sender: string, recipient: string): Promise<string | undefined>;
  /** Sinch refused the recipient as blacklisted (E114): suppress them team-wide. */
  blacklisted(teamId: string, recipient: string, messageId: string, at: Date): Promise<void>;
}

export function sendConsent(store: SuppressionStore): SendConsent {
  return {
    async blockedBy(teamId, sender, recipient) {
      const [entry] = await store.find(teamId, sender, [recipient]);
      return entry ? describeEntry(entry) : undefined;
    },
    async blacklisted(teamId, recipient, messageId, at) {
      await store.put({
        teamId,
        recipient,
        sender: ALL_SENDERS,
        reason: 'E114',
        source: `message:${messageId}`,
        createdAt: at.toISOString(),
      });
    },
  };
}
