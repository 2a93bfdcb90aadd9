/**
 * The MMS model: the three actions of the Sinch MMS JSON API (reference §1) with their kebab-case wire keys.
 *
 * These zod schemas check JSON shapes only (string / boolean / array / object, and which keys an action
 * accepts). Business limits (number formats, slide rules, lengths, dates, required fields) are rules in
 * validation.ts, so that every violation is reported with its Sinch code. Objects are strict: a key that is
 * not part of the action is an error, never silently dropped.
 */
import * as z from '../zod';

export const ACTIONS = ['sendmms', 'savemms', 'sendsavedmms'] as const;
export type Action = (typeof ACTIONS)[number];

/** Media types (a slide holds at most one, with the mixing rules below) and objects (contact, calendar, pdf). */
export const MEDIA_KEYS = ['image', 'audio', 'video'] as const;
export const OBJECT_KEYS = ['contact', 'calendar', 'pdf'] as const;
export const CONTENT_KEYS = [...MEDIA_KEYS, ...OBJECT_KEYS] as const;
export type ContentKey = (typeof CONTENT_KEYS)[number];

export const MAX_SLIDES = 8;
export const MAX_TEXT_LENGTH = 5000;
export const MAX_SUBJECT_LENGTH = 80;
export const MAX_CLIENT_REFERENCE_LENGTH = 64;
export const MAX_FROM_MASK_LENGTH = 11;
export const MIN_GROUP_SIZE = 2;
export const MAX_GROUP_SIZE = 20;

export const contentSchema = z.strictObject({ url: z.string() });
export type Content = z.infer<typeof contentSchema>;

export const slideSchema = z.strictObject({
  image: z.optional(contentSchema),
  audio: z.optional(contentSchema),
  video: z.optional(contentSchema),
  contact: z.optional(contentSchema),
  calendar: z.optional(contentSchema),
  pdf: z.optional(contentSchema),
  'message-text': z.optional(z.string()),
});
export type Slide = z.infer<typeof slideSchema>;

export const customSlideSchema = z.strictObject({
  /** Slide number of the template, as a string: "1".."8". */
  'custom-slide': z.string(),
  /** Replaces that slide's text at send time. */
  'custom-message-text': z.string(),
});
export type CustomSlide = z.infer<typeof customSlideSchema>;

/** Fields shared by all three actions. */
const commonFields = {
  'message-subject': z.optional(z.string()),
  'fallback-sms-text': z.optional(z.string()),
  'disable-fallback-sms': z.optional(z.boolean()),
  'disable-fallback-sms-link': z.optional(z.boolean()),
  'fallback-sms-link-expiration': z.optional(z.string()),
  'client-reference': z.optional(z.string()),
};

/** Fields of the two send actions. `to` may be an array of 2–20 numbers: a group send (gateway extension). */
const sendFields = {
  'service-id': z.optional(z.string()),
  to: z.union([z.string(), z.array(z.string())]),
  'to-displayonly': z.optional(z.string()),
  from: z.string(),
  'from-mask': z.optional(z.string()),
  'mms-expiry-timestamp': z.optional(z.string()),
};

export const sendMmsSchema = z.strictObject({
  action: z.literal('sendmms'),
  ...sendFields,
  ...commonFields,
  'cache-content': z.optional(z.boolean()),
  slide: z.array(slideSchema),
});

export const saveMmsSchema = z.strictObject({
  action: z.literal('savemms'),
  name: z.string(),
  ...commonFields,
  slide: z.array(slideSchema),
});

export const sendSavedMmsSchema = z.strictObject({
  action: z.literal('sendsavedmms'),
  'mms-id': z.string(),
  ...sendFields,
  ...commonFields,
  'custom-slides': z.optional(z.array(customSlideSchema)),
});

export const mmsRequestSchema = z.discriminatedUnion('action', [
  sendMmsSchema,
  saveMmsSchema,
  sendSavedMmsSchema,
]);

export const SCHEMAS = {
  sendmms: sendMmsSchema,
  savemms: saveMmsSchema,
  sendsavedmms: sendSavedMmsSchema,
} as const satisfies Record<Action, z.ZodMiniType>;

export type SendMmsRequest = z.infer<typeof sendMmsSchema>;
export type SaveMmsRequest = z.infer<typeof saveMmsSchema>;
export type SendSavedMmsRequest = z.infer<typeof sendSavedMmsSchema>;
export type MmsRequest = z.infer<typeof mmsRequestSchema>;

/** A send request addressed to exactly one recipient: what reaches Sinch. */
export type SingleRecipient<T extends { to: unknown }> = Omit<T, 'to'> & { to: string };
export type SendRequest = SingleRecipient<SendMmsRequest> | SingleRecipient<SendSavedMmsRequest>;

export function isAction(value: unknown): value is Action {
  return typeof value === 'string' && (ACTIONS as readonly string[]).includes(value);
}
