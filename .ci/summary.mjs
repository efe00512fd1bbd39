// Reads vitest's JSON report and prints a per-file summary, or with --line only the
// "N passed, N failed[, N skipped]" line that CI reads.
import { readFileSync } from 'node:fs';

const [file, flag] = process.argv.slice(2);
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch {
  console.error(`no test report at ${file}`);
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
const failed = (report.numFailedTests ?? 0) + (report.numRuntimeErrorTestSuites ?? 0);
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
if (flag === '--line') {
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(0);
}
for (const suite of report.testResults ?? []) {
  const name = suite.name.replace(process.cwd() + '/', '');
  const bad = (suite.assertionResults ?? []).filter((a) => a.status === 'failed');
  if (suite.status !== 'passed' || bad.length) console.log(`FAILED ${name}: ${bad.map((a) => a.fullName).join('; ') || suite.message}`);
}
process.exit(failed > 0 || passed === 0 ? 1 : 0);
