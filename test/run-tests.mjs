// `npm test`: type check, lint, format check, then the unit, infra, integration and faults suites, in that order.
// The faults suite is the short fault campaign (2,000 messages, a fixed seed so CI replays one plan) and the
// bad-input campaign. Ends with one plain line `N passed, N failed, N skipped`, counted by test/runner/summary.mjs
// from vitest's JSON reports: crashed files, tests not run because a hook threw, a project that ran no test and
// each failed check step (type check, lint, format) count as failures.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { summarize, vitestArgs } from './runner/summary.mjs';

const root = join(import.meta.dirname, '..');
const reportDir = join(root, '.test-results');
rmSync(reportDir, { recursive: true, force: true });
mkdirSync(reportDir, { recursive: true });

const run = (label, cmd, args) => {
  console.log(`\n=== ${label} ===`);
  const started = Date.now();
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', shell: false });
  console.log(
    `=== ${label}: ${result.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return result.status === 0;
};

const bin = (name) => join(root, 'node_modules', '.bin', name);
const suites = ['unit', 'infra', 'integration', 'faults'];
process.env.FAULT_CAMPAIGN_SEED ??= '679184667';
const steps = [
  { label: 'type check', ok: run('type check', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']) },
  { label: 'lint', ok: run('lint', bin('eslint'), ['.']) },
  { label: 'format', ok: run('format', bin('prettier'), ['--check', '.']) },
];
const reports = [];
for (const suite of suites) {
  const report = join(reportDir, `${suite}.json`);
  const ok = run(`${suite} tests`, bin('vitest'), vitestArgs(suite, report));
  reports.push({ suite, ok, json: existsSync(report) ? JSON.parse(readFileSync(report, 'utf8')) : null });
}

const summary = summarize(steps, reports, root);
// The failed tests again, last, so that a reader of the tail of a long CI log sees which ones failed and why.
if (summary.failures.length > 0)
  console.log(`\nFailed:\n${summary.failures.map((line) => `  - ${line}`).join('\n')}`);
console.log(`\n${summary.line}`);
process.exit(summary.failed === 0 ? 0 : 1);
