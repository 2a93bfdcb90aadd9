/**
 * The fault campaign's oracle: a pure function over evidence gathered from OUTSIDE the gateway as well as from
 * it, so that "0 lost" cannot be claimed by the gateway's own table alone. For every planned message, all of these
 * must agree:
 * - the plan: the state its destination number prescribes (and, for some, the error code);
 * - the Sinch simulator's request log: how many times Sinch accepted a request carrying its client-reference —
 *   exactly once, or more only where the gateway recorded a retry after an ambiguous timeout; none where the plan
 *   says Sinch refuses it at once; and the Sinch tracking-id the gateway stored is one Sinch gave out for it;
 * - the simulator's postbacks (logged on their way to the gateway): the final code Sinch reported for those
 *   tracking-ids is the one the expected state means;
 * - the gateway's final state.
 * A message on the DLQ is a finding unless the plan says it may dead-letter; a request log that dropped entries
 * (it is bounded) fails the run, as does planned chaos that did not happen. Unit-tested with crafted evidence in
 * test/unit/campaign-oracle.test.ts.
 */

/** The final postback codes of the Sinch MMS API and the state each means (written here, not imported). */
export const FINAL_CODES: Readonly<Record<string, string>> = {
  N102: 'delivered',
  N202: 'delivered-as-sms',
  E102: 'rejected',
  E101: 'failed',
  N103: 'expired',
};
const TERMINAL = new Set(['delivered', 'delivered-as-sms', 'rejected', 'failed', 'expired', 'canceled']);
export const AMBIGUOUS_RETRY = 'retry-after-ambiguous-timeout';

export interface PlannedMessage {
  readonly ref: string;
  readonly category: string;
  readonly state: string;
  readonly lastErrorCode?: string;
  /** Sinch refuses it at once (a permanent error): never accepted, no postbacks. */
  readonly refusedBySinch?: boolean;
  /** A planned fault that must dead-letter it. None in the default campaign. */
  readonly mayDeadLetter?: boolean;
}

export interface GatewayMessage {
  readonly id: string;
  readonly state: string;
  readonly clientReference?: string;
  readonly lastErrorCode?: string;
  readonly sinchTrackingId?: string;
  readonly history: ReadonlyArray<{ readonly event: string }>;
}

export interface Evidence {
  readonly planned: readonly PlannedMessage[];
  /** client-reference → the tracking-id the gateway answered 202 with (absent: never accepted). */
  readonly reported: ReadonlyMap<string, string>;
  readonly messages: readonly GatewayMessage[];
  /** Message ids on the send DLQ. */
  readonly dlq: ReadonlySet<string>;
  /** The simulator's request log: accepted sends with their client-reference and the tracking-id Sinch gave. */
  readonly sinchAccepted: ReadonlyArray<{ readonly ref: string; readonly trackingId: string }>;
  /** How many entries the request log holds, and how many requests the simulator counted. */
  readonly sinchLogLength: number;
  readonly sinchRequestTotal: number;
  /** Postbacks the simulator sent (as logged on their way to the gateway). */
  readonly postbacks: ReadonlyArray<{ readonly trackingId: string; readonly code: string }>;
  readonly chaosPlanned: Readonly<Record<string, number>>;
  readonly chaosDone: Readonly<Record<string, number>>;
}

export interface OracleFinding {
  readonly ref: string;
  readonly category: string;
  readonly id?: string;
  readonly detail: string;
}

export interface Verdict {
  /** Accepted (202) or created, but not terminal. */
  readonly lost: OracleFinding[];
  /** Gateway state (or error code) other than the plan's. */
  readonly mismatches: OracleFinding[];
  /** More accepted sends at Sinch than 1 + recorded ambiguous retries. */
  readonly unexplainedDuplicates: OracleFinding[];
  /** Terminal at the gateway, but Sinch's log disagrees: never accepted, accepted when it should not have been,
   * or the stored Sinch tracking-id is not one Sinch gave for it. */
  readonly sinchDisagrees: OracleFinding[];
  /** The final postback Sinch sent does not mean the plan's state (or none was sent). */
  readonly postbackDisagrees: OracleFinding[];
  /** On the DLQ without a planned fault that explains it. */
  readonly unexplainedDlq: OracleFinding[];
  /** Messages created for a planned request whose caller never got their tracking-id. */
  unreported: number;
  duplicatesAtSinch: number;
  duplicatesExplained: number;
  /** Non-empty when the simulator's request log dropped entries. */
  readonly logTruncated: string[];
  /** Planned chaos that did not happen. */
  readonly chaosMissing: string[];
}

export const verdictOk = (v: Verdict): boolean =>
  v.lost.length === 0 &&
  v.mismatches.length === 0 &&
  v.unexplainedDuplicates.length === 0 &&
  v.sinchDisagrees.length === 0 &&
  v.postbackDisagrees.length === 0 &&
  v.unexplainedDlq.length === 0 &&
  v.unreported === 0 &&
  v.logTruncated.length === 0 &&
  v.chaosMissing.length === 0;

