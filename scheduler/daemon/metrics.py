"""Prometheus metrics of one daemon: counters it moves, and gauges read from the database.

Counters (polls, failures, new articles, duplicates, durations) count this worker's own
work since it started, as Prometheus expects; stored totals (articles, shifts, alerts by
state) are read from the database at scrape time, so every worker reports the fleet's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from crawler.model import PollResult
from crawler.store.db import session_scope
from crawler.store.tables import Article, Source, Story
from notifier.tables import Alert, Shift

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_POLL_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120)


class StoredTotals(Collector):
    """Gauges computed from the database when Prometheus scrapes."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Any]:
        with session_scope(self.engine) as session:
            articles = session.exec(select(func.count(Article.id))).scalar_one()  # type: ignore[call-overload,arg-type]
            stories = session.exec(select(func.count(Story.id))).scalar_one()  # type: ignore[call-overload,arg-type]
            shifts = session.exec(  # type: ignore[call-overload]
                select(Shift.suppressed.is_(None), func.count(Shift.id)).group_by(  # type: ignore[union-attr,arg-type]
                    Shift.suppressed.is_(None)  # type: ignore[union-attr]
                )
            ).all()
            alerts = session.exec(  # type: ignore[call-overload]
                select(Alert.state, func.count(Alert.id)).group_by(Alert.state)  # type: ignore[arg-type]
            ).all()
            sources = session.exec(  # type: ignore[call-overload]
                select(Source.name, Source.consecutive_failures, Source.last_success_at)
            ).all()
        yield _gauge("peacewatch_articles_stored", "Articles stored.", articles)
        yield _gauge("peacewatch_stories_stored", "Stories (clusters of copies) stored.", stories)
        family = GaugeMetricFamily(
            "peacewatch_shifts_stored", "Coverage shifts recorded.", labels=["alerted"]
        )
        counts = {bool(alerted): n for alerted, n in shifts}
        for alerted in (True, False):
            family.add_metric(["true" if alerted else "false"], counts.get(alerted, 0))
        yield family
        family = GaugeMetricFamily("peacewatch_alerts", "Alerts in the outbox.", labels=["state"])
        counts = dict(alerts)
        for state in sorted({"pending", "sent", "dead", *counts}):
            family.add_metric([state], counts.get(state, 0))
        yield family
        failing = GaugeMetricFamily(
            "peacewatch_source_consecutive_failures",
            "Consecutive failed polls per source.",
            labels=["source"],
        )
        success = GaugeMetricFamily(
            "peacewatch_source_last_success_timestamp_seconds",
            "When each source last polled successfully (Unix time).",
            labels=["source"],
        )
        for name, failures, last in sources:
            failing.add_metric([name], failures)
            if last is not None:
                success.add_metric([name], last.timestamp())
        yield failing
        yield success


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, value=value)


class Metrics:
    """This daemon's registry; the daemon calls `observe_poll` after every poll."""

    def __init__(self, engine: Engine | None = None) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.polls = Counter(
            "peacewatch_polls", "Polls by source and outcome.", ["source", "outcome"], registry=r
        )
        self.failures = Counter(
            "peacewatch_poll_failures", "Failed polls by source.", ["source"], registry=r
        )
        self.articles = Counter(
            "peacewatch_articles_new", "New articles stored by this worker.", registry=r
        )
        self.duplicates = Counter(
            "peacewatch_duplicates", "Duplicates seen, exact or near.", ["kind"], registry=r
        )
        self.shifts = Counter(
            "peacewatch_shifts_detected", "Shifts raised by this worker.", registry=r
        )
        self.alerts_sent = Counter(
            "peacewatch_alerts_sent", "Alerts this worker delivered.", registry=r
        )
        self.health_alerts = Counter(
            "peacewatch_health_alerts", "Source health alerts raised.", ["condition"], registry=r
        )
        self.poll_seconds = Histogram(
            "peacewatch_poll_duration_seconds",
            "Time one poll took, fetch to commit.",
            ["kind"],
            buckets=_POLL_BUCKETS,
            registry=r,
        )
        self.extraction_seconds = Histogram(
            "peacewatch_extraction_duration_seconds",
            "Time fetching and extracting a poll's article pages.",
            buckets=_POLL_BUCKETS,
            registry=r,
        )
        self.running = Gauge(
            "peacewatch_scheduler_running", "1 while the scheduler runs.", registry=r
        )
        self.last_success = Gauge(
            "peacewatch_last_successful_poll_timestamp_seconds",
            "When this worker last polled a source successfully (Unix time).",
            registry=r,
        )
        if engine is not None:
            r.register(StoredTotals(engine))

    def observe_poll(self, outcome: PollResult, kind: str) -> None:
        if outcome.ok:
            label = "not_modified" if outcome.not_modified else "ok"
            self.last_success.set_to_current_time()
        else:
            label = "error"
            self.failures.labels(outcome.source).inc()
        self.polls.labels(outcome.source, label).inc()
        self.articles.inc(outcome.new_articles)
        exact = outcome.duplicates
        self.duplicates.labels("exact").inc(exact)
        self.duplicates.labels("near").inc(outcome.near_duplicates)
        self.poll_seconds.labels(kind).observe(outcome.seconds)
        if outcome.pages_seconds is not None:
            self.extraction_seconds.observe(outcome.pages_seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
