/**
 * The events teams receive on their webhook: every message and template status change (the outbox) and every
 * inbound message. The deployed webhook rule (lib/constructs/event-routing.ts) and the local bus both route by it.
 */
import { INBOUND_RECEIVED } from '../consent/inbound';
import { STATUS_EVENT_TYPES } from '../messages/status-events';

export const WEBHOOK_EVENT_TYPES: readonly string[] = [...STATUS_EVENT_TYPES, INBOUND_RECEIVED];
