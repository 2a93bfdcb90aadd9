/**
 * The ports of this capability: what its use cases need from the outside world. Adapters (lambdas/adapters/) implement them.
 */
import type { SaveMmsRequest } from '../sinch/mms';
import type { TemplateState } from '../messages/state-machine';
import type { HistoryEntry } from '../messages/ports';

export interface TemplateRecord {
  readonly id: string;
  readonly teamId: string;
  readonly name: string;
  readonly request: SaveMmsRequest;
  readonly state: TemplateState;
  readonly attempts: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly sinchTrackingId?: string;
  readonly mmsId?: string;
  readonly failureCode?: string;
  readonly failureInfo?: string;
  readonly history: readonly HistoryEntry[];
}

export interface TemplateChange {
  readonly state: TemplateState;
  readonly history: HistoryEntry;
  readonly attempts?: number;
  readonly sinchTrackingId?: string;
  readonly mmsId?: string;
  readonly failureCode?: string;
  readonly failureInfo?: string;
}

export interface TemplateRepository {
  create(template: TemplateRecord): Promise<void>;
  get(id: string): Promise<TemplateRecord | undefined>;
  findByMmsId(mmsId: string): Promise<TemplateRecord | undefined>;
  findBySinchTrackingId(sinchTrackingId: string): Promise<TemplateRecord | undefined>;
  listByTeam(teamId: string): Promise<TemplateRecord[]>;
  /** Conditional write on (state, attempts); false when someone else moved it first. */
  transition(
    id: string,
    expected: { state: TemplateState; attempts: number },
    change: TemplateChange,
  ): Promise<boolean>;
  appendHistory(id: string, entry: HistoryEntry): Promise<void>;
}
