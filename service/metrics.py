"""Prometheus metrics: jobs by state, queue depth, busy workers, submissions, and a solve-seconds histogram."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from service.dispatch import Dispatcher
from service.store import JobRecord, JobState, Store

SOLVE_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600)


class _StoreCollector(Collector):
    """Read at scrape time from the store, so the numbers are right after a restart too."""

    def __init__(self, store: Store, pool: Dispatcher) -> None:
        self.store, self.pool = store, pool

    def collect(self) -> Iterator[GaugeMetricFamily]:
        counts = self.store.count_by_state()
        jobs = GaugeMetricFamily("latentsat_jobs", "jobs in the store by state", labels=["state"])
        for state in JobState:
            jobs.add_metric([state.value], counts[state])
        yield jobs
        yield GaugeMetricFamily("latentsat_queue_depth", "jobs waiting for a worker", value=counts[JobState.QUEUED])
        yield GaugeMetricFamily("latentsat_workers_busy", "job processes running now", value=self.pool.busy)
        yield GaugeMetricFamily("latentsat_workers", "job processes allowed at once", value=self.pool.workers)


class Metrics:
    """One registry per app (tests run several apps in one process)."""

    def __init__(self, store: Store, pool: Dispatcher) -> None:
        self.registry = CollectorRegistry()
        self.registry.register(_StoreCollector(store, pool))
        self.submitted = Counter(
            "latentsat_jobs_submitted", "jobs accepted", labelnames=["kind"], registry=self.registry
        )
        self.finished = Counter(
            "latentsat_jobs_finished", "jobs that ended, by state and answer status",
            labelnames=["kind", "state", "status"], registry=self.registry,
        )  # fmt: skip
        self.solve_seconds = Histogram(
            "latentsat_solve_seconds", "wall seconds from start to end of a job's process",
            labelnames=["kind"], buckets=SOLVE_BUCKETS, registry=self.registry,
        )  # fmt: skip

    def job_finished(self, job: JobRecord, state: JobState, status: str | None, seconds: float) -> None:
        self.finished.labels(job.kind, state.value, status or "").inc()
        self.solve_seconds.labels(job.kind).observe(seconds)
