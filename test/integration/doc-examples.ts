/**
 * The runnable examples of docs/api.md and docs/webhooks.md: each ```http block, the ```json <status> answer after
 * it and (webhooks.md) an optional ```json webhook block with the webhook detail it causes. Documented values
 * match when equal; a string with `…` matches any string with the same start; objects match on the keys shown.
 */
export interface Example {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly status: number;
  readonly answer: unknown;
  readonly line: number;
  /** docs/webhooks.md: the ```json webhook block after the answer, the webhook detail the request causes. */
  readonly webhook?: unknown;
}

export function parseExamples(markdown: string): Example[] {
  const blocks = [...markdown.matchAll(/^```(\w+)([^\n]*)\n([\s\S]*?)^```/gm)];
  const examples: Example[] = [];
  for (let i = 0; i < blocks.length; i += 1) {
    const block = blocks[i];
    if (block?.[1] !== 'http') continue;
    const response = blocks[i + 1];
    if (response?.[1] !== 'json') throw new Error('an http example must be followed by a json answer');
    const [head = '', ...rest] = (block[3] ?? '').split(/\n\s*\n/);
    const [requestLine = '', ...headerLines] = head.split('\n');
    const [method = 'GET', path = '/'] = requestLine.trim().split(/\s+/);
    const headers = Object.fromEntries(
      headerLines
        .filter((l) => l.includes(':'))
        .map((l) => [l.slice(0, l.indexOf(':')).trim().toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
    );
    const body = rest.join('\n\n').trim();
    examples.push({
      method,
      path,
      headers,
      ...(body ? { body } : {}),
      status: Number((response[2] ?? '').trim()),
      answer: JSON.parse(response[3] ?? 'null'),
      line: markdown.slice(0, block.index).split('\n').length,
      ...(blocks[i + 2]?.[1] === 'json' && blocks[i + 2]?.[2]?.trim() === 'webhook'
        ? { webhook: JSON.parse(blocks[i + 2]?.[3] ?? 'null') as unknown }
        : {}),
    });
  }
  return examples;
}

/** Documented values match when equal; a documented string with `…` matches any string with the same start. */
export function matches(documented: unknown, actual: unknown, path = ''): string[] {
  if (typeof documented === 'string' && documented.includes('…')) {
    const prefix = documented.slice(0, documented.indexOf('…'));
    return typeof actual === 'string' && actual.startsWith(prefix)
      ? []
      : [`${path}: ${JSON.stringify(actual)} !~ ${documented}`];
  }
  if (Array.isArray(documented)) {
    // A documented array ending in "…" matches any array that starts with the other elements.
    if (documented.at(-1) === '…') {
      const head = documented.slice(0, -1);
      if (!Array.isArray(actual) || actual.length < head.length)
        return [`${path}: not an array of at least ${head.length}`];
      return head.flatMap((d, i) => matches(d, actual[i], `${path}[${i}]`));
    }
    if (!Array.isArray(actual) || actual.length !== documented.length)
      return [`${path}: not an array of ${documented.length}`];
    return documented.flatMap((d, i) => matches(d, actual[i], `${path}[${i}]`));
  }
  if (typeof documented === 'object' && documented !== null) {
    if (typeof actual !== 'object' || actual === null) return [`${path}: not an object`];
    return Object.entries(documented).flatMap(([k, v]) =>
      matches(v, (actual as Record<string, unknown>)[k], `${path}.${k}`),
    );
  }
  return documented === actual
    ? []
    : [`${path}: ${JSON.stringify(actual)} !== ${JSON.stringify(documented)}`];
}
