"""Reanalysis benchmark: the project's `recluster --sync` beside the bare script
(bench/bare_reanalysis.py) on the same PostgreSQL database in the same run, for
several cohort sizes, with the stage table and each stage's growth exponent.

    python -m bench.reanalysis [--patients 1000 10000 100000] [--repeat 1]

Each cohort lives in a database `<BENCH_DATABASE_URL's name>_reanalysis_<n>`, created,
migrated and seeded (`seed_demo --patients n`) on first use and kept for the next run
(`--fresh` recreates them) and analysed (ANALYZE) before the runs. Both sides run in
child processes, so their peak memory (max RSS) is their own. With `--repeat N` both run
N times, alternately, and each side's run with the shortest core is shown. The
project's publish includes the reference checks of its rows (the bare script writes
into a temporary table without any); beside it, what the table itself costs: the same
rows copied inside the database into the assignments table, rolled back. Timings on a
shared machine vary; the load average is printed with each cohort; read ratios, not
absolutes.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys

import psycopg2

STAGES = ["read", "fingerprint", "preprocess", "collinearity", "pca", "k_selection", "kmeans",
          "stability", "clusterability", "identities", "model", "comparisons",
          "publish"]  # fmt: skip
CORE = ["read", "preprocess", "pca", "kmeans", "publish"]
OTHER = {"total", "n", "peak_rss_mb", "publish_floor"}


def _url(base: str, name: str) -> str:
    return base.rsplit("/", 1)[0] + "/" + name


def _database(base: str, n: int, fresh: bool) -> str:
    name = f"{base.rsplit('/', 1)[1]}_reanalysis_{n}"
    admin = psycopg2.connect(_url(base, "postgres"))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        exists = cur.fetchone() is not None
        if exists and fresh:
            cur.execute(f'DROP DATABASE "{name}"')
            exists = False
        if not exists:
            cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    url = _url(base, name)
    env = {**os.environ, "DATABASE_URL": url}
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
    if not exists:
        subprocess.run([*manage, "seed_demo", "--patients", str(n)], env=env, check=True)
    # Planner statistics as a database in use has them (a new or copied database has
    # none until autovacuum gets to it), the same for both sides.
    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("ANALYZE")
    conn.close()
    return url


def _child_project(bootstrap: int) -> dict:
    """In a child process: one default run (k = 4, stability) timed by stage."""
    import resource
    import time

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.db import connection

    from analytics.models import ClusteringRun
    from analytics.services import clustering_run_request

    ClusteringRun.objects.all().delete()  # a fresh input, never "unchanged, skipped"
    # The deleted runs' rows cleaned up as autovacuum would on a server that runs it
    # (with it off, every bench run would publish into tables and indexes bloated by
    # the rows of all the runs before).
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM (ANALYZE) analytics_phenotypeassignment, analytics_phenotype, "
            "analytics_comparisonresult, analytics_clusteringrun"
        )
    started = time.perf_counter()
    run = clustering_run_request(trigger="command", sync=True, bootstrap=bootstrap)
    total = time.perf_counter() - started
    if run.status != "succeeded":
        raise SystemExit(f"run {run.pk} {run.status}: {run.error}")
    out = {stage: seconds for stage, seconds in run.timings.items() if stage != "engine_total"}
    out.update(
        publish_floor=_publish_floor(run),
        total=total,
        n=run.cohort_size,
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )
    return out


def _publish_floor(run) -> float:
    """What writing the run's labels costs the table itself: the same rows copied inside
    the database (no transfer, no Python) into the assignments table, with its indexes,
    its reference checks and ANALYZE, under a scratch run; rolled back."""
    import time

    from django.db import connection, transaction

    from analytics.models import ClusteringRun

    class Discard(Exception):
        pass

    try:
        with transaction.atomic():
            scratch = ClusteringRun.objects.create(trigger="command", status="failed")
            pairs = []
            for phenotype in run.phenotypes.all():
                old = phenotype.pk
                phenotype.pk, phenotype.run = None, scratch
                phenotype.save()
                pairs.append((old, phenotype.pk))
            values = ", ".join(f"({old}, {new})" for old, new in pairs)
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO analytics_phenotypeassignment (run_id, phenotype_id, patient_id, "
                    "visit_id, distance, pc1, pc2, provisional, latest, created_at) "
                    "SELECT %s, m.new, a.patient_id, a.visit_id, a.distance, a.pc1, a.pc2, "
                    "a.provisional, a.latest, a.created_at FROM analytics_phenotypeassignment a "
                    f"JOIN (VALUES {values}) m (old, new) ON m.old = a.phenotype_id "
                    "WHERE a.run_id = %s",
                    [scratch.pk, run.pk],
                )
                cursor.execute("ANALYZE analytics_phenotypeassignment")
            elapsed = time.perf_counter() - started
            raise Discard
    except Discard:
        return elapsed


def _run_child(args: list[str], url: str) -> dict:
    env = {**os.environ, "DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, *args], env=env, check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _exponent(sizes: list[int], values: list[float]) -> str:
    points = [(math.log(n), math.log(v)) for n, v in zip(sizes, values, strict=True) if v > 0]
    if len(points) < 2:
        return "—"
    mx = sum(x for x, _ in points) / len(points)
    my = sum(y for _, y in points) / len(points)
    sxx = sum((x - mx) ** 2 for x, _ in points)
    slope = sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else float("nan")
    return f"{slope:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--bootstrap", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--child", choices=["project"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child_project(args.bootstrap)))
        return 0
    base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        print("Set BENCH_DATABASE_URL to a PostgreSQL URL (its name prefixes the cohorts).")
        return 2
    results = {}
    for n in args.patients:
        url = _database(base, n, args.fresh)
        projects, bares = [], []
        for _ in range(args.repeat):
            projects.append(
                _run_child(
                    ["-m", "bench.reanalysis", "--child", "project", "--bootstrap",
                     str(args.bootstrap)],
                    url,
                )
            )  # fmt: skip
            bares.append(_run_child(["-m", "bench.bare_reanalysis", url], url))
        project = min(projects, key=lambda t: sum(t.get(s, 0.0) for s in CORE))
        bare = min(bares, key=lambda t: sum(t[s] for s in CORE))
        results[n] = (project, bare)
        load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"  {n} patients done: project {project['total']:.1f} s, bare "
              f"{sum(bare[s] for s in CORE):.1f} s; load average {load}", flush=True)  # fmt: skip
    sizes = list(results)
    stages = [s for s in STAGES if any(s in p for p, _ in results.values())]
    stages += sorted({s for p, _ in results.values() for s in p} - set(STAGES) - OTHER)
    print("\nStage timings (s): project | bare script")
    header = f"{'stage':<15}" + "".join(f"{n:>20}" for n in sizes) + f"{'exponent':>10}"
    print(header)
    for stage in stages:
        cells, values = "", []
        for n in sizes:
            project, bare = results[n]
            values.append(project.get(stage, 0.0))
            bare_cell = f"{bare[stage]:.2f}" if stage in bare else "—"
            cells += f"{project.get(stage, 0.0):>12.2f} | {bare_cell:>5}"
        print(f"{stage:<15}{cells}{_exponent(sizes, values):>10}")
    print()
    for n in sizes:
        project, bare = results[n]
        core = sum(project.get(s, 0.0) for s in CORE)
        bare_core = sum(bare[s] for s in CORE)
        print(
            f"{n:>7} patients: core (read, preprocess, PCA, k-means, publish) {core:.2f} s vs "
            f"bare {bare_core:.2f} s = {core / bare_core:.2f}x (target <= 2x); whole run "
            f"{project['total']:.1f} s (target <= 60 s at 100k); peak RSS project "
            f"{project['peak_rss_mb']:.0f} MB, bare {bare['peak_rss_mb']:.0f} MB"
        )
        print(
            f"{'':>17}publish {project['publish']:.2f} s; the same rows copied inside the "
            f"database into the assignments table (indexes, checks, ANALYZE; no transfer) "
            f"{project['publish_floor']:.2f} s; the bare script's temporary table "
            f"{bare['publish']:.2f} s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
