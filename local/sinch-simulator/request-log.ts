/** The log of API requests received, bounded to the most recent `requestLogLimit` entries. */
import type { Outcome } from './api';
import type { FaultKind } from './options';
import type { Action } from './validation';

export interface RecordedRequest {
  /** Sequence number, from 1, restarting at reset. */
  id: number;
  /** Arrival time, epoch milliseconds. */
  time: number;
  /** Action named in the body, when the body parsed and named a known action. */
  action: Action | null;
  /** Parsed JSON body (null when it did not parse). */
  body: unknown;
  /** The raw body (first 10 000 characters) when it did not parse as JSON. */
  rawBody?: string;
  /** The `x-api-key` header as received (only in-process; never served by `/_sim/requests`). */
  apiKey: string | null;
  keyValid: boolean;
  /** How it was (or, for a delayed answer, will be) answered; null when the socket was dropped. */
  response: { httpStatus: number; body: unknown } | null;
  outcome: Outcome;
  errorCode?: string;
  trackingId?: string;
  fault?: FaultKind;
}

export type PublicRecordedRequest = Omit<RecordedRequest, 'apiKey'>;

export class RequestLog {
  private entries: RecordedRequest[] = [];
  private nextId = 1;

  constructor(private readonly limit: () => number) {}

  add(entry: Omit<RecordedRequest, 'id'>): RecordedRequest {
    const recorded: RecordedRequest = { id: this.nextId++, ...entry };
    const limit = this.limit();
    if (limit > 0) {
      this.entries.push(recorded);
      if (this.entries.length > limit) this.entries.splice(0, this.entries.length - limit);
    }
    return recorded;
  }

  all(): RecordedRequest[] {
    return this.entries.map((entry) => ({ ...entry }));
  }

  withoutKeys(): PublicRecordedRequest[] {
    return this.entries.map(({ apiKey: _apiKey, ...entry }) => entry);
  }

  clear(): void {
    this.entries = [];
    this.nextId = 1;
  }
}
