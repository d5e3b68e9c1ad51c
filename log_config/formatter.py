"""JSON formatter producing exactly the log line contract (contract/log-line.schema.json)."""

from __future__ import annotations

import json
import logging
import math
import re
from datetime import datetime, timezone
from typing import Any

from .context import current_request

__all__ = ["JsonFormatter", "API_NAME_PATTERN"]

API_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9-]*$")

# Keys the formatter always writes itself, in output order. Extras may not
# override them: the labels Alloy promotes (level, api) must be trustworthy.
_CORE_KEYS = ("timestamp", "level", "api", "logger", "message")

# Optional contract keys, written right after the core keys when present, so a
# person reading raw lines sees them in the same place every time.
_CONTRACT_KEYS = ("event", "request_id", "method", "path", "status_code", "duration_ms")

# Every attribute a bare LogRecord has, plus the ones logging adds later
# (message, asctime) and newer Pythons add (taskName). Anything else on a
# record came from ``extra=``.
_RECORD_ATTRS = frozenset(
    vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None))
) | {"message", "asctime", "taskName"}

# Characters str.splitlines() (and some log viewers) treat as line breaks but
# json.dumps(ensure_ascii=False) writes unescaped. They only occur inside JSON
# strings, where the \uXXXX form is equivalent.
_UNICODE_LINE_BREAKS = {ord(c): f"\\u{ord(c):04x}" for c in "\x85\u2028\u2029"}

_STANDARD_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


def _level_name(record: logging.LogRecord) -> str:
    """The record's level name, mapped onto the five names the contract allows.

    Custom levels (e.g. a NOTICE at 25) become the standard level just below them
    rather than producing a line that breaks the ``level`` label.
    """
    if record.levelname in _STANDARD_LEVELS:
        return record.levelname
    for name in _STANDARD_LEVELS:
        if record.levelno >= logging.getLevelName(name):
            return name
    return "DEBUG"


def _timestamp(created: float) -> str:
    moment = datetime.fromtimestamp(created, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{moment.microsecond // 1000:03d}Z"


def _safe_str(value: Any) -> str:
    try:
        return str(value)
    except Exception:  # a broken __str__ must not lose the whole line
        try:
            return repr(value)
        except Exception:
            return f"<unprintable {type(value).__name__}>"


def _jsonable(value: Any) -> Any:
    """Turn ``value`` into something ``json.dumps`` writes as strict JSON.

    Non-serialisable values become strings; NaN and infinities become strings
    too, because ``json.dumps`` would otherwise write bare ``NaN`` which is not
    JSON and which Alloy's ``stage.json`` rejects.
    """
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {_safe_str(k) if not isinstance(k, str) else k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return _safe_str(value)


class JsonFormatter(logging.Formatter):
    """Format each record as one JSON object on one line, following the contract.

    Output keys, in order: ``timestamp``, ``level``, ``api``, ``logger``,
    ``message``; then whichever of ``event``, ``request_id``, ``method``,
    ``path``, ``status_code``, ``duration_ms`` are present; then any other
    ``extra=`` fields sorted by name; then ``exception`` and ``stack`` when the
    record has them. Request fields come from the current request context; an
    explicit ``extra=`` value for the same key wins.
    """

    def __init__(self, api_name: str) -> None:
        super().__init__()
        if not isinstance(api_name, str) or not API_NAME_PATTERN.match(api_name):
            raise ValueError(
                f"api_name {api_name!r} is not allowed: use lower-case letters, digits "
                "and '-', starting with a letter (e.g. 'trust-api')"
            )
        self.api_name = api_name

    def format(self, record: logging.LogRecord) -> str:
        """Render ``record`` as a single line of JSON (no trailing newline)."""
        line: dict[str, Any] = {
            "timestamp": _timestamp(record.created),
            "level": _level_name(record),
            "api": self.api_name,
            "logger": record.name,
            "message": self._message(record),
        }

        fields: dict[str, Any] = {}
        ctx = current_request()
        if ctx is not None:
            fields.update(ctx.as_fields())
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRS and key not in _CORE_KEYS and not key.startswith("_"):
                fields[key] = value

        for key in _CONTRACT_KEYS:
            if key in fields:
                line[key] = fields.pop(key)
        for key in sorted(fields):
            if key not in ("exception", "stack"):
                line[key] = fields[key]

        if record.exc_info:
            # Cache like logging.Formatter does, so several handlers format once.
            if not record.exc_text:
                record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        elif "exception" in fields:
            line["exception"] = fields["exception"]
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        elif "stack" in fields:
            line["stack"] = fields["stack"]

        # ensure_ascii=False keeps names readable in `docker logs`; json escapes
        # \n and the other control characters, and the translate below escapes
        # the Unicode line breaks it leaves raw, so the line is one line for
        # every reader, not just for ones that split on \n.
        text = json.dumps(_jsonable(line), ensure_ascii=False, allow_nan=False)
        return text.translate(_UNICODE_LINE_BREAKS)

    @staticmethod
    def _message(record: logging.LogRecord) -> str:
        try:
            return _safe_str(record.getMessage())
        except Exception:
            # Mismatched %-args: keep the line and show what was passed.
            return f"{_safe_str(record.msg)} (args: {_safe_str(record.args)})"
