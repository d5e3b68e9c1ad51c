"""Shared test helpers: the contract validator and a root-logger sandbox."""

from __future__ import annotations

import io
import json
import logging
import re
import unittest
from datetime import datetime
from pathlib import Path
from typing import Any

try:
    import jsonschema
except ImportError as exc:  # fail loudly: a skipped contract check would hide breakage
    raise ImportError(
        "jsonschema is required for the log_config tests: apt-get install python3-jsonschema, "
        "or set FLIP_TEST_PYTHON to a Python that has it (npm test picks one: tests/find-python.sh)"
    ) from exc

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = REPO_ROOT / "contract" / "log-line.schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))

_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)

FORMAT_CHECKER = jsonschema.FormatChecker()


# jsonschema's own date-time check needs rfc3339-validator, which Debian does not
# ship; without this the "format" keyword would silently pass anything.
@FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _RFC3339.match(value):
        return False
    datetime.fromisoformat(value.replace("z", "Z"))  # raises on 2026-13-45 etc.
    return True


jsonschema.Draft202012Validator.check_schema(SCHEMA)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=FORMAT_CHECKER)


def contract_errors(line: dict[str, Any]) -> list[str]:
    """All the ways ``line`` breaks the contract (empty when it is valid)."""
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<line>'}: {e.message}"
        for e in VALIDATOR.iter_errors(line)
    ]


def parse_lines(text: str) -> list[dict[str, Any]]:
    """Split output into lines, each of which must be one JSON object."""
    lines = text.splitlines()
    records = []
    for raw in lines:
        value = json.loads(raw)
        if not isinstance(value, dict):
            raise AssertionError(f"not a JSON object: {raw!r}")
        records.append(value)
    return records


class ContractAssertions(unittest.TestCase):
    """TestCase with a contract assertion."""

    def assertValidLine(self, line: dict[str, Any]) -> None:
        errors = contract_errors(line)
        if errors:
            self.fail(f"line breaks the contract: {errors}\n{json.dumps(line)}")


class LoggingSandbox(ContractAssertions):
    """Saves and restores the global logging state around each test.

    ``self.output`` receives what the configured handler writes; ``self.lines()``
    parses it and checks each line against the contract.
    """

    _SAVED_LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "log_config")

    def setUp(self) -> None:
        super().setUp()
        self._saved = {}
        for name in self._SAVED_LOGGERS:
            lg = logging.getLogger(name)
            self._saved[name] = (list(lg.handlers), lg.level, lg.propagate)
            for h in list(lg.handlers):
                lg.removeHandler(h)
        self.output = io.StringIO()

    def tearDown(self) -> None:
        for name, (handlers, level, propagate) in self._saved.items():
            lg = logging.getLogger(name)
            for h in list(lg.handlers):
                lg.removeHandler(h)
            for h in handlers:
                lg.addHandler(h)
            lg.setLevel(level)
            lg.propagate = propagate
        super().tearDown()

    def lines(self) -> list[dict[str, Any]]:
        text = self.output.getvalue()
        self.assertTrue(text == "" or text.endswith("\n"), "output must end with a newline")
        records = parse_lines(text)
        for record in records:
            self.assertValidLine(record)
        return records
