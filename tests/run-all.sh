#!/usr/bin/env bash
# Runs every test suite of the project (jest for TypeScript, unittest for log_config) and ends
# with one line, "N passed, N failed", that adds them all up. Exits non-zero if any test failed
# or a suite could not run. Arguments go to jest.
#
# log_config's tests run with the Python tests/find-python.sh picks ($FLIP_TEST_PYTHON, else
# python3 on PATH, else /usr/bin/python3: the first that can import jsonschema). Without one, a
# single line says what to install, and it counts as one failure. A test module that cannot be
# imported counts as one failure too.
set -uo pipefail
cd "$(dirname "$0")/.."

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

FLIP_JEST_COUNTS="$work/jest" npx jest --ci --testResultsProcessor="$PWD/tests/helpers/jest-counts.mjs" "$@"
jest_status=$?
jest_passed=0
jest_failed=1 # unless jest got as far as counting
[ -s "$work/jest" ] && read -r jest_passed jest_failed < "$work/jest"

python_passed=0
python_failed=1 # unless the Python tests got as far as counting
python_modules="-"
if python="$(bash tests/find-python.sh)"; then
  "$python" tests/run-python.py "$work/python"
  python_status=$?
  [ -s "$work/python" ] && read -r python_passed python_failed python_modules < "$work/python"
else
  python_status=1
fi
not_imported=0
[ "$python_modules" != "-" ] && not_imported=$(tr ',' '\n' <<<"$python_modules" | wc -l)

python_summary="python: $python_passed passed, $python_failed failed"
[ "$not_imported" -gt 0 ] && python_summary="$python_summary, $not_imported modules not imported"
echo "jest: $jest_passed passed, $jest_failed failed; $python_summary"
echo "$(( jest_passed + python_passed )) passed, $(( jest_failed + python_failed + not_imported )) failed"
[ "$jest_status" -eq 0 ] && [ "$python_status" -eq 0 ]
