/**
 * `npm run openapi`: writes the OpenAPI 3.1 document of the public API (tools/openapi/openapi-document.ts) to
 * docs/openapi.json, formatted with the project's Prettier settings. test/unit/openapi.test.ts fails when the
 * file is not the document the code builds.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { buildOpenApiDocument } from './openapi-document';

export const OPENAPI_FILE = fileURLToPath(new URL('../../docs/openapi.json', import.meta.url));

export async function openApiFileText(): Promise<string> {
  const options = (await resolveConfig(OPENAPI_FILE)) ?? {};
  return format(JSON.stringify(buildOpenApiDocument()), { ...options, filepath: OPENAPI_FILE });
}

async function main(): Promise<void> {
  await writeFile(OPENAPI_FILE, await openApiFileText());
  console.log(`wrote ${OPENAPI_FILE}`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
