"""Pure ASGI request-logging middleware (no web framework needed)."""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any, Awaitable, Callable, MutableMapping, Optional

from .context import request_context

__all__ = ["RequestLoggingMiddleware", "REQUEST_ID_HEADER"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

REQUEST_ID_HEADER = "X-Request-ID"
_HEADER_KEY = REQUEST_ID_HEADER.lower().encode("latin-1")

# Visible ASCII only, so a caller's id can neither split a log line nor a
# response header, and a bounded length so it cannot bloat every line.
_SANE_REQUEST_ID = re.compile(r"^[\x21-\x7e]{1,128}$")


def _new_request_id() -> str:
    return str(uuid.uuid4())


class RequestLoggingMiddleware:
    """Log ``request.started``, ``request.completed`` and ``request.failed`` for each HTTP request.

    Use it with Starlette/FastAPI (``app.add_middleware(RequestLoggingMiddleware)``)
    or wrap any ASGI app directly (``app = RequestLoggingMiddleware(app)``).

    All three events carry the same ``request_id`` (the caller's ``X-Request-ID``
    when it is sane, otherwise a new UUID4), ``method`` and ``path`` (without the
    query string); the id is also in the request context for the app's own
    lines and is echoed in the ``X-Request-ID`` response header. A response
    returned normally is ``request.completed`` at INFO whatever its status; an
    exception escaping the app is ``request.failed`` at ERROR with its
    traceback, and is re-raised. Non-HTTP scopes (lifespan, websocket) pass
    through untouched.

    ``clock`` (seconds, monotonic) and ``request_id_factory`` exist so tests and
    the traffic generator can make durations and ids deterministic.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        logger: Optional[logging.Logger] = None,
        clock: Callable[[], float] = time.perf_counter,
        request_id_factory: Callable[[], str] = _new_request_id,
    ) -> None:
        self.app = app
        self.logger = logger or logging.getLogger("log_config.request")
        self.clock = clock
        self.request_id_factory = request_id_factory

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection."""
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return

        request_id = _incoming_request_id(scope) or self.request_id_factory()
        method = str(scope.get("method") or "GET").upper()
        path = _path(scope)
        status: Optional[int] = None
        header = (_HEADER_KEY, request_id.encode("latin-1"))

        async def send_with_request_id(message: Message) -> None:
            nonlocal status
            if message.get("type") == "http.response.start":
                status = int(message.get("status", 200))
                headers = [
                    (bytes(k), bytes(v))
                    for k, v in message.get("headers") or ()
                    if bytes(k).lower() != _HEADER_KEY
                ]
                headers.append(header)
                message = {**message, "headers": headers}
            await send(message)

        with request_context(request_id, method, path):
            self.logger.info(
                "%s %s started", method, path, extra={"event": "request.started"}
            )
            start = self.clock()
            try:
                await self.app(scope, receive, send_with_request_id)
            except BaseException as exc:
                # BaseException too: a cancelled request must not leave a
                # request.started without an ending line.
                duration_ms = _elapsed_ms(start, self.clock())
                extra: dict[str, Any] = {"event": "request.failed", "duration_ms": duration_ms}
                if status is not None:
                    extra["status_code"] = status
                self.logger.error(
                    "%s %s failed after %d ms: %s",
                    method,
                    path,
                    duration_ms,
                    type(exc).__name__,
                    exc_info=(type(exc), exc, exc.__traceback__),
                    extra=extra,
                )
                raise
            duration_ms = _elapsed_ms(start, self.clock())
            # An app that returns without starting a response gets a 500 from
            # the server; report what the client will see.
            status_code = status if status is not None else 500
            self.logger.info(
                "%s %s %d in %d ms",
                method,
                path,
                status_code,
                duration_ms,
                extra={
                    "event": "request.completed",
                    "status_code": status_code,
                    "duration_ms": duration_ms,
                },
            )


def _incoming_request_id(scope: Scope) -> Optional[str]:
    """The caller's X-Request-ID if it is present and sane, else ``None``."""
    for key, value in scope.get("headers") or ():
        if bytes(key).lower() == _HEADER_KEY:
            candidate = bytes(value).decode("latin-1").strip()
            return candidate if _SANE_REQUEST_ID.match(candidate) else None
    return None


def _path(scope: Scope) -> str:
    path = str(scope.get("path") or "/").split("?", 1)[0]
    return path if path.startswith("/") else "/" + path


def _elapsed_ms(start: float, end: float) -> int:
    return max(0, int(round((end - start) * 1000)))
