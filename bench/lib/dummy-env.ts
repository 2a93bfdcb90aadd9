/**
 * Placeholder values for configuration variables a module refuses to load without. The handlers validate their
 * environment at import and fail with `Invalid configuration: NAME: reason | NAME: reason`; these helpers read
 * that message and produce values of the right shape, so a benchmark can load a handler (or a local runtime
 * that does not set a new variable yet) without knowing every variable in advance.
 */

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';

/** A plausible value for one variable, from its name and the validation message. */
export function dummyValue(name: string, reason: string): string {
  const arn = /arn:aws[a-z-]*:([a-z0-9-]+):/.exec(reason);
  if (arn?.[1] === 'iam') return `arn:aws:iam::${ACCOUNT}:role/bench-dummy`;
  if (arn?.[1]) return `arn:aws:${arn[1]}:${REGION}:${ACCOUNT}:bench-dummy`;
  if (/ROLE_ARN$/.test(name)) return `arn:aws:iam::${ACCOUNT}:role/bench-dummy`;
  // The service is unknown: a second attempt reads it from the validation message.
  if (/_ARN$/.test(name)) return `arn:aws:sqs:${REGION}:${ACCOUNT}:bench-dummy`;
  if (/url/i.test(reason) || /_URL$/.test(name))
    return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/bench-dummy`;
  if (/number|integer/i.test(reason) || /_(MS|SECONDS|TPS)$/.test(name)) return '10';
  if (/true|false|boolean/i.test(reason)) return 'false';
  return 'bench-dummy';
}

/** Variables named in an `Invalid configuration: …` error message, with a dummy value each; {} if none. */
export function dummiesFromError(message: string): Record<string, string> {
  const marker = message.indexOf('Invalid configuration:');
  if (marker < 0) return {};
  const out: Record<string, string> = {};
  for (const part of message.slice(marker + 'Invalid configuration:'.length).split(' | ')) {
    const match = /^\s*([A-Z][A-Z0-9_]*):\s*(.*)$/s.exec(part);
    if (match?.[1]) out[match[1]] = dummyValue(match[1], match[2] ?? '');
  }
  return out;
}
