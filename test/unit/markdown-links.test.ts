/**
 * Every relative link in the repository's Markdown files points at a file or folder of the repository: a link
 * that goes nowhere (a moved file, a document kept outside the repository) fails here.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SKIP = new Set(['node_modules', '.git', 'cdk.out', 'coverage', 'results']);

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIP.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

/** The targets of inline links and images, `[text](target)`, outside fenced code blocks and inline code. */
export function linkTargets(markdown: string): string[] {
  const prose = markdown.replace(/^(```|~~~)[\s\S]*?^\1/gm, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1] ?? '');
}

const isExternal = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#');

describe('Markdown links', () => {
  const files = markdownFiles(ROOT);

  it('finds the documentation', () => {
    expect(files.map((f) => relative(ROOT, f))).toEqual(
      expect.arrayContaining(['README.md', join('docs', 'api.md')]),
    );
  });

  it('reads inline links, not code', () => {
    expect(
      linkTargets('see [a](docs/a.md#x) and ![i](img.png "t") but `[b](c.md)` and\n```\n[d](e.md)\n```\n'),
    ).toEqual(['docs/a.md#x', 'img.png']);
  });

  it('point at files of the repository that exist', () => {
    const broken: string[] = [];
    for (const file of files) {
      for (const target of linkTargets(readFileSync(file, 'utf8'))) {
        if (isExternal(target)) continue;
        const path = decodeURIComponent(target.replace(/[#?].*$/, ''));
        if (path === '') continue;
        const absolute = resolve(dirname(file), path);
        const inside = absolute === ROOT || absolute.startsWith(ROOT + sep);
        if (!inside || !existsSync(absolute)) broken.push(`${relative(ROOT, file)} → ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
