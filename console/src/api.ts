/**
 * The console's only way to the gateway: the public API, with the team key from sessionStorage (never a URL or
 * localStorage). Every answer comes back as { status, body }; nothing throws on an HTTP error.
 */
const KEY = 'mms-console-key';

export const session = {
  key: (): string | null => sessionStorage.getItem(KEY),
  signIn: (key: string) => sessionStorage.setItem(KEY, key),
  signOut: () => sessionStorage.removeItem(KEY),
};

/** The API's base: the page is served at <base>/console/, the API at <base>/v2/. */
export const apiBase = (): string => location.pathname.replace(/\/console(\/.*)?$/, '');

export type Json = Record<string, unknown>;

/** A value of an answer as text: strings and numbers as they are, nothing as '', anything else as JSON. */
export const text = (value: unknown): string =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : value === null || value === undefined
      ? ''
      : JSON.stringify(value);
export interface Answer {
  readonly status: number;
  readonly body: Json;
}

export async function api(
  method: string,
  path: string,
  body?: unknown,
  key: string | null = session.key(),
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (key) headers['x-api-key'] = key;
  if (body !== undefined) headers['content-type'] = 'application/json';
  try {
    const res = await fetch(`${apiBase()}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: Json;
    try {
      parsed = text ? (JSON.parse(text) as Json) : {};
    } catch {
      parsed = { raw: text };
    }
    return { status: res.status, body: parsed };
  } catch (error) {
    return { status: 0, body: { 'error-info': `The gateway cannot be reached: ${text(error)}` } };
  }
}

/** `error-info` and every listed violation of a failure answer, as lines. */
export function problems(answer: Answer): string[] {
  const errors = Array.isArray(answer.body.errors) ? (answer.body.errors as Json[]) : [];
  if (errors.length > 0) {
    return errors.map((e) => `${text(e.code)}${e.field ? ` (${text(e.field)})` : ''}: ${text(e.message)}`);
  }
  const code = answer.body['error-code'];
  return [`${code ? `${text(code)}: ` : ''}${text(answer.body['error-info'] ?? `HTTP ${answer.status}`)}`];
}

/** What the gateway offers beyond the base API, read from its public OpenAPI document. */
export interface Features {
  /** GET /v2/messages with filters (state, since, …) and GET /v2/messages/stats. */
  readonly search: boolean;
  /** POST /v2/?dry-run=true: validation without sending. */
  readonly dryRun: boolean;
}

export async function features(): Promise<Features> {
  const doc = await api('GET', '/v2/openapi.json', undefined, null);
  const paths = (doc.body.paths ?? {}) as Record<string, Record<string, Json>>;
  const params = (op: Json | undefined) =>
    JSON.stringify(op?.parameters ?? []) + JSON.stringify(op?.requestBody ?? '');
  return {
    search: params(paths['/v2/messages']?.get).includes('"state"'),
    dryRun: params(paths['/v2/']?.post).includes('dry-run'),
  };
}
