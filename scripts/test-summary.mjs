// Prints vitest's JSON results as plain lines, one per run, and a closing line over all runs:
// "tests: N passed, N failed, N skipped". Exits non-zero when any run failed or did not finish.
//
//   node scripts/test-summary.mjs                                   .test-results.json
//   node scripts/test-summary.mjs "Node 20=.test-results.json" "Node 24=.test-results.node24.json"
import { readFileSync } from 'node:fs';

const runs = (process.argv.length > 2 ? process.argv.slice(2) : ['.test-results.json']).map((arg) => {
  const at = arg.indexOf('=');
  return at < 0 ? { label: undefined, file: arg } : { label: arg.slice(0, at), file: arg.slice(at + 1) };
});

const total = { passed: 0, failed: 0, skipped: 0 };
let ok = true;
let unfinished = 0;
for (const { label, file } of runs) {
  const prefix = label ? `${label}: ` : '';
  let results;
  try {
    results = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    console.log(`${prefix}no test results at ${file} (${error.message}): the test run did not finish`);
    ok = false;
    unfinished += 1;
    continue;
  }
  const passed = results.numPassedTests ?? 0;
  const failed = (results.numFailedTests ?? 0) + (results.numRuntimeErrorTestSuites ?? 0);
  const skipped = (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0);
  total.passed += passed;
  total.failed += failed;
  total.skipped += skipped;
  if (failed > 0 || passed === 0) ok = false;
  if (runs.length > 1) console.log(`${prefix}${passed} passed, ${failed} failed, ${skipped} skipped`);
  for (const suite of results.testResults ?? []) {
    for (const test of suite.assertionResults ?? []) {
      if (test.status === 'failed') console.log(`  ${prefix}FAILED ${suite.name} > ${test.fullName}`);
    }
    if ((suite.assertionResults ?? []).length === 0 && suite.status === 'failed') {
      console.log(`  ${prefix}FAILED ${suite.name}: ${(suite.message ?? '').split('\n')[0]}`);
    }
  }
}
const notFinished = unfinished > 0 ? `; ${unfinished} of them did not finish` : '';
const scope = runs.length > 1 ? ` (${runs.length} runs together${notFinished})` : '';
console.log(`tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped${scope}`);
process.exit(ok ? 0 : 1);