const group = <T, K>(items: readonly T[], key: (item: T) => K | undefined): Map<K, T[]> => {
  const out = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k !== undefined) out.set(k, [...(out.get(k) ?? []), item]);
  }
  return out;
};

/** Judges the evidence; pure. */
export function judge(e: Evidence): Verdict {
  const verdict: Verdict = {
    lost: [],
    mismatches: [],
    unexplainedDuplicates: [],
    sinchDisagrees: [],
    postbackDisagrees: [],
    unexplainedDlq: [],
    unreported: 0,
    duplicatesAtSinch: 0,
    duplicatesExplained: 0,
    logTruncated: [],
    chaosMissing: [],
  };
  if (e.sinchLogLength !== e.sinchRequestTotal) {
    verdict.logTruncated.push(
      `the simulator's request log holds ${e.sinchLogLength} of ${e.sinchRequestTotal} requests: raise requestLogLimit`,
    );
  }
  for (const [kind, planned] of Object.entries(e.chaosPlanned)) {
    const done = e.chaosDone[kind] ?? 0;
    if (done < planned) verdict.chaosMissing.push(`${kind}: ${done} of ${planned} planned`);
  }

  const messagesByRef = group(e.messages, (m) => m.clientReference);
  const messagesById = new Map(e.messages.map((m) => [m.id, m]));
  const acceptedByRef = group(e.sinchAccepted, (a) => a.ref);
  const postbacksByTrackingId = group(e.postbacks, (p) => p.trackingId);

  for (const p of e.planned) {
    const finding = (id: string | undefined, detail: string): OracleFinding => ({
      ref: p.ref,
      category: p.category,
      ...(id === undefined ? {} : { id }),
      detail,
    });
    const reportedId = e.reported.get(p.ref);
    const messages = messagesByRef.get(p.ref) ?? [];
    if (reportedId !== undefined && !messagesById.has(reportedId)) {
      verdict.lost.push(finding(reportedId, 'answered 202 but no record'));
    }
    verdict.unreported += messages.filter((m) => m.id !== reportedId).length;

    // Sinch's side, per request (a client-reference is unique to one planned request).
    const accepted = acceptedByRef.get(p.ref) ?? [];
    const ambiguous = messages.flatMap((m) => m.history).filter((h) => h.event === AMBIGUOUS_RETRY).length;
    if (accepted.length > 1) {
      const extra = accepted.length - 1;
      verdict.duplicatesAtSinch += extra;
      verdict.duplicatesExplained += Math.min(extra, ambiguous);
      if (extra > ambiguous) {
        verdict.unexplainedDuplicates.push(
          finding(
            messages[0]?.id,
            `${accepted.length} accepted at Sinch, ${ambiguous} ambiguous retries recorded`,
          ),
        );
      }
    }
    const sinchIds = new Set(accepted.map((a) => a.trackingId));
    const finalCodes = new Set(
      [...sinchIds]
        .flatMap((id) => (postbacksByTrackingId.get(id) ?? []).map((pb) => pb.code))
        .filter((c) => c in FINAL_CODES),
    );

    for (const m of messages) {
      if (!TERMINAL.has(m.state)) {
        verdict.lost.push(finding(m.id, `still ${m.state}${e.dlq.has(m.id) ? ' (on the DLQ)' : ''}`));
        continue;
      }
      if (e.dlq.has(m.id) && !p.mayDeadLetter) {
        verdict.unexplainedDlq.push(finding(m.id, `dead-lettered (${m.state}) without a planned fault`));
      }
      const codeOk = p.lastErrorCode === undefined || m.lastErrorCode === p.lastErrorCode;
      if (m.state !== p.state || !codeOk) {
        verdict.mismatches.push(
          finding(
            m.id,
            `expected ${p.state}${p.lastErrorCode ? `/${p.lastErrorCode}` : ''}, got ${m.state}${m.lastErrorCode ? `/${m.lastErrorCode}` : ''}`,
          ),
        );
      }
      if (p.refusedBySinch) {
        if (accepted.length > 0)
          verdict.sinchDisagrees.push(finding(m.id, `Sinch accepted it ${accepted.length} time(s)`));
        continue;
      }
      if (accepted.length === 0) {
        verdict.sinchDisagrees.push(finding(m.id, `${m.state} at the gateway, never accepted at Sinch`));
        continue;
      }
      if (m.sinchTrackingId === undefined || !sinchIds.has(m.sinchTrackingId)) {
        verdict.sinchDisagrees.push(
          finding(
            m.id,
            `stored Sinch tracking-id ${m.sinchTrackingId ?? '(none)'} is not one Sinch gave for it`,
          ),
        );
      }
      const meant = [...finalCodes].map((c) => FINAL_CODES[c]);
      if (meant.length === 0 || meant.some((s) => s !== p.state || s !== m.state)) {
        verdict.postbackDisagrees.push(
          finding(
            m.id,
            `final postbacks from Sinch: ${[...finalCodes].join(', ') || 'none'}; plan: ${p.state}`,
          ),
        );
      }
    }
  }
  return verdict;
}
