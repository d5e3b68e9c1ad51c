"""Structured JSON logging for the FLIP Trust APIs (standard library only).

Usage::

    from log_config import configure_logging, RequestLoggingMiddleware
    configure_logging("trust-api", os.environ.get("LOG_LEVEL", "INFO"))
    app.add_middleware(RequestLoggingMiddleware)

Every line written follows contract/log-line.schema.json.
"""

from __future__ import annotations

import logging
import sys
from typing import IO, Optional, Union

from .context import RequestContext, current_request, request_context
from .formatter import JsonFormatter
from .middleware import REQUEST_ID_HEADER, RequestLoggingMiddleware

__all__ = [
    "configure_logging",
    "JsonFormatter",
    "RequestLoggingMiddleware",
    "RequestContext",
    "current_request",
    "request_context",
    "REQUEST_ID_HEADER",
]

DEFAULT_LEVEL = "INFO"

_LEVELS = {
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARNING": logging.WARNING,
    "WARN": logging.WARNING,
    "ERROR": logging.ERROR,
    "CRITICAL": logging.CRITICAL,
    "FATAL": logging.CRITICAL,
}


class _JsonStdoutHandler(logging.StreamHandler):
    """The one handler configure_logging installs on the root logger (found again by type)."""


def _resolve_level(level: Union[str, int, None]) -> tuple[int, bool]:
    """Return (level number, whether ``level`` was understood)."""
    if level is None or (isinstance(level, str) and not level.strip()):
        return logging.INFO, True
    if isinstance(level, int) and not isinstance(level, bool):
        return (level, True) if level in _LEVELS.values() else (logging.INFO, False)
    if isinstance(level, str) and level.strip().upper() in _LEVELS:
        return _LEVELS[level.strip().upper()], True
    return logging.INFO, False


def configure_logging(
    api_name: str,
    level: Union[str, int, None] = DEFAULT_LEVEL,
    *,
    stream: Optional[IO[str]] = None,
) -> None:
    """Send every log record to stdout as one JSON line following the contract.

    ``api_name`` goes in the ``api`` field of every line (e.g. ``"trust-api"``)
    and must match ``^[a-z][a-z0-9-]*$``, else ``ValueError``. ``level`` is a
    level name (case-insensitive; ``WARN`` and ``FATAL`` are accepted) or a
    standard level number; an empty value means INFO; an unknown value also
    falls back to INFO and logs one WARNING line saying so.

    Safe to call more than once: the root logger keeps exactly one JSON
    handler, updated in place. Plain console handlers on the root logger (for
    example from ``logging.basicConfig``) are removed so nothing is written
    twice. ``uvicorn.access`` is set to WARNING and stops propagating, since
    RequestLoggingMiddleware replaces it; ``uvicorn`` and ``uvicorn.error``
    lose their own text handlers and propagate, so server messages are JSON too.
    ``stream`` defaults to ``sys.stdout`` (tests pass a buffer).
    """
    formatter = JsonFormatter(api_name)
    level_no, understood = _resolve_level(level)
    target = stream if stream is not None else sys.stdout

    root = logging.getLogger()
    ours = [h for h in root.handlers if isinstance(h, _JsonStdoutHandler)]
    for handler in list(root.handlers):
        if handler in ours[1:] or _is_console_handler(handler):
            root.removeHandler(handler)
    if ours:
        handler = ours[0]
        if handler.stream is not target:
            handler.setStream(target)
    else:
        handler = _JsonStdoutHandler(target)
        root.addHandler(handler)
    handler.setFormatter(formatter)
    handler.setLevel(logging.NOTSET)
    root.setLevel(level_no)

    access = logging.getLogger("uvicorn.access")
    access.setLevel(logging.WARNING)
    access.propagate = False
    for name in ("uvicorn", "uvicorn.error"):
        server_logger = logging.getLogger(name)
        for h in list(server_logger.handlers):
            server_logger.removeHandler(h)
        server_logger.propagate = True

    if not understood:
        logging.getLogger("log_config").warning(
            "unknown log level %r, using %s", level, DEFAULT_LEVEL,
            extra={"event": "logging.level_unknown"},
        )


def _is_console_handler(handler: logging.Handler) -> bool:
    # Exactly StreamHandler (not FileHandler or test-capture subclasses) on a
    # console stream: what basicConfig or a server's default config installs.
    return type(handler) is logging.StreamHandler and getattr(handler, "stream", None) in (
        sys.stdout,
        sys.stderr,
        sys.__stdout__,
        sys.__stderr__,
    )
