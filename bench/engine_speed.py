"""Engine speed on the demo cohort (1026 patients), quiet and beside CPU-bound work.

    python -m bench.engine_speed [--busy 2] [--recluster]

Times the default run (k = 4, k scan, 100 bootstrap resamples, clusterability) with the
old configuration as the baseline, in the same run, first on the machine as it is and
then with `--busy` CPU-bound processes (a bare Python loop each) running beside it:

- old: the libraries' default BLAS/OpenMP threads, everything in one process, bootstrap
  refits by k-means++ with 10 starts, no clusterability test (it did not exist);
- new: one thread per process, independent fits on ANALYTICS_JOBS processes (when each
  fit has >= 3000 rows), refits seeded from the full-data centroids, clusterability with
  100 null draws.

With `--recluster` (PostgreSQL with the demo cohort at DATABASE_URL) it also times
`manage.py recluster --sync` end to end (read, engine, publish), new configuration only.
Targets: <= 10 s quiet, <= 30 s busy. Numbers depend on what else the machine runs; the
load average is printed beside them.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import replace

STAGES = ("k_selection", "kmeans", "stability", "clusterability", "comparisons")


def _configs():
    from analytics.engine import PipelineConfig

    new = PipelineConfig()
    old = replace(new, threads=None, jobs=1, refit="kmeans++", clusterability_draws=0)
    return {"old configuration": old, "new (default)": new}


def _start_busy(count: int) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=10)


def _engine(frame, config) -> dict:
    from analytics.engine import run_pipeline

    started = time.perf_counter()
    result = run_pipeline(frame, config=config)
    return {"total": time.perf_counter() - started, **result.timings}


def _recluster(seed: int) -> dict:
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "manage.py", "recluster", "--sync", "--seed", str(seed)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    wall = time.perf_counter() - started
    line = next(x for x in out.splitlines() if x.startswith("k = "))
    run_seconds = float(line.rsplit(",", 1)[1].split()[0])
    return {"total": run_seconds, "wall": wall}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--busy", type=int, default=2, help="CPU-bound processes beside it")
    parser.add_argument("--recluster", action="store_true", help="also time recluster --sync")
    args = parser.parse_args(argv)
    sys.path.insert(0, os.getcwd())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from analytics.engine.compute import cpu_allowance
    from tests.analytics.cohort_frame import demo_input_frame

    frame = demo_input_frame()
    rows = []
    for condition in ("quiet", f"busy ({args.busy} CPU-bound)"):
        busy = _start_busy(args.busy) if condition != "quiet" else []
        try:
            time.sleep(1 if busy else 0)
            for name, config in _configs().items():
                load = os.getloadavg()[0]
                rows.append((condition, f"engine, {name}", _engine(frame, config), load))
            if args.recluster:
                load = os.getloadavg()[0]
                seed = 1000 + len(rows)
                rows.append((condition, "recluster --sync, new", _recluster(seed), load))
        finally:
            _stop(busy)
    print(f"\ndemo cohort, 1026 patients; CPU allowance {cpu_allowance()}")
    header = f"{'condition':<20} {'what':<34} {'total s':>8} " + " ".join(
        f"{s[:10]:>10}" for s in STAGES
    )
    print(header + f" {'load':>5}")
    for condition, what, timings, load in rows:
        stages = " ".join(f"{timings[s]:>10.2f}" if s in timings else f"{'—':>10}" for s in STAGES)
        print(f"{condition:<20} {what:<34} {timings['total']:>8.2f} {stages} {load:>5.1f}")
    print("targets: new configuration <= 10 s quiet, <= 30 s busy (recluster --sync)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
