/**
 * GET /console and /console/{proxy+}: the web console's static files (console/, built by console/build.mjs),
 * read once from CONSOLE_ASSETS_DIR (default: `console/` next to this bundle). The files hold no data: every call
 * the console makes goes to the authorized API with the team's key (decision 0017).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** Strict: only this origin's scripts, styles and API; no frames, no remote images. */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

export function consoleFiles(dir: string): Map<string, { body: string; type: string }> {
  const files = new Map<string, { body: string; type: string }>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (type) files.set(name, { body: readFileSync(join(dir, name), 'utf8'), type });
  }
  if (!files.has('index.html')) throw new Error(`the console is not built in ${dir} (no index.html)`);
  return files;
}

const here = dirname(fileURLToPath(import.meta.url));
const files = consoleFiles(process.env.CONSOLE_ASSETS_DIR ?? join(here, 'console'));

export const handler = (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const path = event.path ?? '';
  // The page lives at …/console/ so that its relative asset URLs work behind any stage prefix.
  if (!path.endsWith('/') && event.pathParameters?.proxy === undefined) {
    return Promise.resolve({
      statusCode: 301,
      headers: { location: `${path.split('/').pop() ?? 'console'}/` },
      body: '',
    });
  }
  const name = event.pathParameters?.proxy || 'index.html';
  const file = files.get(name);
  if (!file) {
    return Promise.resolve({ statusCode: 404, headers: { 'content-type': 'text/plain' }, body: 'Not found' });
  }
  return Promise.resolve({
    statusCode: 200,
    headers: { 'content-type': file.type, ...SECURITY_HEADERS },
    body: file.body,
  });
};
