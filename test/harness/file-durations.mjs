#!/usr/bin/env node
// Writes test/harness/file-durations.json (seconds per test file, the files of a second or more)
// from a vitest JSON report (the one `make test` leaves in .vitest-report.json) or from vitest's
// results cache (node_modules/.vite/vitest/*/results.json). The test sequencer
// (test/harness/sequencer.ts) starts the longest files first from it when vitest has no results
// cache of its own (a clean clone).
//   node test/harness/file-durations.mjs .vitest-report.json [more reports: for files the first lacks]
// A JSON report's file times leave out beforeAll/afterAll (a file's startTime to endTime is its
// tests only), so name vitest's results cache first where there is one: its figures include them.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const reportPaths = process.argv.length > 2 ? process.argv.slice(2) : [join(root, '.vitest-report.json')];
const seconds = new Map();
for (const reportPath of reportPaths) {
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  const found = new Map();
  for (const file of report.testResults ?? []) found.set(relative(root, file.name), (file.endTime - file.startTime) / 1000);
  for (const [key, result] of report.results ?? []) found.set(key.slice(key.indexOf(':') + 1), result.duration / 1000);
  for (const [path, s] of found) {
    const name = path.split('\\').join('/');
    if (s >= 1 && !seconds.has(name) && existsSync(join(root, name))) seconds.set(name, s);
  }
}
const rows = [...seconds].map(([name, s]) => [name, Math.round(s)]);
rows.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
const out = join(root, 'test/harness/file-durations.json');
writeFileSync(out, `${JSON.stringify(Object.fromEntries(rows), null, 2)}\n`);
console.log(`${out}: ${rows.length} files of a second or more, ${rows.slice(0, 3).map(([f, s]) => `${f} ${s} s`).join(', ')}, ...`);
