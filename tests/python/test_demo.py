"""The traffic generator, run as the container runs it: a subprocess of python -m log_config.demo."""

from __future__ import annotations

import os
import subprocess
import sys
import unittest
from collections import Counter

from .helpers import REPO_ROOT, ContractAssertions, parse_lines

COMMAND = [sys.executable, "-m", "log_config.demo", "--api", "imaging-api", "--count", "200", "--seed", "1"]


def run_demo(args: list[str], level: str = "INFO", extra_flags: tuple = ()) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["LOG_LEVEL"] = level
    return subprocess.run(
        [sys.executable, *extra_flags, "-m", "log_config.demo", *args],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60,
    )


def without_timestamps(lines: list[dict]) -> list[dict]:
    return [{k: v for k, v in line.items() if k != "timestamp"} for line in lines]


class DemoTest(ContractAssertions):
    @classmethod
    def setUpClass(cls) -> None:
        cls.result = run_demo(COMMAND[3:])
        cls.records = parse_lines(cls.result.stdout) if cls.result.returncode == 0 else []

    def test_runs_cleanly(self) -> None:
        self.assertEqual(self.result.returncode, 0, self.result.stderr)
        self.assertEqual(self.result.stderr, "")
        self.assertTrue(self.result.stdout.endswith("\n"))

    def test_every_line_follows_the_contract(self) -> None:
        self.assertGreater(len(self.records), 400)
        for line in self.records:
            self.assertValidLine(line)
            self.assertEqual(line["api"], "imaging-api")

    def test_counts_requests(self) -> None:
        events = Counter(l.get("event") for l in self.records)
        self.assertEqual(events["request.started"], 200)
        self.assertEqual(events["request.completed"] + events["request.failed"], 200)

    def test_covers_the_outcomes_the_dashboard_shows(self) -> None:
        completed = [l for l in self.records if l.get("event") == "request.completed"]
        classes = {l["status_code"] // 100 for l in completed}
        self.assertTrue({2, 4, 5} <= classes, classes)
        failed = [l for l in self.records if l.get("event") == "request.failed"]
        self.assertTrue(failed)
        for line in failed:
            self.assertEqual(line["level"], "ERROR")
            self.assertIn("Traceback", line["exception"])
        levels = Counter(l["level"] for l in self.records)
        self.assertGreater(levels["ERROR"], len(failed), "non-request ERROR lines too")
        self.assertGreater(levels["WARNING"], 0)
        self.assertEqual(levels["DEBUG"], 0, "LOG_LEVEL=INFO hides DEBUG")
        self.assertIn("training.failed", {l.get("event") for l in self.records})
        self.assertTrue(any(l["duration_ms"] >= 2000 for l in completed), "some slow requests")
        paths = {l["path"] for l in completed}
        self.assertTrue(any(p.startswith("/imaging/studies/") for p in paths), paths)

    def test_request_lines_are_correlated(self) -> None:
        started = {l["request_id"] for l in self.records if l.get("event") == "request.started"}
        ended = [l["request_id"] for l in self.records
                 if l.get("event") in ("request.completed", "request.failed")]
        self.assertEqual(len(started), 200, "request ids are unique")
        self.assertEqual(set(ended), started)

    def test_deterministic_with_a_seed(self) -> None:
        again = run_demo(COMMAND[3:])
        self.assertEqual(without_timestamps(parse_lines(again.stdout)), without_timestamps(self.records))
        other = run_demo(["--api", "imaging-api", "--count", "200", "--seed", "2"])
        self.assertNotEqual(without_timestamps(parse_lines(other.stdout)), without_timestamps(self.records))

    def test_debug_level_from_environment(self) -> None:
        result = run_demo(["--api", "trust-api", "--count", "50", "--seed", "3"], level="DEBUG")
        lines = parse_lines(result.stdout)
        for line in lines:
            self.assertValidLine(line)
        self.assertIn("DEBUG", {l["level"] for l in lines})
        self.assertIn("/cohort/query", {l.get("path") for l in lines})

    def test_every_api_profile(self) -> None:
        for api, path_prefix in (("trust-api", "/tasks"), ("data-access-api", "/projects/"),
                                 ("imaging-api", "/imaging/")):
            with self.subTest(api=api):
                result = run_demo(["--api", api, "--count", "100", "--seed", "4"], level="DEBUG")
                self.assertEqual(result.returncode, 0, result.stderr)
                lines = parse_lines(result.stdout)
                for line in lines:
                    self.assertValidLine(line)
                self.assertEqual({l["api"] for l in lines}, {api})
                self.assertTrue(any(l.get("path", "").startswith(path_prefix) for l in lines))

    def test_an_api_without_a_profile_borrows_one_and_keeps_its_name(self) -> None:
        # A site's fourth API still gets demo traffic, under its own name, so its dashboard row fills.
        result = run_demo(["--api", "billing-api", "--count", "50", "--seed", "2"])
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = parse_lines(result.stdout)
        for line in lines:
            self.assertValidLine(line)
        self.assertEqual({l["api"] for l in lines}, {"billing-api"})
        self.assertIn("request.completed", {l.get("event") for l in lines})

    def test_duration_and_rate(self) -> None:
        result = run_demo(["--api", "data-access-api", "--duration", "0.5", "--rate", "40"])
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = parse_lines(result.stdout)
        started = sum(1 for l in lines if l.get("event") == "request.started")
        self.assertTrue(2 <= started <= 60, started)

    def test_bad_arguments(self) -> None:
        for args in (["--api", "Not An Api"], ["--api", "trust-api", "--rate", "0"],
                     ["--api", "trust-api", "--count", "-1"], []):
            with self.subTest(args=args):
                result = run_demo(args)
                self.assertEqual(result.returncode, 2)
                self.assertEqual(result.stdout, "")

    def test_needs_only_the_standard_library(self) -> None:
        # -S leaves site-packages off sys.path, like a bare python:3.11-slim with
        # only log_config/ copied in; then check every loaded module is stdlib.
        code = (
            "import sys, log_config, log_config.demo\n"
            "bad = sorted({m.split('.')[0] for m in sys.modules} - set(sys.stdlib_module_names)"
            " - {'log_config', '__main__'})\n"
            "print(bad)\n"
        )
        result = subprocess.run([sys.executable, "-S", "-c", code], cwd=REPO_ROOT,
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), "[]")


if __name__ == "__main__":
    unittest.main()
