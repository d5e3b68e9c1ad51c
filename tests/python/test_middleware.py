"""RequestLoggingMiddleware driven by plain ASGI callables (no framework)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any, Callable, Optional

from log_config import RequestLoggingMiddleware, configure_logging, current_request

from .helpers import LoggingSandbox


def http_scope(path: str = "/tasks", method: str = "GET", query: bytes = b"",
               headers: Optional[list[tuple[bytes, bytes]]] = None) -> dict[str, Any]:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
        "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
        "query_string": query, "root_path": "", "headers": headers or [],
        "client": ("10.0.0.1", 1234), "server": ("trust-api", 8000),
    }


def responder(status: int = 200, headers: Optional[list] = None, log: Optional[Callable] = None):
    """An ASGI app answering ``status``; ``log`` runs inside the request."""

    async def app(scope, receive, send):
        await receive()
        if log:
            log()
        await send({"type": "http.response.start", "status": status,
                    "headers": headers if headers is not None else [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"hi", "more_body": True})
        await send({"type": "http.response.body", "body": b"!"})

    return app


class FakeClock:
    def __init__(self, *readings: float) -> None:
        self.readings = list(readings)

    def __call__(self) -> float:
        return self.readings.pop(0)


async def call(app, scope) -> list[dict]:
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    return sent


def run(app, scope) -> list[dict]:
    return asyncio.run(call(app, scope))


def header_values(message: dict, name: bytes) -> list[bytes]:
    return [bytes(v) for k, v in message["headers"] if bytes(k).lower() == name]


class MiddlewareTest(LoggingSandbox):
    def setUp(self) -> None:
        super().setUp()
        configure_logging("trust-api", "INFO", stream=self.output)

    def events(self) -> list[dict]:
        return [l for l in self.lines() if l.get("event", "").startswith("request.")]

    def test_started_and_completed(self) -> None:
        app = RequestLoggingMiddleware(responder(201), clock=FakeClock(10.0, 10.2504))
        run(app, http_scope("/cohort/query", "post", query=b"limit=5&x=1"))
        started, completed = self.events()
        self.assertEqual((started["event"], started["level"]), ("request.started", "INFO"))
        self.assertEqual((completed["event"], completed["level"]), ("request.completed", "INFO"))
        for line in (started, completed):
            self.assertEqual(line["method"], "POST")
            self.assertEqual(line["path"], "/cohort/query")
            self.assertEqual(line["logger"], "log_config.request")
        self.assertEqual(started["request_id"], completed["request_id"])
        self.assertEqual(completed["status_code"], 201)
        self.assertEqual(completed["duration_ms"], 250)
        self.assertIsInstance(completed["duration_ms"], int)
        self.assertNotIn("status_code", started)
        self.assertNotIn("duration_ms", started)

    def test_request_id_generated_when_absent(self) -> None:
        app = RequestLoggingMiddleware(responder())
        run(app, http_scope())
        run(app, http_scope())
        ids = [l["request_id"] for l in self.events()]
        self.assertEqual(ids[0], ids[1])
        self.assertEqual(ids[2], ids[3])
        self.assertNotEqual(ids[0], ids[2])
        self.assertEqual(uuid.UUID(ids[0]).version, 4)

    def test_request_id_taken_from_header(self) -> None:
        app = RequestLoggingMiddleware(responder())
        sent = run(app, http_scope(headers=[(b"X-Request-Id", b"gateway-42:abc")]))
        self.assertEqual({l["request_id"] for l in self.events()}, {"gateway-42:abc"})
        self.assertEqual(header_values(sent[0], b"x-request-id"), [b"gateway-42:abc"])

    def test_insane_request_id_is_replaced(self) -> None:
        for bad in (b"", b"   ", b"a" * 129, b"two words", b"tab\there", b"caf\xe9", b"x\x00y"):
            with self.subTest(header=bad):
                self.output.seek(0)
                self.output.truncate()
                app = RequestLoggingMiddleware(responder())
                sent = run(app, http_scope(headers=[(b"x-request-id", bad)]))
                [rid] = {l["request_id"] for l in self.events()}
                self.assertEqual(uuid.UUID(rid).version, 4)
                self.assertEqual(header_values(sent[0], b"x-request-id"), [rid.encode()])

    def test_longest_sane_request_id_is_kept(self) -> None:
        rid = "r" * 128
        run(RequestLoggingMiddleware(responder()), http_scope(headers=[(b"x-request-id", rid.encode())]))
        self.assertEqual({l["request_id"] for l in self.events()}, {rid})

    def test_request_id_header_is_echoed_once(self) -> None:
        original = [(b"content-type", b"text/plain"), (b"X-Request-ID", b"app-own")]
        app = RequestLoggingMiddleware(responder(headers=original),
                                       request_id_factory=lambda: "fixed-id")
        start, body1, body2 = run(app, http_scope())
        self.assertEqual(start["type"], "http.response.start")
        self.assertEqual(header_values(start, b"x-request-id"), [b"fixed-id"])
        self.assertEqual(header_values(start, b"content-type"), [b"text/plain"])
        self.assertEqual([body1["body"], body2["body"]], [b"hi", b"!"])
        self.assertEqual(len(original), 2, "the app's header list must not be mutated")

    def test_header_added_when_app_sends_none(self) -> None:
        async def bare(scope, receive, send):
            await send({"type": "http.response.start", "status": 204})
            await send({"type": "http.response.body"})

        start, _ = run(RequestLoggingMiddleware(bare, request_id_factory=lambda: "r1"), http_scope())
        self.assertEqual(header_values(start, b"x-request-id"), [b"r1"])

    def test_app_lines_carry_the_request_context(self) -> None:
        seen: list = []

        def inside() -> None:
            seen.append(current_request())
            logging.getLogger("trust_api.cohort").warning("slow query", extra={"event": "query.slow"})

        app = RequestLoggingMiddleware(responder(log=inside), request_id_factory=lambda: "ctx-1")
        run(app, http_scope("/cohort/query", "POST"))
        self.assertIsNone(current_request())
        self.assertEqual(seen[0].request_id, "ctx-1")
        started, app_line, completed = self.lines()
        self.assertEqual(app_line["event"], "query.slow")
        self.assertEqual((app_line["request_id"], app_line["method"], app_line["path"]),
                         ("ctx-1", "POST", "/cohort/query"))

    def test_concurrent_requests_keep_their_own_ids(self) -> None:
        async def slow(scope, receive, send):
            await asyncio.sleep(0.01 if scope["path"] == "/a" else 0)
            logging.getLogger("app").info("handling %s", scope["path"])
            await responder()(scope, receive, send)

        app = RequestLoggingMiddleware(slow)

        async def both():
            await asyncio.gather(
                call(app, http_scope("/a", headers=[(b"x-request-id", b"id-a")])),
                call(app, http_scope("/b", headers=[(b"x-request-id", b"id-b")])),
            )

        asyncio.run(both())
        for line in self.lines():
            self.assertEqual(line["request_id"], "id-" + line["path"][1:])

    def test_5xx_returned_normally_is_completed_at_info(self) -> None:
        run(RequestLoggingMiddleware(responder(500)), http_scope())
        started, completed = self.events()
        self.assertEqual(completed["event"], "request.completed")
        self.assertEqual(completed["level"], "INFO")
        self.assertEqual(completed["status_code"], 500)

    def test_exception_is_logged_as_failed_and_reraised(self) -> None:
        async def broken(scope, receive, send):
            raise ConnectionError("XNAT did not answer")

        app = RequestLoggingMiddleware(broken, clock=FakeClock(1.0, 4.5))
        with self.assertRaises(ConnectionError):
            run(app, http_scope("/imaging/studies/1.2.3", headers=[(b"x-request-id", b"r-9")]))
        started, failed = self.events()
        self.assertEqual((failed["event"], failed["level"]), ("request.failed", "ERROR"))
        self.assertEqual(failed["request_id"], "r-9")
        self.assertEqual(failed["request_id"], started["request_id"])
        self.assertEqual((failed["method"], failed["path"]), ("GET", "/imaging/studies/1.2.3"))
        self.assertEqual(failed["duration_ms"], 3500)
        self.assertNotIn("status_code", failed)
        self.assertTrue(failed["exception"].startswith("Traceback (most recent call last):"))
        self.assertIn("ConnectionError: XNAT did not answer", failed["exception"])
        self.assertIn("in broken", failed["exception"])
        self.assertIn("ConnectionError", failed["message"])

    def test_exception_after_response_started_keeps_the_status(self) -> None:
        async def half(scope, receive, send):
            await send({"type": "http.response.start", "status": 200, "headers": []})
            raise RuntimeError("stream broke")

        with self.assertRaises(RuntimeError):
            run(RequestLoggingMiddleware(half), http_scope())
        failed = self.events()[-1]
        self.assertEqual(failed["event"], "request.failed")
        self.assertEqual(failed["status_code"], 200)

    def test_cancellation_is_logged_and_propagates(self) -> None:
        async def hang(scope, receive, send):
            await asyncio.sleep(10)

        async def cancel_it():
            task = asyncio.ensure_future(call(RequestLoggingMiddleware(hang), http_scope()))
            await asyncio.sleep(0.01)
            task.cancel()
            with self.assertRaises(asyncio.CancelledError):
                await task

        asyncio.run(cancel_it())
        self.assertEqual([l["event"] for l in self.events()], ["request.started", "request.failed"])

    def test_app_that_never_responds_counts_as_500(self) -> None:
        async def silent(scope, receive, send):
            return None

        run(RequestLoggingMiddleware(silent), http_scope())
        self.assertEqual(self.events()[-1]["status_code"], 500)

    def test_path_never_has_a_query(self) -> None:
        run(RequestLoggingMiddleware(responder()), http_scope("/tasks?leaked=1"))
        run(RequestLoggingMiddleware(responder()), http_scope(""))
        self.assertEqual([l["path"] for l in self.events()], ["/tasks"] * 2 + ["/"] * 2)

    def test_non_http_scopes_pass_through_untouched(self) -> None:
        for scope_type in ("lifespan", "websocket"):
            with self.subTest(scope_type):
                calls = []

                async def inner(scope, receive, send):
                    calls.append((scope, receive, send))

                async def receive():
                    return {}

                async def send(message):
                    return None

                scope = {"type": scope_type, "path": "/ws", "headers": []}
                asyncio.run(RequestLoggingMiddleware(inner)(scope, receive, send))
                self.assertEqual(len(calls), 1)
                self.assertIs(calls[0][0], scope)
                self.assertIs(calls[0][1], receive)
                self.assertIs(calls[0][2], send)
                self.assertEqual(self.lines(), [])

    def test_constructed_like_starlette_add_middleware(self) -> None:
        # Starlette builds middleware as cls(app, **options) or cls(app=app, **options).
        for mw in (RequestLoggingMiddleware(app=responder()),
                   RequestLoggingMiddleware(responder(), logger=logging.getLogger("custom"))):
            run(mw, http_scope())
        self.assertEqual([l["logger"] for l in self.events()][-2:], ["custom", "custom"])


if __name__ == "__main__":
    import unittest
    unittest.main()
