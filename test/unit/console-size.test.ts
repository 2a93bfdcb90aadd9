/** The web console stays small: its whole build (HTML, JS, CSS) under 150 kB gzipped, nothing loaded from outside. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, expect, it } from 'vitest';
import { buildConsole } from '../../console/build.mjs';

const dir = mkdtempSync(join(tmpdir(), 'console-size-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('builds into under 150 kB gzipped, with no URL of another origin', async () => {
  const files = await buildConsole(dir);
  let gzipped = 0;
  for (const name of files) {
    const body = readFileSync(join(dir, name));
    gzipped += gzipSync(body, { level: 9 }).length;
    // No script, style, font or image from elsewhere: src/href attributes and CSS url() stay on this origin.
    expect(body.toString('utf8'), name).not.toMatch(
      /(src|href)=["']?(https?:)?\/\/|url\(\s*["']?(https?:)?\/\//,
    );
  }
  console.log(`console: ${files.length} files, ${gzipped} bytes gzipped`);
  expect(gzipped).toBeLessThan(150_000);
  expect(gzipped).toBeGreaterThan(1_000); // it did build something
});
