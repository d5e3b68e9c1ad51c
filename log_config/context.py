"""Per-request logging context, kept in a ``contextvars.ContextVar``.

The middleware opens a context for each HTTP request; every record logged while
it is open (by the middleware, the app, or anything the app calls in the same
task or in a thread started with a copied context) carries its ``request_id``,
``method`` and ``path``.
"""

from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass
from typing import Iterator, Optional

__all__ = ["RequestContext", "current_request", "request_context"]


@dataclass(frozen=True)
class RequestContext:
    """The request fields that every line logged inside a request carries."""

    request_id: str
    method: str
    path: str

    def as_fields(self) -> dict[str, str]:
        """Return the fields in contract order, ready to merge into a log line."""
        return {"request_id": self.request_id, "method": self.method, "path": self.path}


_current: contextvars.ContextVar[Optional[RequestContext]] = contextvars.ContextVar(
    "log_config_request", default=None
)


def current_request() -> Optional[RequestContext]:
    """Return the context of the request being handled, or ``None`` outside a request."""
    return _current.get()


@contextlib.contextmanager
def request_context(request_id: str, method: str, path: str) -> Iterator[RequestContext]:
    """Open a request context for the duration of a ``with`` block.

    The previous context (usually none) is restored on exit, even on error, so
    contexts never leak from one request into the next.
    """
    ctx = RequestContext(request_id=request_id, method=method, path=path)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
