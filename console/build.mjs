// Builds the web console (console/src) into one directory: index.html, app.js (esbuild bundle, minified) and
// app.css. `node console/build.mjs --out DIR`; the local runtime and the CDK bundling call `buildConsole`.
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';

const src = join(import.meta.dirname, 'src');

/** Writes the console into `outDir`; returns the files written (name → bytes). */
export async function buildConsole(outDir) {
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [join(src, 'main.ts')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    outfile: join(outDir, 'app.js'),
    logLevel: 'warning',
    legalComments: 'none',
  });
  await copyFile(join(src, 'index.html'), join(outDir, 'index.html'));
  await copyFile(join(src, 'app.css'), join(outDir, 'app.css'));
  return ['index.html', 'app.js', 'app.css'];
}

const outFlag = process.argv.indexOf('--out');
if (outFlag > 0 && process.argv[outFlag + 1]) {
  await buildConsole(process.argv[outFlag + 1]);
}
