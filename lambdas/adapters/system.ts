import { randomUUID } from 'node:crypto';
import type { Clock, IdGenerator } from '../domain/ports';

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Gateway message ids: `mms_` + a random UUID without dashes (opaque, unguessable, URL-safe). */
export const randomIds: IdGenerator = {
  messageId: () => `mms_${randomUUID().replaceAll('-', '')}`,
};
