// Jest testResultsProcessor for tests/run-all.sh: writes "<passed> <failed>" to the file named by
// FLIP_JEST_COUNTS. Unlike --json --outputFile, it prints nothing about where it wrote.
import { writeFileSync } from "node:fs";
import process from "node:process";

/** Records the counts and hands the results on unchanged. */
export default function writeCounts(results) {
  // A suite that fails to compile has no tests but must still count as a failure.
  const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
  writeFileSync(process.env.FLIP_JEST_COUNTS, `${results.numPassedTests} ${failed}\n`);
  return results;
}
