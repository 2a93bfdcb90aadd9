/**
 * Phone number rules of the Sinch MMS JSON API: international format, country code first, digits only,
 * no '+' and no dialling prefix (00, 011, …). Example: '17745559144' is valid; '+17745559144' and
 * '0017745559144' are not.
 */

const INTERNATIONAL = /^[1-9][0-9]{7,14}$/;
const SHORT_CODE = /^[0-9]{5,6}$/;

/** 8–15 digits, first digit 1–9 (a leading 0 would be a dialling prefix such as 00 or 011). */
export function isInternationalNumber(s: string): boolean {
  return INTERNATIONAL.test(s);
}

/** A short code: 5 or 6 digits. */
export function isShortCode(s: string): boolean {
  return SHORT_CODE.test(s);
}

/** For logs: keeps the last 4 characters only ('17745559144' → '*******9144'); 4 or fewer are fully masked. */
export function maskNumber(s: string): string {
  const chars = Array.from(s);
  if (chars.length <= 4) return '*'.repeat(chars.length);
  return '*'.repeat(chars.length - 4) + chars.slice(-4).join('');
}
