/**
 * Settings of the media preflight and of privacy retention (part of ./config.ts's schemas, kept here so the
 * shared file only gains one line). Local-only settings are refused inside Lambda (AWS_EXECUTION_ENV is set
 * there), so a sample media host or a shortened day can never be switched on in AWS.
 */
import * as z from '../domain/zod';
import { DEFAULT_MEDIA_LIMITS_KB, MEDIA_CHECK_MODES } from '../domain/media/preflight';

const positiveInt = z.coerce.number().check(z.int(), z.positive());
const localOnly = (value: unknown) => value === undefined || !process.env.AWS_EXECUTION_ENV;

/** `image=1000,video=1000`: KB per kind (image, gif, audio, video, object); unnamed kinds keep the default. */
const limitsKb = z.pipe(
  z
    .string()
    .check(
      z.regex(
        /^\s*(image|gif|audio|video|object)=\d+(\s*,\s*(image|gif|audio|video|object)=\d+)*\s*$/,
        'must be kind=KB pairs, e.g. image=1000,video=1000 (kinds: image, gif, audio, video, object)',
      ),
    ),
  z.transform((s: string) =>
    Object.fromEntries(
      s.split(',').map((pair) => {
        const [kind = '', kb = ''] = pair.trim().split('=');
        return [kind, Number(kb)];
      }),
    ),
  ),
);

export const mediaAndPrivacySchemas = {
  mediaCacheTable: z.string().check(z.minLength(1)),
  /** Mode of teams without their own `media-check` setting. */
  mediaCheckDefault: z._default(z.enum(MEDIA_CHECK_MODES), 'warn'),
  /** The whole preflight of one request (every URL in parallel) must finish within this. */
  mediaCheckBudgetMs: z._default(positiveInt.check(z.lte(20_000)), 2_500),
  mediaCacheSeconds: z._default(positiveInt.check(z.lte(24 * 3600)), 600),
  /** KB per kind, e.g. `image=1000,audio=1000,video=1000` for an account without transcoding. */
  mediaLimitsKb: z.pipe(
    z._default(limitsKb, {}),
    z.transform((given) => ({ ...DEFAULT_MEDIA_LIMITS_KB, ...given })),
  ),
  /** Local runtime only: comma-separated origins of the sample media server, allowed as media hosts. */
  mediaLocalOrigins: z
    .pipe(
      z._default(z.string(), ''),
      z.transform((s: string) =>
        s
          .split(',')
          .map((o) => o.trim())
          .filter((o) => o.length > 0),
      ),
    )
    .check(
      z.refine(
        (origins: string[]) => origins.length === 0 || localOnly(origins),
        'is for the local runtime only; it is refused in AWS',
      ),
    ),
  /** Tests only: the length of a retention "day" in seconds (default 86400); refused in AWS. */
  retentionDaySeconds: z._default(
    positiveInt.check(
      z.refine((v) => v === 86_400 || localOnly(v), 'is for local tests only; refused in AWS'),
    ),
    86_400,
  ),
} as const;
