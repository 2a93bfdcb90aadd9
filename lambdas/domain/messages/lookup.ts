/** Message lookup for teams: a team sees only its own messages; another team's id is simply not found. */
import { GatewayError } from '../sinch/error-codes';
import type { MessageRecord, MessageRepository } from './ports';
import { historyView } from './history';
import { templateView, type TemplateView } from '../templates/templates';
import type { TemplateRepository } from '../templates/ports';

export interface MessageView {
  readonly 'tracking-id': string;
  readonly state: MessageRecord['state'];
  readonly action: string;
  readonly to: string;
  readonly 'client-reference'?: string;
  readonly 'group-id'?: string;
  readonly 'schedule-id'?: string;
  readonly 'send-at'?: string;
  readonly 'sinch-tracking-id'?: string;
  readonly attempts: number;
  readonly 'last-error-code'?: string;
  readonly 'last-error-info'?: string;
  readonly 'created-at': string;
  readonly 'updated-at': string;
  readonly history: ReadonlyArray<Record<string, unknown>>;
}

export function messageView(m: MessageRecord): MessageView {
  return {
    'tracking-id': m.id,
    state: m.state,
    action: m.request.action,
    to: m.request.to,
    ...(m.clientReference ? { 'client-reference': m.clientReference } : {}),
    ...(m.groupId ? { 'group-id': m.groupId } : {}),
    ...(m.scheduleId ? { 'schedule-id': m.scheduleId } : {}),
    ...(m.sendAt ? { 'send-at': m.sendAt } : {}),
    ...(m.sinchTrackingId ? { 'sinch-tracking-id': m.sinchTrackingId } : {}),
    attempts: m.attempts,
    ...(m.lastErrorCode ? { 'last-error-code': m.lastErrorCode } : {}),
    ...(m.lastErrorInfo ? { 'last-error-info': m.lastErrorInfo } : {}),
    'created-at': m.createdAt,
    'updated-at': m.updatedAt,
    history: m.history.map(historyView),
  };
}

export function lookupMessages(messages: MessageRepository) {
  return {
    async byId(teamId: string, id: string): Promise<MessageView> {
      const message = await messages.get(id);
      if (!message || message.teamId !== teamId) {
        throw new GatewayError('GW-NOT-FOUND', `No message with tracking-id ${id}`);
      }
      return messageView(message);
    },
    async byClientReference(teamId: string, clientReference: string): Promise<{ messages: MessageView[] }> {
      const found = await messages.findByClientReference(teamId, clientReference);
      return {
        messages: found.map(messageView).sort((a, b) => a['created-at'].localeCompare(b['created-at'])),
      };
    },
  };
}

/** A team's templates: the list (newest first) and one by its gateway id. */
export function lookupTemplates(templates: TemplateRepository) {
  return {
    async list(teamId: string): Promise<{ templates: TemplateView[] }> {
      return { templates: (await templates.listByTeam(teamId)).map(templateView) };
    },
    async byId(teamId: string, id: string): Promise<TemplateView> {
      const template = await templates.get(id);
      if (!template || template.teamId !== teamId) {
        throw new GatewayError('GW-NOT-FOUND', `No template with id ${id}`);
      }
      return templateView(template);
    },
  };
}
