// The counting behind the last line of `npm test` (test/run-tests.mjs), kept apart so that a unit test can feed it
// real vitest reports of deliberately broken fixtures (test/unit/run-summary.test.ts).
//
// What counts as a failure:
// - a failed test;
// - a test that did not run because its file errored (a throwing beforeAll marks its tests "skipped" in the
//   report: here they count as failed);
// - a file that errored with no test left to blame (a crash at import, a throwing afterAll): one failure;
// - a suite that wrote no report, or whose report holds no test at all (an empty project fails);
// - each failed check step (type check, lint, format).
// Tests skipped on purpose (it.skip, it.todo) in a file that ran cleanly are reported as skipped.

/** The vitest arguments for one suite: both reporters, and no --passWithNoTests (an empty project must fail). */
export const vitestArgs = (suite, reportFile) => [
  'run',
  '--project',
  suite,
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${reportFile}`,
];

const firstLine = (text, max = 300) =>
  String(text ?? '')
    .split('\n')[0]
    .slice(0, max);

/**
 * Counts one suite's vitest JSON report (`null` when the suite wrote none).
 * @returns {{ passed: number, failed: number, skipped: number, failures: string[] }}
 */
export const countReport = (suite, json, root = '') => {
  const result = { passed: 0, failed: 0, skipped: 0, failures: [] };
  if (json === null || json === undefined) {
    result.failed = 1;
    result.failures.push(`${suite}: wrote no report (the suite did not run)`);
    return result;
  }
  const files = json.testResults ?? [];
  let total = 0;
  for (const file of files) {
    const name = root ? String(file.name).replace(`${root}/`, '') : String(file.name);
    const tests = file.assertionResults ?? [];
    total += tests.length;
    // A file-level error: vitest leaves a message on the file (it is empty when only tests failed).
    const fileError = file.status === 'failed' && firstLine(file.message) !== '';
    let blamed = 0;
    for (const test of tests) {
      if (test.status === 'passed') {
        result.passed += 1;
      } else if (test.status === 'failed') {
        result.failed += 1;
        blamed += 1;
        result.failures.push(`${suite}: ${name} > ${test.fullName}: ${firstLine(test.failureMessages?.[0])}`);
      } else if (fileError) {
        // Not run because the file errored (a throwing beforeAll): a failure, not a skip.
        result.failed += 1;
        blamed += 1;
        result.failures.push(`${suite}: ${name} > ${test.fullName}: not run: ${firstLine(file.message)}`);
      } else {
        result.skipped += 1;
      }
    }
    if (fileError && blamed === 0) {
      result.failed += 1;
      result.failures.push(`${suite}: ${name}: ${firstLine(file.message)}`);
    }
  }
  if (total === 0 && files.every((file) => file.status !== 'failed')) {
    result.failed += 1;
    result.failures.push(`${suite}: ran no test`);
  }
  return result;
};

/**
 * The whole run: the check steps (`{ label, ok }`) and each suite's report with its vitest exit status (`ok`).
 * A suite that exited non-zero while its report counts nothing wrong (e.g. an unhandled error between tests)
 * counts one failure.
 * @returns {{ passed: number, failed: number, skipped: number, failures: string[], line: string }}
 */
export const summarize = (steps, reports, root = '') => {
  const total = { passed: 0, failed: 0, skipped: 0, failures: [] };
  for (const step of steps) {
    if (step.ok) continue;
    total.failed += 1;
    total.failures.push(`${step.label}: failed (see its output above)`);
  }
  for (const { suite, json, ok } of reports) {
    const counted = countReport(suite, json, root);
    if (ok === false && counted.failed === 0) {
      counted.failed = 1;
      counted.failures.push(`${suite}: vitest exited non-zero (see its output above)`);
    }
    total.passed += counted.passed;
    total.failed += counted.failed;
    total.skipped += counted.skipped;
    total.failures.push(...counted.failures);
  }
  return { ...total, line: `${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped` };
};
