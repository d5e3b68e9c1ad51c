"""The contract validator itself: it accepts good lines and, crucially, rejects bad ones."""

from __future__ import annotations

import unittest

from .helpers import SCHEMA, contract_errors

GOOD = {
    "timestamp": "2026-11-25T10:00:00.123Z",
    "level": "INFO",
    "api": "trust-api",
    "logger": "log_config.request",
    "message": "GET /tasks 200 in 12 ms",
    "event": "request.completed",
    "request_id": "3f2a9c1e-0000-4000-8000-000000000000",
    "method": "GET",
    "path": "/tasks",
    "status_code": 200,
    "duration_ms": 12,
}


class ContractValidatorTest(unittest.TestCase):
    def test_schema_is_the_project_contract(self) -> None:
        self.assertEqual(SCHEMA["$schema"], "https://json-schema.org/draft/2020-12/schema")
        self.assertEqual(
            set(SCHEMA["required"]), {"timestamp", "level", "api", "logger", "message"}
        )

    def test_accepts_a_good_line(self) -> None:
        self.assertEqual(contract_errors(GOOD), [])

    def test_rejects_bad_lines(self) -> None:
        def without(key: str) -> dict:
            return {k: v for k, v in GOOD.items() if k != key}

        bad = {
            "missing api": without("api"),
            "missing timestamp": without("timestamp"),
            "level WARN": {**GOOD, "level": "WARN"},
            "level lower-case": {**GOOD, "level": "info"},
            "api with capitals": {**GOOD, "api": "Trust-API"},
            "timestamp not UTC": {**GOOD, "timestamp": "2026-11-25T10:00:00.123+01:00"},
            # passes the schema's pattern, so only the date-time format check catches it
            "impossible date": {**GOOD, "timestamp": "2026-13-45T10:00:00.123Z"},
            "timestamp not a date": {**GOOD, "timestamp": "yesterday Z"},
            "completed without status_code": without("status_code"),
            "completed without request_id": without("request_id"),
            "duration as float": {**GOOD, "duration_ms": 12.5},
            "status_code as string": {**GOOD, "status_code": "200"},
            "path without slash": {**GOOD, "path": "tasks"},
            "event not dotted": {**GOOD, "event": "completed"},
            "failed without duration": {
                k: v for k, v in {**GOOD, "event": "request.failed"}.items() if k != "duration_ms"
            },
        }
        for name, line in bad.items():
            with self.subTest(name):
                self.assertNotEqual(contract_errors(line), [], f"{name} was accepted")


if __name__ == "__main__":
    unittest.main()
