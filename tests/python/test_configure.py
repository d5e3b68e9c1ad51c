"""configure_logging: one JSON handler on stdout, levels, idempotence, uvicorn loggers."""

from __future__ import annotations

import io
import logging
import sys
import unittest
from unittest import mock

from log_config import configure_logging

from .helpers import LoggingSandbox


class ConfigureLoggingTest(LoggingSandbox):
    def ours(self) -> list[logging.Handler]:
        return [h for h in logging.getLogger().handlers if getattr(h, "stream", None) is self.output]

    def test_writes_contract_lines(self) -> None:
        configure_logging("trust-api", stream=self.output)
        logging.getLogger("trust_api.tasks").info("task %s queued", "t-1", extra={"event": "task.queued"})
        [line] = self.lines()
        self.assertEqual(line["api"], "trust-api")
        self.assertEqual(line["logger"], "trust_api.tasks")
        self.assertEqual(line["message"], "task t-1 queued")
        self.assertEqual(line["event"], "task.queued")

    def test_default_stream_is_stdout(self) -> None:
        fake_stdout = io.StringIO()
        with mock.patch.object(sys, "stdout", fake_stdout):
            configure_logging("trust-api")
            logging.getLogger("x").warning("to stdout")
        self.assertIn('"message": "to stdout"', fake_stdout.getvalue())

    def test_idempotent(self) -> None:
        configure_logging("trust-api", "INFO", stream=self.output)
        configure_logging("trust-api", "INFO", stream=self.output)
        configure_logging("trust-api", "INFO", stream=self.output)
        self.assertEqual(len(logging.getLogger().handlers), 1)
        logging.getLogger("x").info("once")
        self.assertEqual([l["message"] for l in self.lines()], ["once"])

    def test_reconfigure_updates_api_and_level(self) -> None:
        configure_logging("trust-api", "INFO", stream=self.output)
        configure_logging("imaging-api", "DEBUG", stream=self.output)
        self.assertEqual(len(logging.getLogger().handlers), 1)
        logging.getLogger("x").debug("now visible")
        [line] = self.lines()
        self.assertEqual((line["api"], line["level"]), ("imaging-api", "DEBUG"))

    def test_console_handlers_from_basic_config_are_replaced(self) -> None:
        logging.basicConfig(stream=sys.stderr, force=True)
        configure_logging("trust-api", stream=self.output)
        self.assertEqual(logging.getLogger().handlers, self.ours())
        self.assertEqual(len(self.ours()), 1)

    def test_other_handlers_are_kept(self) -> None:
        keep = logging.NullHandler()
        logging.getLogger().addHandler(keep)
        configure_logging("trust-api", stream=self.output)
        self.assertIn(keep, logging.getLogger().handlers)

    def test_levels(self) -> None:
        cases = {
            "DEBUG": logging.DEBUG, "debug": logging.DEBUG, " info ": logging.INFO,
            "WARNING": logging.WARNING, "WARN": logging.WARNING, "error": logging.ERROR,
            "CRITICAL": logging.CRITICAL, "FATAL": logging.CRITICAL,
            logging.ERROR: logging.ERROR, "": logging.INFO, None: logging.INFO,
        }
        for given, expected in cases.items():
            with self.subTest(level=given):
                self.output = io.StringIO()
                configure_logging("trust-api", given, stream=self.output)
                self.assertEqual(logging.getLogger().level, expected)
                self.assertEqual(self.lines(), [], "a known level logs no warning")

    def test_default_level_is_info(self) -> None:
        configure_logging("trust-api", stream=self.output)
        log = logging.getLogger("x")
        log.debug("hidden")
        log.info("shown")
        self.assertEqual([l["message"] for l in self.lines()], ["shown"])

    def test_level_filters(self) -> None:
        configure_logging("trust-api", "WARNING", stream=self.output)
        log = logging.getLogger("x")
        log.debug("d")
        log.info("i")
        log.warning("w")
        log.error("e")
        log.critical("c")
        self.assertEqual([l["level"] for l in self.lines()], ["WARNING", "ERROR", "CRITICAL"])

    def test_unknown_level_falls_back_to_info_with_one_warning(self) -> None:
        for given in ("VERBOSE", "trace", 15, "NOTSET"):
            with self.subTest(level=given):
                self.output = io.StringIO()
                configure_logging("trust-api", given, stream=self.output)
                self.assertEqual(logging.getLogger().level, logging.INFO)
                logging.getLogger("x").debug("hidden")
                [warning] = self.lines()
                self.assertEqual(warning["level"], "WARNING")
                self.assertIn(repr(given), warning["message"])
                self.assertIn("INFO", warning["message"])

    def test_bad_api_name_is_refused(self) -> None:
        with self.assertRaises(ValueError):
            configure_logging("Trust API", stream=self.output)

    def test_uvicorn_access_is_quiet_and_uvicorn_errors_are_json(self) -> None:
        # what uvicorn's default LOGGING_CONFIG does before the app is imported
        for name in ("uvicorn", "uvicorn.access"):
            lg = logging.getLogger(name)
            lg.addHandler(logging.StreamHandler(io.StringIO()))
            lg.propagate = False
        configure_logging("trust-api", stream=self.output)
        access = logging.getLogger("uvicorn.access")
        self.assertEqual(access.level, logging.WARNING)
        self.assertFalse(access.propagate)
        access.info('127.0.0.1 - "GET /tasks HTTP/1.1" 200')
        logging.getLogger("uvicorn.error").info("Application startup complete.")
        [line] = self.lines()
        self.assertEqual(line["logger"], "uvicorn.error")
        self.assertEqual(line["message"], "Application startup complete.")


if __name__ == "__main__":
    unittest.main()
