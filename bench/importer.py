"""Import benchmark on PostgreSQL: 100,000 synthetic gait sessions through the full,
validating importer, beside a plain COPY of the same file into a scratch table (the
physical baseline) measured in the same run.

    python -m bench.importer [--gait-rows 100000]

The parents (centres, patients, visits) are imported first; then gait.csv alone is
imported (every row new), imported again (every row unchanged) and, for memory, validated
in a dry run at a quarter and at the full size with tracemalloc: the peak must not grow
with the file (rows are staged on disk; duplicates are found by the database). What it
holds is the keys of parents already stored, which grow with the registry, not the file.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

SCRATCH_DB = "registry_bench_import"
TARGET_ROWS_S = 20_000
GAIT_PER_PATIENT = 3.4  # what the demo generator gives on average


def _timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.importer")
    parser.add_argument("--gait-rows", type=int, default=100_000)
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    args = parser.parse_args(argv)
    import bench.bridge as bridge

    bridge.SCRATCH_DB = SCRATCH_DB
    bridge._create_scratch(args.admin_url)
    os.environ["DATABASE_URL"] = args.admin_url.rsplit("/", 1)[0] + "/" + SCRATCH_DB
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Measure the import alone, not the reanalysis it would queue.
    os.environ["RECLUSTER_AFTER_IMPORT"] = "0"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from registry.demo.generator import generate_demo_cohort
    from registry.importing.service import registry_import

    try:
        call_command("migrate", verbosity=0)
        n_patients = int(args.gait_rows / GAIT_PER_PATIENT * 1.05) + 10
        cohort = generate_demo_cohort(n_patients=n_patients, seed=1, prefix="BENCH-")
        if len(cohort.gait) < args.gait_rows:
            raise SystemExit(f"the generator gave only {len(cohort.gait)} gait rows")
        gait = cohort.gait.head(args.gait_rows)
        with tempfile.TemporaryDirectory() as folder:
            parents, gait_dir, small_dir = (Path(folder) / n for n in ("parents", "gait", "q"))
            for d in (parents, gait_dir, small_dir):
                d.mkdir()
            for kind in ("centers", "patients", "visits"):
                getattr(cohort, kind).to_csv(parents / f"{kind}.csv", index=False)
            gait.to_csv(gait_dir / "gait.csv", index=False)
            gait.head(args.gait_rows // 4).to_csv(small_dir / "gait.csv", index=False)

            parent_report, parent_s = _timed(lambda: registry_import(paths=[parents]))
            assert parent_report.ok, parent_report.lines()[:5]
            first, first_s = _timed(lambda: registry_import(paths=[gait_dir]))
            assert first.ok and first.counts["gait"].created == len(gait), first.lines()[:5]
            again, again_s = _timed(lambda: registry_import(paths=[gait_dir]))
            assert again.counts["gait"].unchanged == len(gait), again.lines()[:5]

            peaks = {}
            for label, where in (("quarter", small_dir), ("full", gait_dir)):
                tracemalloc.start()
                registry_import(paths=[where], dry_run=True)
                peaks[label] = tracemalloc.get_traced_memory()[1] / 2**20
                tracemalloc.stop()

            with connection.cursor() as cursor:
                columns = list(gait.columns)
                text = {"patient_id", "condition", "device", "software_version"}
                types = ", ".join(
                    f"{c} {'text' if c in text else 'date' if c == 'visit_date' else 'float8'}"
                    for c in columns
                )
                cursor.execute(f"CREATE TABLE scratch_copy ({types})")
                with (gait_dir / "gait.csv").open() as handle:
                    _, copy_s = _timed(
                        lambda: cursor.cursor.copy_expert(
                            f"COPY scratch_copy ({', '.join(columns)}) FROM STDIN "
                            "WITH (FORMAT csv, HEADER true)",
                            handle,
                        )
                    )
                cursor.execute("DROP TABLE scratch_copy")
        n = len(gait)
        n_parents = sum(c.created for c in parent_report.counts.values())
        rows = [
            ("parents: centres, patients, visits (new)", n_parents, parent_s),
            ("gait.csv: validate + write, all new", n, first_s),
            ("gait.csv again: validate, all unchanged", n, again_s),
            ("baseline: COPY gait.csv into a scratch table", n, copy_s),
        ]
        print(f"\nImport benchmark on PostgreSQL ({n:,} synthetic gait sessions)\n")
        print(f"{'step':<48}{'rows':>10}{'seconds':>10}{'rows/s':>12}")
        for label, count, secs in rows:
            print(f"{label:<48}{count:>10,}{secs:>10.2f}{count / secs:>12,.0f}")
        print(
            f"\nratio: the validating import takes {first_s / copy_s:.1f}x the time of COPY; "
            f"{n / first_s:,.0f} rows/s against the target of {TARGET_ROWS_S:,} rows/s "
            f"({'met' if n / first_s >= TARGET_ROWS_S else 'NOT met'})"
        )
        print(
            f"peak traced memory of a dry run: {peaks['quarter']:.1f} MiB at {n // 4:,} rows, "
            f"{peaks['full']:.1f} MiB at {n:,} rows"
        )
    finally:
        bridge._drop_scratch(args.admin_url)


if __name__ == "__main__":
    main(sys.argv[1:])
