import { spawnSync } from 'node:child_process';
import {
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  mkdirSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countReport, summarize, vitestArgs, type VitestJsonReport } from '../runner/summary.mjs';

// The counting of `npm test`'s last line, fed the real JSON reports of deliberately broken fixture projects run by
// the same vitest and with the same arguments as test/run-tests.mjs.
const repoRoot = join(import.meta.dirname, '..', '..');
const fixtureFiles: Record<string, string> = {
  'mixed.test.ts': `import { expect, it } from 'vitest';
it('passes', () => expect(1).toBe(1));
it.skip('is skipped on purpose', () => {});
it('fails', () => expect(1).toBe(2));`,
  'hook.test.ts': `import { beforeAll, expect, it } from 'vitest';
beforeAll(() => { throw new Error('beforeAll threw'); });
it('never runs 1', () => expect(1).toBe(1));
it('never runs 2', () => expect(1).toBe(1));`,
  'crash.test.ts': `import { it } from 'vitest';
throw new Error('crashed at import');
it('never collected', () => {});`,
  'after.test.ts': `import { afterAll, expect, it } from 'vitest';
afterAll(() => { throw new Error('afterAll threw'); });
it('passes before the hook throws', () => expect(1).toBe(1));`,
  'clean.test.ts': `import { expect, it } from 'vitest';
it('passes', () => expect(1).toBe(1));
it.todo('is a todo');`,
};

let dir: string;
const runProject = (project: string): { json: VitestJsonReport | null; ok: boolean } => {
  const report = join(dir, `${project}.json`);
  const result = spawnSync(join(repoRoot, 'node_modules', '.bin', 'vitest'), vitestArgs(project, report), {
    cwd: dir,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return {
    ok: result.status === 0,
    json: existsSync(report) ? (JSON.parse(readFileSync(report, 'utf8')) as VitestJsonReport) : null,
  };
};

describe('the summary line of npm test, over real reports of broken fixtures', () => {
  let broken: { json: VitestJsonReport | null; ok: boolean };
  let clean: { json: VitestJsonReport | null; ok: boolean };
  let empty: { json: VitestJsonReport | null; ok: boolean };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'run-summary-'));
    symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
    mkdirSync(join(dir, 'broken'));
    mkdirSync(join(dir, 'clean'));
    for (const [name, text] of Object.entries(fixtureFiles)) {
      writeFileSync(join(dir, name === 'clean.test.ts' ? 'clean' : 'broken', name), text);
    }
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
    writeFileSync(
      join(dir, 'vitest.config.mjs'),
      `export default { test: { projects: [
        { test: { name: 'broken', include: ['broken/*.test.ts'] } },
        { test: { name: 'clean', include: ['clean/*.test.ts'] } },
        { test: { name: 'empty', include: ['nothing-here/*.test.ts'] } },
      ] } };`,
    );
    broken = runProject('broken');
    clean = runProject('clean');
    empty = runProject('empty');
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('counts a failed test, the tests a throwing beforeAll did not run, a crashed file and a throwing afterAll', () => {
    expect(broken.ok).toBe(false);
    const counted = countReport('broken', broken.json, dir);
    // mixed: 1 failed; hook: 2 not run; crash: 1; after: 1 (its one test passed)
    expect(counted).toMatchObject({ passed: 2, failed: 5, skipped: 1 });
    expect(counted.failures.join('\n')).toContain('beforeAll threw');
    expect(counted.failures.join('\n')).toContain('crashed at import');
    expect(counted.failures.join('\n')).toContain('afterAll threw');
    expect(counted.failures.join('\n')).toContain('broken/mixed.test.ts > fails');
  });

  it('reports skipped and todo tests of a clean file as skipped, not failed', () => {
    expect(clean.ok).toBe(true);
    expect(countReport('clean', clean.json, dir)).toMatchObject({ passed: 1, failed: 0, skipped: 1 });
  });

  it('fails a project that ran no test (no --passWithNoTests)', () => {
    expect(vitestArgs('unit', 'r.json')).not.toContain('--passWithNoTests');
    expect(countReport('empty', empty.json, dir)).toMatchObject({ passed: 0, failed: 1 });
    expect(summarize([], [{ suite: 'empty', ...empty }]).failed).toBe(1);
  });

  it('counts a suite that wrote no report, and one that exited non-zero with nothing counted', () => {
    expect(countReport('unit', null)).toMatchObject({ failed: 1 });
    expect(summarize([], [{ suite: 'clean', json: clean.json, ok: false }]).failed).toBe(1);
  });

  it('counts failed check steps and ends with the plain line', () => {
    const summary = summarize(
      [
        { label: 'type check', ok: false },
        { label: 'lint', ok: false },
        { label: 'format', ok: false },
      ],
      [
        { suite: 'broken', ...broken },
        { suite: 'clean', ...clean },
      ],
      dir,
    );
    expect(summary.line).toBe('3 passed, 8 failed, 2 skipped');
    expect(summary.failures.slice(0, 3)).toEqual([
      'type check: failed (see its output above)',
      'lint: failed (see its output above)',
      'format: failed (see its output above)',
    ]);
    expect(summarize([{ label: 'lint', ok: true }], [{ suite: 'clean', ...clean }]).line).toBe(
      '1 passed, 0 failed, 1 skipped',
    );
  });
});
