"""Import benchmark: the full, validating importer against a plain PostgreSQL COPY of
the same gait rows into a scratch table (the physical baseline), in one run.

    python -m bench.importer --patients 30000

Writes synthetic interchange files with the demo generator, imports them into a
scratch database, and prints rows/s for each file and for COPY, with the ratio.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

SCRATCH_DB = "registry_bench_import"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.importer")
    parser.add_argument("--patients", type=int, default=30000)
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    args = parser.parse_args(argv)
    import bench.bridge as bridge
    from bench.bridge import _create_scratch, _drop_scratch

    bridge.SCRATCH_DB = SCRATCH_DB
    _create_scratch(args.admin_url)
    os.environ["DATABASE_URL"] = args.admin_url.rsplit("/", 1)[0] + "/" + SCRATCH_DB
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from registry.demo.generator import generate_demo_cohort
    from registry.importing.service import registry_import

    try:
        call_command("migrate", verbosity=0)
        cohort = generate_demo_cohort(n_patients=args.patients, seed=1, prefix="BENCH-")
        with tempfile.TemporaryDirectory() as folder:
            folder = Path(folder)
            for kind in ("centers", "patients", "visits", "gait", "mri"):
                getattr(cohort, kind).to_csv(folder / f"{kind}.csv", index=False)
            timings: dict[str, float] = {}
            started = time.perf_counter()
            last = [started]

            def progress(kind: str, n: int) -> None:
                now = time.perf_counter()
                timings[kind] = timings.get(kind, 0.0) + now - last[0]
                last[0] = now

            report = registry_import(paths=[folder], progress=progress)
            total = time.perf_counter() - started
            assert report.ok, report.lines()[:5]
            n_gait = report.counts["gait"].created
            gait_file = folder / "gait.csv"
            with connection.cursor() as cursor:
                columns = ",".join(cohort.gait.columns[2:])
                text = {"condition", "device", "software_version"}
                types = ", ".join(
                    f"{c} {'text' if c in text else 'float8'}" for c in cohort.gait.columns[2:]
                )
                cursor.execute(
                    f"CREATE TEMP TABLE scratch_copy (patient_id text, visit_date date, {types})"
                )
                copy_started = time.perf_counter()
                with gait_file.open() as handle:
                    cursor.cursor.copy_expert(
                        f"COPY scratch_copy (patient_id, visit_date, {columns}) FROM STDIN "
                        "WITH (FORMAT csv, HEADER true)",
                        handle,
                    )
                copy_s = time.perf_counter() - copy_started
        print(f"\nImport benchmark: {args.patients:,} synthetic patients on PostgreSQL\n")
        print(f"{'step':<46}{'rows':>10}{'seconds':>10}{'rows/s':>12}")
        print(
            f"{'validation pass, all files (streaming)':<46}{'':>10}"
            f"{timings.get('validation', 0.0):>10.2f}"
        )
        for kind, counts in report.counts.items():
            secs = timings.get(kind, 0.0)
            rate = counts.created / secs if secs else float("nan")
            print(
                f"{'import ' + kind + '.csv (upsert + history)':<46}"
                f"{counts.created:>10,}{secs:>10.2f}{rate:>12,.0f}"
            )
        print(
            f"{'import, all files, end to end':<46}"
            f"{sum(c.created for c in report.counts.values()):>10,}{total:>10.2f}"
        )
        print(
            f"{'baseline: COPY gait.csv into a scratch table':<46}"
            f"{n_gait:>10,}{copy_s:>10.2f}{n_gait / copy_s:>12,.0f}"
        )
        print(
            f"\nratio gait import / COPY: {timings['gait'] / copy_s:.1f}x slower; target "
            "is >= 20,000 validated gait rows/s"
        )
    finally:
        _drop_scratch(args.admin_url)


if __name__ == "__main__":
    main(sys.argv[1:])
