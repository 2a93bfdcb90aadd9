/**
 * Inbound messages (Sinch MO postbacks, `origin` MMS_MO / `code` N401): read and checked on the postback
 * listener, stored raw like every postback, then handled here from the stream. Each goes to every team that
 * owns the `to` sender (none: parked as ignored; several: each gets it, docs/decisions/0014): consent keywords
 * change the team's suppression list, and an `mms.inbound-received` event is published for the team's webhook.
 * Content URLs are passed through, never fetched.
 */
import { maskNumber } from '../sinch/phone';
import type { EventPublisher } from '../postbacks/ports';
import { keywordAction, type KeywordLists, type KeywordMatch } from './keywords';
import { ALL_SENDERS, type SuppressionStore } from './suppression';

export const INBOUND_RECEIVED = 'mms.inbound-received';
export const MO_CODE = 'N401';
export const MO_ORIGIN = 'MMS_MO';

export interface InboundMessage {
  /** The recipient who wrote. */
  readonly from: string;
  /** Our sender they wrote to. */
  readonly to: string;
  readonly copyTo: readonly string[];
  readonly keyword?: string;
  readonly text?: string;
  readonly subject?: string;
  readonly trackingId: string;
  readonly operatorId?: string;
  readonly timestamp?: string;
  /** Media URLs hosted by Sinch for a limited time. */
  readonly content: readonly string[];
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether a postback body is an inbound message (as opposed to a delivery or template postback). */
export const isInboundPostback = (body: Record<string, unknown>): boolean =>
  body.origin === MO_ORIGIN || body.code === MO_CODE;

const NUMBER = /^[0-9]{5,15}$/;
const MAX_TEXT = 5000;

/** Reads an MO postback; a problem (for a 400 answer) when it cannot be an inbound message. */
export function readInbound(
  body: Record<string, unknown>,
): { ok: true; message: InboundMessage } | { ok: false; problem: string } {
  const text = (key: string, max = 1024): string | undefined | null => {
    const v = body[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number') return String(v);
    return typeof v === 'string' && v.length <= max ? v : null;
  };
  const from = text('from');
  const to = text('to');
  const trackingId = text('tracking-id') ?? text('trackingid');
  if (!from || !NUMBER.test(from)) return { ok: false, problem: 'from must be a phone number' };
  if (!to || !NUMBER.test(to)) return { ok: false, problem: 'to must be a phone number or short code' };
  if (!trackingId) return { ok: false, problem: 'tracking-id is required' };
  const fields = {
    keyword: text('keyword'),
    text: text('text', MAX_TEXT),
    subject: text('message-subject'),
    operatorId: text('operator-id'),
    timestamp: text('timestamp'),
  };
  const bad = Object.entries(fields).find(([, v]) => v === null);
  if (bad) return { ok: false, problem: `${bad[0]} must be a short string` };
  const copyTo = body['copy-to'] ?? [];
  const content = body.content ?? [];
  if (!Array.isArray(copyTo) || !copyTo.every((c) => isRecord(c) && typeof c.number === 'string')) {
    return { ok: false, problem: 'copy-to must be an array of { "number": … }' };
  }
  if (!Array.isArray(content) || !content.every((c) => isRecord(c) && typeof c.file === 'string')) {
    return { ok: false, problem: 'content must be an array of { "file": URL }' };
  }
  const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => typeof v === 'string'));
  return {
    ok: true,
    message: {
      from,
      to,
      trackingId,
      copyTo: copyTo.map((c) => String((c as Record<string, unknown>).number)),
      content: content.map((c) => String((c as Record<string, unknown>).file)),
      ...(defined as Partial<InboundMessage>),
    },
  };
}

/** A team that owns a sender, with its inbound settings. */
export interface InboundTeam {
  readonly id: string;
  /** The team's config asks for full numbers in its inbound events (default: masked). */
  readonly fullNumbers: boolean;
}

export interface SenderOwners {
  /** Every team whose allowed senders include `sender`. */
  teamsOwning(sender: string): Promise<InboundTeam[]>;
}

export interface InboundDeps {
  readonly owners: SenderOwners;
  readonly suppressions: SuppressionStore;
  readonly events: EventPublisher;
  readonly keywords: KeywordLists;
  readonly now: () => Date;
}

export type InboundResult =
  | { readonly state: 'applied'; readonly teams: number; readonly action: KeywordMatch['action'] }
  | { readonly state: 'ignored'; readonly detail: string };

/** Handles one stored MO postback (`ref` = its storage key); idempotent, so a redelivered record is harmless. */
export function handleInbound(deps: InboundDeps) {
  return async (body: Record<string, unknown>, ref: string): Promise<InboundResult> => {
    const read = readInbound(body);
    if (!read.ok) return { state: 'ignored', detail: `inbound: ${read.problem}` };
    const message = read.message;
    const teams = await deps.owners.teamsOwning(message.to);
    if (teams.length === 0) return { state: 'ignored', detail: 'inbound: no team owns the to sender' };
    const match = keywordAction(message.keyword, message.text, deps.keywords);
    for (const team of teams) {
      await applyKeyword(deps, team.id, message, match);
      await deps.events.publish(INBOUND_RECEIVED, inboundDetail(team, message, match, ref));
    }
    return { state: 'applied', teams: teams.length, action: match.action };
  };
}

async function applyKeyword(
  deps: InboundDeps,
  teamId: string,
  message: InboundMessage,
  match: KeywordMatch,
): Promise<void> {
  const source = `mo:${message.trackingId}`;
  const createdAt =
    message.timestamp && !Number.isNaN(Date.parse(message.timestamp))
      ? new Date(message.timestamp).toISOString()
      : deps.now().toISOString();
  if (match.action === 'opt-out' || match.action === 'opt-out-all') {
    const sender = match.action === 'opt-out' ? message.to : ALL_SENDERS;
    await deps.suppressions.put({
      teamId,
      recipient: message.from,
      sender,
      reason: 'keyword',
      source,
      createdAt,
    });
  }
  if (match.action === 'opt-in') {
    // START undoes the recipient's own opt-outs (this sender's and a STOPALL); E114 and manual entries stay.
    for (const sender of [message.to, ALL_SENDERS]) {
      await deps.suppressions.remove(teamId, message.from, sender, { onlyReason: 'keyword' });
    }
  }
}

/** The detail of `mms.inbound-received` for one team. */
export function inboundDetail(team: InboundTeam, message: InboundMessage, match: KeywordMatch, ref: string) {
  const number = (n: string) => (team.fullNumbers ? n : maskNumber(n));
  return {
    'event-id': `${ref}:${team.id}`,
    team: team.id,
    'inbound-id': message.trackingId,
    from: number(message.from),
    to: message.to,
    ...(message.copyTo.length > 0 ? { 'copy-to': message.copyTo.map(number) } : {}),
    ...(message.keyword !== undefined || match.keyword !== undefined
      ? { keyword: message.keyword ?? match.keyword }
      : {}),
    action: match.action,
    ...(message.subject !== undefined ? { subject: message.subject } : {}),
    ...(message.text !== undefined ? { text: message.text } : {}),
    content: message.content,
    ...(message.operatorId !== undefined ? { 'operator-id': message.operatorId } : {}),
    ...(message.timestamp !== undefined ? { timestamp: message.timestamp } : {}),
  };
}
