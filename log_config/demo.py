"""Traffic generator: realistic log lines from the real middleware, without a network.

Run::

    python3 -m log_config.demo --api trust-api [--rate 3] [--duration SECONDS]
                               [--count REQUESTS] [--seed N]

It drives RequestLoggingMiddleware with a fake in-process ASGI app, so every line
is written by log_config itself and follows the contract. Request durations come
from a simulated clock (a "4 s" cohort query does not block for 4 s). Without
``--duration`` or ``--count`` it runs until stopped (SIGTERM or Ctrl-C). With
``--count`` and no ``--rate`` it runs as fast as it can, which is what tests want.
``LOG_LEVEL`` from the environment sets the level (DEBUG shows the debug lines).
Standard library only: this directory alone is copied into a python:3.11-slim image.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import os
import random
import re
import signal
import sys
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

from . import RequestLoggingMiddleware, configure_logging

DEFAULT_RATE = 3.0
DEFAULT_PROFILE = "trust-api"


@dataclass(frozen=True)
class Route:
    """One kind of request an API serves, and how it tends to behave."""

    method: str
    template: str  # "{id}", "{uid}" and "{n}" are filled in per request
    weight: float
    median_ms: float  # lognormal median of the simulated latency
    ok_status: int = 200


@dataclass(frozen=True)
class BackgroundEvent:
    """A line logged outside any request (scheduler, training, connectivity)."""

    level: int
    event: str
    message: str  # %-style, filled in by render()
    weight: float


PROFILES: dict[str, dict[str, Any]] = {
    "trust-api": {
        "logger": "trust_api",
        "routes": [
            Route("POST", "/cohort/query", 3, 900),
            Route("GET", "/tasks", 5, 40),
            Route("GET", "/tasks/{n}", 3, 25),
            Route("POST", "/tasks/{n}/status", 2, 60, 202),
            Route("GET", "/projects/{id}", 2, 35),
            Route("GET", "/health", 1, 3),
        ],
        "background": [
            BackgroundEvent(logging.ERROR, "training.failed", "training round %(n)d failed for project %(id)s: CUDA out of memory", 1),
            BackgroundEvent(logging.INFO, "task.polled", "polled central hub: %(n)d new tasks", 4),
            BackgroundEvent(logging.WARNING, "hub.slow", "central hub took %(ms)d ms to answer", 2),
            BackgroundEvent(logging.DEBUG, "scheduler.tick", "scheduler tick, %(n)d tasks in queue", 3),
        ],
    },
    "data-access-api": {
        "logger": "data_access_api",
        "routes": [
            Route("GET", "/projects/{id}/data", 5, 300),
            Route("POST", "/projects/{id}/data/export", 2, 1500, 202),
            Route("GET", "/projects/{id}/cohort/{n}", 3, 120),
            Route("GET", "/health", 1, 3),
        ],
        "background": [
            BackgroundEvent(logging.ERROR, "export.failed", "export %(n)d for project %(id)s failed: OMOP database unavailable", 1),
            BackgroundEvent(logging.INFO, "export.completed", "export %(n)d for project %(id)s written", 3),
            BackgroundEvent(logging.WARNING, "db.pool_exhausted", "database pool exhausted, request waited %(ms)d ms", 2),
            BackgroundEvent(logging.DEBUG, "db.pool_stats", "database pool: %(n)d connections in use", 3),
        ],
    },
    "imaging-api": {
        "logger": "imaging_api",
        "routes": [
            Route("GET", "/imaging/studies/{uid}", 5, 200),
            Route("POST", "/imaging/studies/{uid}/retrieve", 2, 2500, 202),
            Route("GET", "/imaging/projects/{id}/status", 3, 80),
            Route("GET", "/health", 1, 3),
        ],
        "background": [
            BackgroundEvent(logging.ERROR, "training.failed", "training round %(n)d failed for project %(id)s: no images retrieved", 1),
            BackgroundEvent(logging.INFO, "imaging.retrieved", "retrieved %(n)d series for project %(id)s from PACS", 3),
            BackgroundEvent(logging.WARNING, "xnat.slow", "XNAT took %(ms)d ms to answer", 2),
            BackgroundEvent(logging.DEBUG, "pacs.echo", "C-ECHO to PACS ok in %(ms)d ms", 3),
        ],
    },
}

# Share of requests by outcome; the rest succeed.
P_CLIENT_ERROR = 0.08
P_SERVER_ERROR = 0.03
P_EXCEPTION = 0.02
P_BACKGROUND = 0.15  # chance of a background line after each request
P_CALLER_ID = 0.3  # chance the caller sends its own X-Request-ID


class SimulatedClock:
    """A monotonic clock the fake app advances by each request's simulated latency."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        self.now += seconds


