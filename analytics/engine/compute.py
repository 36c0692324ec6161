"""How the engine uses the CPUs: BLAS/OpenMP threads limited explicitly, independent fits
(bootstrap resamples, gap references, clusterability null draws) spread over processes.

On a server that also runs the web, the database and other jobs, scikit-learn's default
OpenMP/BLAS threads spin against each other: a small k-means can take ten times longer
than with one thread. So each process computes with `threads` threads (1 by default) and
the parallelism comes from `jobs` processes (joblib's loky backend), never threads inside
threads.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import joblib
from threadpoolctl import threadpool_limits

# A process pool costs seconds to start (each worker imports scikit-learn) and
# milliseconds per task to feed; below this many independent fits, or with fits on fewer
# rows than this, the fits run in the calling process.
MIN_TASKS_FOR_PROCESSES = 8
MIN_ROWS_FOR_PROCESSES = 3000


def cpu_allowance() -> int:
    """CPUs this process may use: affinity mask and cgroup quota (loky reads both)."""
    return max(1, int(joblib.cpu_count()))


@dataclass(frozen=True)
class Compute:
    """jobs: worker processes for independent fits (1 = in this process);
    threads: BLAS/OpenMP threads per process (None = the libraries' default, which
    oversubscribes a shared machine; kept only to measure the old behaviour)."""

    jobs: int = 1
    threads: int | None = 1
    min_rows: int = MIN_ROWS_FOR_PROCESSES

    def __post_init__(self) -> None:
        if self.jobs < 1:
            raise ValueError(f"jobs = {self.jobs}; use at least 1 process")
        if self.threads is not None and self.threads < 1:
            raise ValueError(f"threads = {self.threads}; use at least 1 (or None)")

    @classmethod
    def from_allowance(cls, jobs: int | None = None, threads: int | None = 1) -> Compute:
        """jobs None or 0: one process per CPU of the allowance."""
        return cls(jobs=jobs or cpu_allowance(), threads=threads)

    @property
    def usable_jobs(self) -> int:
        """A daemonic process (a Celery prefork pool process) may not start children, so
        there the fits run in the calling process; describe() says so."""
        return 1 if multiprocessing.current_process().daemon else self.jobs

    def describe(self) -> dict:
        return {
            "jobs": self.usable_jobs,
            "jobs_requested": self.jobs,
            "jobs_note": ""
            if self.usable_jobs == self.jobs
            else "a daemonic worker process cannot start processes: fits ran in it",
            "threads_per_process": self.threads or "library default",
            "processes_from_rows": self.min_rows,
        }


@contextmanager
def limited_threads(threads: int | None) -> Iterator[None]:
    if threads is None:
        yield
        return
    with threadpool_limits(limits=threads):
        yield


def _call_limited(func: Callable, threads: int | None, args: tuple):
    with limited_threads(threads):
        return func(*args)


def map_tasks(func: Callable, tasks: Sequence[tuple], *, compute: Compute, rows: int) -> list:
    """func(*task) for every task, in order; `rows` is the size of each fit. Results do
    not depend on `jobs`: every task carries its own seed, so one process and several
    give the same numbers."""
    small = len(tasks) < MIN_TASKS_FOR_PROCESSES or rows < compute.min_rows
    if compute.usable_jobs <= 1 or small:
        with limited_threads(compute.threads):
            return [func(*task) for task in tasks]
    inner = compute.threads or 1
    with joblib.parallel_config(backend="loky", inner_max_num_threads=inner):
        return joblib.Parallel(n_jobs=min(compute.usable_jobs, len(tasks)))(
            joblib.delayed(_call_limited)(func, compute.threads, tuple(task)) for task in tasks
        )
