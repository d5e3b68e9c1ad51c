"""Runs log_config's unittest suite for tests/run-all.sh and writes its counts to a file.

    python3 tests/run-python.py <counts-file>

The file gets one line, "<passed> <failed> <modules>": tests passed, tests failed (failures and
errors), and the test modules that could not be imported, comma-separated ("-" for none). A
module that cannot be imported is reported as such, with its traceback, instead of as a failed
test: it holds an unknown number of tests, none of which ran.
"""

from __future__ import annotations

import sys
import unittest


def flatten(suite: unittest.TestSuite) -> list[unittest.TestCase]:
    """Every test case in a suite of suites."""
    tests: list[unittest.TestCase] = []
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            tests.extend(flatten(item))
        else:
            tests.append(item)
    return tests


def main(counts_file: str) -> int:
    loader = unittest.TestLoader()
    discovered = flatten(loader.discover("tests/python", top_level_dir="."))
    # unittest stands a _FailedTest in for a module it could not import; its method name is the module.
    unimportable = sorted(
        t._testMethodName for t in discovered if type(t).__name__ == "_FailedTest"
    )
    runnable = [t for t in discovered if type(t).__name__ != "_FailedTest"]
    for error in loader.errors:
        sys.stderr.write(error if error.endswith("\n") else error + "\n")

    result = unittest.TextTestRunner(stream=sys.stderr, verbosity=1).run(unittest.TestSuite(runnable))
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    passed = result.testsRun - failed - len(result.skipped)
    if result.testsRun == 0 and not unimportable:
        print("python: no tests found under tests/python", flush=True)
        failed = 1
    if unimportable:
        names = ", ".join(name.rsplit(".", 1)[-1] for name in unimportable)
        print(f"python: {len(unimportable)} test modules could not be imported: {names}", flush=True)
    with open(counts_file, "w", encoding="utf-8") as out:
        out.write(f"{passed} {failed} {','.join(unimportable) or '-'}\n")
    return 0 if failed == 0 and not unimportable else 1


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python3 tests/run-python.py <counts-file>")
    sys.exit(main(sys.argv[1]))
