"""JsonFormatter and the request context: exactly the contract, one line per record."""

from __future__ import annotations

import decimal
import json
import logging
import sys
import unittest
from datetime import datetime, timezone

from log_config import JsonFormatter, current_request, request_context

from .helpers import ContractAssertions


def make_record(msg: str = "hello", *args: object, level: int = logging.INFO,
                name: str = "app.module", exc_info: object = None, **extra: object) -> logging.LogRecord:
    record = logging.getLogger(name).makeRecord(
        name, level, "/srv/app/module.py", 42, msg, args, exc_info, extra=extra or None
    )
    return record


class FormatterTest(ContractAssertions):
    def setUp(self) -> None:
        self.formatter = JsonFormatter("trust-api")

    def render(self, record: logging.LogRecord) -> dict:
        text = self.formatter.format(record)
        self.assertNotIn("\n", text, "a record must stay on one line")
        line = json.loads(text)
        self.assertValidLine(line)
        return line

    def test_core_fields_in_order(self) -> None:
        line = self.render(make_record("cohort of %d patients", 12))
        self.assertEqual(list(line), ["timestamp", "level", "api", "logger", "message"])
        self.assertEqual(line["level"], "INFO")
        self.assertEqual(line["api"], "trust-api")
        self.assertEqual(line["logger"], "app.module")
        self.assertEqual(line["message"], "cohort of 12 patients")

    def test_timestamp_is_utc_with_milliseconds(self) -> None:
        record = make_record()
        record.created = datetime(2026, 11, 25, 10, 0, 0, 123456, tzinfo=timezone.utc).timestamp()
        self.assertEqual(self.render(record)["timestamp"], "2026-11-25T10:00:00.123Z")

    def test_extras_are_kept_and_record_attributes_do_not_leak(self) -> None:
        line = self.render(make_record(event="training.failed", status_code=503,
                                       duration_ms=7, project="p-001", attempt=2))
        self.assertEqual(
            list(line),
            ["timestamp", "level", "api", "logger", "message",
             "event", "status_code", "duration_ms", "attempt", "project"],
        )
        for leaked in ("args", "msg", "levelno", "pathname", "lineno", "funcName",
                       "created", "msecs", "thread", "process", "exc_info", "exc_text",
                       "stack_info", "name", "levelname", "module", "filename"):
            self.assertNotIn(leaked, line)

    def test_key_order_is_stable(self) -> None:
        a = self.render(make_record(zeta=1, event="x.y", alpha=2, request_id="r1"))
        b = self.render(make_record(alpha=2, request_id="r1", zeta=1, event="x.y"))
        self.assertEqual(list(a), list(b))
        self.assertEqual(list(a)[5:], ["event", "request_id", "alpha", "zeta"])

    def test_non_serialisable_values_become_strings(self) -> None:
        class Opaque:
            def __str__(self) -> str:
                return "opaque!"

        class Broken:
            def __str__(self) -> str:
                raise RuntimeError("no")

        line = self.render(make_record(
            obj=Opaque(), when=datetime(2026, 1, 2, tzinfo=timezone.utc),
            amount=decimal.Decimal("1.50"), raw=b"\x00\xff", tags={"a"},
            nested={1: [Opaque(), None, 2.5]}, nan=float("nan"), inf=float("-inf"),
            broken=Broken(),
        ))
        self.assertEqual(line["obj"], "opaque!")
        self.assertEqual(line["when"], "2026-01-02 00:00:00+00:00")
        self.assertEqual(line["amount"], "1.50")
        self.assertEqual(line["raw"], "b'\\x00\\xff'")
        self.assertEqual(line["tags"], "{'a'}")
        self.assertEqual(line["nested"], {"1": ["opaque!", None, 2.5]})
        self.assertEqual(line["nan"], "nan")
        self.assertEqual(line["inf"], "-inf")
        self.assertIn("Broken", line["broken"])

    def test_output_is_strict_json(self) -> None:
        text = self.formatter.format(make_record(value=float("nan")))
        json.loads(text, parse_constant=lambda c: self.fail(f"non-standard constant {c}"))

    def test_newlines_stay_on_one_line(self) -> None:
        record = make_record("first\nsecond\r\nthird\u2028fourth\x85fifth", note="a\nb")
        text = self.formatter.format(record)
        self.assertEqual(len(text.splitlines()), 1)
        self.assertNotIn("\n", text)
        self.assertNotIn("\r", text)
        line = self.render(record)
        self.assertEqual(line["message"], "first\nsecond\r\nthird\u2028fourth\x85fifth")
        self.assertEqual(line["note"], "a\nb")

    def test_exception_has_the_traceback(self) -> None:
        try:
            raise KeyError("project_id")
        except KeyError:
            record = make_record("lookup failed", level=logging.ERROR, exc_info=sys.exc_info())
        line = self.render(record)
        self.assertEqual(line["level"], "ERROR")
        self.assertTrue(line["exception"].startswith("Traceback (most recent call last):"))
        self.assertIn("KeyError: 'project_id'", line["exception"])
        self.assertEqual(list(line)[-1], "exception")
        self.assertNotIn("exception", self.render(make_record()))

    def test_stack_info(self) -> None:
        record = make_record()
        record.stack_info = "Stack (most recent call last):\n  File x"
        self.assertIn("File x", self.render(record)["stack"])

    def test_levels(self) -> None:
        for level in (logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR, logging.CRITICAL):
            with self.subTest(level=level):
                self.assertEqual(self.render(make_record(level=level))["level"],
                                 logging.getLevelName(level))

    def test_custom_levels_map_to_contract_levels(self) -> None:
        for number, expected in ((25, "INFO"), (5, "DEBUG"), (35, "WARNING"), (60, "CRITICAL")):
            with self.subTest(number=number):
                self.assertEqual(self.render(make_record(level=number))["level"], expected)

    def test_core_fields_cannot_be_overridden_by_extra(self) -> None:
        record = make_record()
        for key, value in {"api": "evil-api", "level": "NOPE", "timestamp": "then", "logger": "x"}.items():
            setattr(record, key, value)  # what extra= does
        line = self.render(record)
        self.assertEqual(line["api"], "trust-api")
        self.assertEqual(line["level"], "INFO")
        self.assertEqual(line["logger"], "app.module")
        self.assertNotEqual(line["timestamp"], "then")

    def test_bad_format_arguments_keep_the_line(self) -> None:
        line = self.render(make_record("%d patients", "many"))
        self.assertIn("%d patients", line["message"])
        self.assertIn("many", line["message"])

    def test_api_name_is_checked(self) -> None:
        for bad in ("Trust-API", "", "1api", "trust_api", None):
            with self.subTest(bad=bad), self.assertRaises(ValueError):
                JsonFormatter(bad)  # type: ignore[arg-type]