class UpstreamError(Exception):
    """What the fake app raises when a dependency fails (gives a realistic traceback)."""


class Generator:
    """Builds requests for one API and feeds them through the real middleware."""

    def __init__(self, api: str, rng: random.Random, profile: Optional[str] = None) -> None:
        self.api = api
        self.rng = rng
        # A site may run an API this demo has no profile for; it borrows trust-api's traffic.
        self.profile = PROFILES[profile or (api if api in PROFILES else DEFAULT_PROFILE)]
        self.clock = SimulatedClock()
        self.app_logger = logging.getLogger(self.profile["logger"])
        self.app = RequestLoggingMiddleware(
            self._fake_app, clock=self.clock, request_id_factory=self._request_id
        )

    def _request_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _fill(self, template: str) -> str:
        return template.format(
            id=f"p-{self.rng.randint(1, 40):03d}",
            uid=f"1.2.826.0.1.3680043.{self.rng.randint(10000, 99999)}",
            n=self.rng.randint(1, 5000),
        )

    def _latency_s(self, median_ms: float) -> float:
        latency = self.rng.lognormvariate(math.log(median_ms), 0.6)
        if self.rng.random() < 0.02:  # the occasional very slow one
            latency *= self.rng.uniform(5, 12)
        return latency / 1000

    async def _fake_app(self, scope: dict, receive: Callable, send: Callable) -> None:
        """A stand-in API: decides the outcome from the scope's extension, logs a bit, responds."""
        plan = scope["extensions"]["demo"]
        await receive()
        self.clock.advance(plan["latency"])
        if plan["latency"] > 2.0:
            self.app_logger.warning(
                "slow handler: %d ms", plan["latency"] * 1000, extra={"event": "request.slow"}
            )
        else:
            self.app_logger.debug("handler finished", extra={"event": "handler.finished"})
        if plan["outcome"] == "exception":
            _call_upstream(self.api, plan["path"])
        status = plan["status"]
        if status >= 400:
            self.app_logger.log(
                logging.ERROR if status >= 500 else logging.INFO,
                "responding %d", status,
                extra={"event": "response.error" if status >= 500 else "response.rejected"},
            )
        body = b'{"ok": true}' if status < 400 else b'{"detail": "error"}'
        await send({
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        })
        await send({"type": "http.response.body", "body": body})

    def _plan(self) -> dict[str, Any]:
        routes: Sequence[Route] = self.profile["routes"]
        route = self.rng.choices(routes, weights=[r.weight for r in routes])[0]
        roll = self.rng.random()
        if roll < P_EXCEPTION:
            outcome, status = "exception", 500
        elif roll < P_EXCEPTION + P_SERVER_ERROR:
            outcome, status = "server_error", self.rng.choice([500, 502, 503])
        elif roll < P_EXCEPTION + P_SERVER_ERROR + P_CLIENT_ERROR:
            outcome, status = "client_error", self.rng.choice([400, 401, 403, 404, 422])
        else:
            outcome, status = "ok", route.ok_status
        path = self._fill(route.template)
        caller_id = self._request_id() if self.rng.random() < P_CALLER_ID else None
        return {
            "method": route.method,
            "path": path,
            "query": b"limit=50" if route.method == "GET" and self.rng.random() < 0.3 else b"",
            "outcome": outcome,
            "status": status,
            "latency": self._latency_s(route.median_ms),
            "caller_id": caller_id,
        }

    async def request(self) -> None:
        """Send one simulated request through the middleware, like a server would."""
        plan = self._plan()
        headers = [(b"host", f"{self.api}:8000".encode()), (b"accept", b"application/json")]
        if plan["caller_id"]:
            headers.append((b"x-request-id", plan["caller_id"].encode()))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": plan["method"],
            "scheme": "http",
            "path": plan["path"],
            "raw_path": plan["path"].encode(),
            "query_string": plan["query"],
            "root_path": "",
            "headers": headers,
            "client": ("10.0.0.10", 40000),
            "server": (self.api, 8000),
            "extensions": {"demo": plan},
        }

        async def receive() -> dict:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict) -> None:
            return None

        try:
            await self.app(scope, receive, send)
        except UpstreamError:
            pass  # a real server would answer 500; the middleware already logged it

    def background(self) -> None:
        """Maybe log one non-request line."""
        if self.rng.random() >= P_BACKGROUND:
            return
        events: Sequence[BackgroundEvent] = self.profile["background"]
        ev = self.rng.choices(events, weights=[e.weight for e in events])[0]
        values = {
            "n": self.rng.randint(1, 30),
            "id": f"p-{self.rng.randint(1, 40):03d}",
            "ms": int(self.rng.uniform(800, 9000)),
        }
        self.app_logger.log(ev.level, ev.message, values, extra={"event": ev.event})


