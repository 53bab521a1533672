"""Prometheus metrics (prometheus-client), served on CITEBOT_METRICS_PORT by the running bot.

The counters live in one registry per process and are updated wherever the event happens (the
service for asks, reports and clicks, the store for its errors); `serve()` exposes them over
HTTP on 127.0.0.1 unless CITEBOT_METRICS_HOST says otherwise. No label ever names a user, a
guild, a channel or a question: every label has a small fixed set of values.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
from collections.abc import Callable, Iterator
from typing import Literal
from wsgiref.simple_server import WSGIServer

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

Outcome = Literal["answered", "abstained", "corrected", "cached"]
Face = Literal["cli", "chat", "discord"]

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)

ASKS = Counter(
    "citebot_asks",
    "Questions answered, by what the asker got (cached: served from the answer cache) and face",
    ["outcome", "face"],
    registry=REGISTRY,
)
ANSWER_SECONDS = Histogram(
    "citebot_answer_seconds",
    "Time from a question to its answer in the service (cache lookup, search, ranking)",
    ["face"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=REGISTRY,
)
CACHE_LOOKUPS = Counter(
    "citebot_answer_cache_lookups", "Questions looked up in the answer cache", registry=REGISTRY
)
CACHE_HITS = Counter(
    "citebot_answer_cache_hits", "Questions served from the answer cache", registry=REGISTRY
)
REPORTS = Counter(
    "citebot_reports", "Reports filed about answers, by category", ["category"], registry=REGISTRY
)
CLICKS = Counter(
    "citebot_answered_me_clicks",
    'New "This answered me" clicks (a repeated click by the same member is not counted)',
    registry=REGISTRY,
)
STORE_ERRORS = Counter(
    "citebot_store_errors",
    "Database operations that failed (busy: locked past the timeout), by operation",
    ["operation", "kind"],
    registry=REGISTRY,
)
LIBRARY_SECONDS = Gauge(
    "citebot_library_load_seconds",
    "Seconds the library took to become ready in this process (built: built it from the "
    "sources; loaded: opened a saved build)",
    ["how"],
    registry=REGISTRY,
)


def record_ask(outcome: Outcome, face: Face, seconds: float, *, cached: bool) -> None:
    """One question answered; `cached`: served from the answer cache (a corrected answer has
    its own cache entry, so it can be a hit while its outcome is "corrected")."""
    ASKS.labels(outcome=outcome, face=face).inc()
    ANSWER_SECONDS.labels(face=face).observe(seconds)
    CACHE_LOOKUPS.inc()
    if cached:
        CACHE_HITS.inc()


class GatewayLatency(Collector):
    """Each shard's gateway heartbeat latency, read when Prometheus scrapes (never stale)."""

    def __init__(self, latencies: Callable[[], list[tuple[int, float]]]) -> None:
        self._latencies = latencies

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "citebot_gateway_latency_seconds",
            "Discord gateway heartbeat latency per shard (absent until measured)",
            labels=["shard"],
        )
        try:
            measured = list(self._latencies())
        except RuntimeError:  # the shards changed while being read: next scrape
            measured = []
        for shard, latency in measured:
            if math.isfinite(latency):
                family.add_metric([str(shard)], latency)
        yield family


class MetricsServer:
    """The HTTP endpoint (/metrics) in a daemon thread; `close()` stops it and frees the port."""

    def __init__(self, server: WSGIServer, thread: threading.Thread) -> None:
        self._server, self._thread = server, thread
        self.host, self.port = str(server.server_address[0]), int(server.server_address[1])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/metrics"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def serve(host: str, port: int) -> MetricsServer:
    """Start serving REGISTRY; port 0 picks a free one (see `.port`). Raises OSError."""
    server, thread = start_http_server(port, addr=host, registry=REGISTRY)
    metrics = MetricsServer(server, thread)
    log.info("metrics on %s", metrics.url)
    return metrics


def watch_gateway(latencies: Callable[[], list[tuple[int, float]]]) -> GatewayLatency:
    """Report these shards' latencies from now on; `unwatch` the result when the bot stops."""
    collector = GatewayLatency(latencies)
    REGISTRY.register(collector)
    return collector


def unwatch(collector: Collector) -> None:
    with contextlib.suppress(KeyError):  # never registered, or already gone
        REGISTRY.unregister(collector)
