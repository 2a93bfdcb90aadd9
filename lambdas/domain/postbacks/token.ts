/**
 * The postback token: Sinch gives it as `?token=…` in the postback URL. Read at run time from Secrets Manager
 * (never in a template or an environment variable); during a rotation both the current and the previous value
 * are accepted, so the URL at Sinch and the secret need not change at the same instant.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export interface PostbackTokenSource {
  /** The accepted tokens: the current one first, then the previous one while a rotation lasts. */
  tokens(): Promise<readonly string[]>;
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Whether `given` is one of `accepted`, in constant time: both sides are hashed first, so neither the length nor
 * the content of an accepted token shows in the time taken, and every accepted token is compared.
 */
export function isAcceptedToken(given: string | undefined, accepted: readonly string[]): boolean {
  if (given === undefined || given === '') return false;
  const g = digest(given);
  let ok = false;
  for (const token of accepted) {
    if (token !== '' && timingSafeEqual(g, digest(token))) ok = true;
  }
  return ok;
}