def _call_upstream(api: str, path: str) -> None:
    _parse_upstream_reply(api, path)


def _parse_upstream_reply(api: str, path: str) -> None:
    upstream = {"trust-api": "central hub", "data-access-api": "OMOP database"}.get(api, "XNAT")
    raise UpstreamError(f"{upstream} did not answer for {path}")


async def run(api: str, rate: Optional[float], duration: Optional[float],
              count: Optional[int], seed: Optional[int]) -> int:
    """Generate traffic until ``duration`` seconds or ``count`` requests (or a signal)."""
    rng = random.Random(seed)
    gen = Generator(api, rng)
    logger = logging.getLogger("log_config.demo")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            # Needed for `docker stop`: as PID 1, Python would otherwise ignore SIGTERM.
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass

    if rate is None:
        rate = None if count is not None and duration is None else DEFAULT_RATE
    logger.info(
        "traffic generator started: api=%s rate=%s duration=%s count=%s seed=%s",
        api, rate if rate else "unpaced", duration, count, seed,
        extra={"event": "demo.started"},
    )
    deadline = time.monotonic() + duration if duration is not None else None
    sent = 0
    while not stop.is_set():
        if count is not None and sent >= count:
            break
        if deadline is not None and time.monotonic() >= deadline:
            break
        await gen.request()
        gen.background()
        sent += 1
        if rate:
            pause = rng.expovariate(rate)  # Poisson arrivals look like real traffic
            if deadline is not None:
                pause = min(pause, max(0.0, deadline - time.monotonic()))
            try:
                await asyncio.wait_for(stop.wait(), timeout=pause)
            except asyncio.TimeoutError:
                pass
        else:
            await asyncio.sleep(0)
    logger.info("traffic generator stopped after %d requests", sent,
                extra={"event": "demo.stopped"})
    return sent


def _positive(kind: type) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
        return value
    return parse


def _api_name(text: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9-]*", text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an API name: lower-case letters, digits and '-', starting with a letter")
    return text


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python3 -m log_config.demo",
        description="Write realistic FLIP API log lines on stdout via the real log_config middleware.",
    )
    parser.add_argument("--api", required=True, type=_api_name,
                        help="API name written in every line (any name; "
                             f"{', '.join(sorted(PROFILES))} have their own traffic)")
    parser.add_argument("--rate", type=_positive(float), default=None,
                        help=f"requests per second (default {DEFAULT_RATE:g}; "
                             "unpaced when only --count is given)")
    parser.add_argument("--duration", type=_positive(float), default=None,
                        help="stop after this many seconds (default: run until stopped)")
    parser.add_argument("--count", type=_positive(int), default=None,
                        help="stop after this many requests")
    parser.add_argument("--seed", type=int, default=None,
                        help="seed for a repeatable run (timestamps aside)")
    args = parser.parse_args(argv)

    configure_logging(args.api, os.environ.get("LOG_LEVEL", "INFO"))
    try:
        asyncio.run(run(args.api, args.rate, args.duration, args.count, args.seed))
    except KeyboardInterrupt:
        pass
    finally:
        logging.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
