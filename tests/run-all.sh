#!/usr/bin/env bash
# Runs every test suite of the project (jest for TypeScript, unittest for log_config) and ends
# with one line, "N passed, N failed", that adds them all up. Exits non-zero if any test failed
# or a suite could not run.
set -uo pipefail
cd "$(dirname "$0")/.."

# log_config's tests validate lines with Debian's python3-jsonschema, importable by the system Python.
PYTHON="${FLIP_TEST_PYTHON:-/usr/bin/python3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

npx jest --ci --json --outputFile="$work/jest.json" "$@"
jest_status=$?

"$PYTHON" -m unittest discover -s tests/python -t . 2>&1 | tee "$work/python.txt"
python_status=${PIPESTATUS[0]}

read -r jest_passed jest_failed < <(node -e '
  const fs = require("fs");
  try {
    const r = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    // A suite that fails to compile has no tests but must still count as a failure.
    console.log(r.numPassedTests, r.numFailedTests + r.numRuntimeErrorTestSuites);
  } catch { console.log(0, 1); }
' "$work/jest.json")

python_ran=$(sed -n 's/^Ran \([0-9]*\) tests\{0,1\}.*/\1/p' "$work/python.txt" | tail -n 1)
python_failures=$(sed -n 's/^FAILED (.*failures=\([0-9]*\).*/\1/p' "$work/python.txt" | tail -n 1)
python_errors=$(sed -n 's/^FAILED (.*errors=\([0-9]*\).*/\1/p' "$work/python.txt" | tail -n 1)
python_ran=${python_ran:-0}
python_failed=$(( ${python_failures:-0} + ${python_errors:-0} ))
if [ "$python_ran" -eq 0 ] || { [ "$python_status" -ne 0 ] && [ "$python_failed" -eq 0 ]; }; then
  python_failed=$(( python_failed + 1 ))
fi
python_passed=$(( python_ran - ${python_failures:-0} - ${python_errors:-0} ))

echo "jest: $jest_passed passed, $jest_failed failed; python: $python_passed passed, $python_failed failed"
echo "$(( jest_passed + python_passed )) passed, $(( jest_failed + python_failed )) failed"
[ "$jest_status" -eq 0 ] && [ "$python_status" -eq 0 ]