class RequestContextTest(ContractAssertions):
    def setUp(self) -> None:
        self.formatter = JsonFormatter("data-access-api")

    def test_fields_inside_a_request_only(self) -> None:
        self.assertIsNone(current_request())
        with request_context("req-1", "GET", "/projects/p-001/data") as ctx:
            self.assertIs(current_request(), ctx)
            line = json.loads(self.formatter.format(make_record("inside")))
        self.assertIsNone(current_request())
        self.assertValidLine(line)
        self.assertEqual(list(line)[5:], ["request_id", "method", "path"])
        self.assertEqual((line["request_id"], line["method"], line["path"]),
                         ("req-1", "GET", "/projects/p-001/data"))
        outside = json.loads(self.formatter.format(make_record("outside")))
        self.assertNotIn("request_id", outside)

    def test_context_is_restored_after_an_error(self) -> None:
        with self.assertRaises(RuntimeError):
            with request_context("req-2", "POST", "/tasks"):
                raise RuntimeError("boom")
        self.assertIsNone(current_request())

    def test_explicit_extra_wins_over_context(self) -> None:
        with request_context("req-3", "GET", "/tasks"):
            line = json.loads(self.formatter.format(make_record(request_id="upstream-9")))
        self.assertEqual(line["request_id"], "upstream-9")
        self.assertEqual(line["path"], "/tasks")


if __name__ == "__main__":
    unittest.main()
