#!/usr/bin/env node
// Prints vitest's JSON report as one plain closing line, "Tests: N passed, N failed, N skipped",
// which CI readers understand whatever the test runner.
import { readFileSync } from 'node:fs'

const file = process.argv[2] ?? '.tmp/vitest.json'
let report
try {
  report = JSON.parse(readFileSync(file, 'utf8'))
} catch (err) {
  console.error(`no test report at ${file}: ${err.message}`)
  process.exit(1)
}
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0)
console.log(`Tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`)
