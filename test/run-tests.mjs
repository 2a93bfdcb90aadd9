// `npm test`: type check, lint, then the unit, infra, integration and faults suites, in that order. The faults
// suite is the short fault campaign (2,000 messages, a fixed seed so CI replays one plan) and the bad-input campaign.
// Ends with one plain line `N passed, N failed`, read from vitest's JSON report.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

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
let ok = run('type check', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']);
ok = run('lint', bin('eslint'), ['.']) && ok;
for (const suite of suites) {
  const report = join(reportDir, `${suite}.json`);
  ok =
    run(`${suite} tests`, bin('vitest'), [
      'run',
      '--project',
      suite,
      '--passWithNoTests',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${report}`,
    ]) && ok;
}

let passed = 0;
let failed = 0;
const failures = [];
for (const suite of suites) {
  const report = join(reportDir, `${suite}.json`);
  if (!existsSync(report)) {
    failed += 1; // a suite that produced no report did not run: count it as a failure
    continue;
  }
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed += json.numPassedTests ?? 0;
  failed += (json.numFailedTests ?? 0) + (json.numRuntimeErrorTestSuites ?? 0);
  for (const file of json.testResults ?? []) {
    const name = file.name.replace(`${root}/`, '');
    if (file.status === 'failed' && (file.assertionResults ?? []).every((test) => test.status !== 'failed')) {
      failures.push(`${suite}: ${name}: ${(file.message ?? 'the file failed to run').split('\n')[0]}`);
    }
    for (const test of file.assertionResults ?? []) {
      if (test.status !== 'failed') continue;
      const reason = (test.failureMessages?.[0] ?? '').split('\n')[0].slice(0, 300);
      failures.push(`${suite}: ${name} > ${test.fullName}: ${reason}`);
    }
  }
}
// The failed tests again, last, so that a reader of the tail of a long CI log sees which ones failed and why.
if (failures.length > 0) console.log(`\nFailed:\n${failures.map((line) => `  - ${line}`).join('\n')}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(ok && failed === 0 ? 0 : 1);
