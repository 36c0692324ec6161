"""Bridge benchmark: build the analysis DataFrame from N synthetic gait sessions on
PostgreSQL, beside the physical baseline of fetching the same join with one raw cursor.

    python -m bench.bridge --rows 1000000

It creates (and afterwards drops) a scratch database, fills it with COPY, and prints
time and peak memory of both paths and their ratio.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import sys
import time
import tracemalloc

import numpy as np

SCRATCH_DB = "registry_bench_bridge"


def _setup_django(admin_url: str) -> None:
    os.environ["DATABASE_URL"] = admin_url.rsplit("/", 1)[0] + "/" + SCRATCH_DB
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _create_scratch(admin_url: str) -> None:
    import psycopg2

    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {SCRATCH_DB}")
        cur.execute(f"CREATE DATABASE {SCRATCH_DB}")
    conn.close()


def _drop_scratch(admin_url: str) -> None:
    import psycopg2
    from django.db import connections

    connections.close_all()
    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {SCRATCH_DB}")
    conn.close()


def _copy(cursor, table: str, columns: list[str], rows) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
    buffer.seek(0)
    cursor.copy_from(buffer, table, columns=columns)


def _fill(n_rows: int, seed: int = 1) -> None:
    """Synthetic rows straight into the tables (one visit and one walk per row)."""
    from django.db import connection

    rng = np.random.default_rng(seed)
    n_patients = max(1, n_rows // 4)
    now = "2024-01-01 00:00:00+00"
    with connection.cursor() as django_cursor:
        cur = django_cursor.cursor
        cur.execute("INSERT INTO registry_center (code, name) VALUES ('BENCH', 'Synthetic bench')")
        cur.execute("SELECT id FROM registry_center WHERE code = 'BENCH'")
        center_id = cur.fetchone()[0]
        _copy(
            cur,
            "registry_patient",
            [
                "id",
                "patient_id",
                "center_id",
                "sex",
                "birth_year",
                "onset_year",
                "created_at",
                "updated_at",
            ],
            (
                (i + 1, f"BENCH-{i:07d}", center_id, "F", 1970, 2000, now, now)
                for i in range(n_patients)
            ),
        )
        speed = np.round(rng.uniform(0.4, 1.6, n_rows), 2)
        cadence = np.round(rng.uniform(80, 125, n_rows), 1)
        stride = np.round(speed * 120 / cadence, 3)
        _copy(
            cur,
            "registry_visit",
            [
                "id",
                "patient_id",
                "visit_date",
                "disease_course",
                "edss",
                "created_at",
                "updated_at",
            ],
            (
                (
                    i + 1,
                    i % n_patients + 1,
                    f"{2010 + i // n_patients}-03-01",
                    "RRMS",
                    2.0,
                    now,
                    now,
                )
                for i in range(n_rows)
            ),
        )
        _copy(
            cur,
            "registry_gaitsession",
            [
                "visit_id",
                "condition",
                "device",
                "software_version",
                "velocity_m_s",
                "cadence_steps_min",
                "step_length_m",
                "stride_length_m",
                "stride_time_s",
                "step_time_s",
                "swing_pct",
                "stance_pct",
                "double_support_pct",
                "base_of_support_m",
                "stride_length_cv_pct",
                "stride_time_cv_pct",
                "quality_flags",
                "created_at",
                "updated_at",
            ],
            (
                (
                    i + 1,
                    "comfortable",
                    "bench",
                    "1",
                    speed[i],
                    cadence[i],
                    round(stride[i] / 2, 3),
                    stride[i],
                    round(120 / cadence[i], 3),
                    round(60 / cadence[i], 3),
                    39.0,
                    61.0,
                    22.0,
                    0.1,
                    3.0,
                    2.5,
                    "[]",
                    now,
                    now,
                )
                for i in range(n_rows)
            ),
        )
        cur.execute("ANALYZE")


def _measure(fn):
    tracemalloc.start()
    started = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, elapsed, peak / 2**20


def _baseline():
    """One raw cursor over the same join, straight into a DataFrame."""
    import pandas as pd
    from django.db import connection

    sql = """
        SELECT g.visit_id, v.patient_id, p.patient_id, c.code, v.visit_date,
               g.velocity_m_s, g.cadence_steps_min, g.step_length_m, g.stride_length_m,
               g.step_time_s, g.stride_time_s, g.swing_pct, g.stance_pct,
               g.double_support_pct, g.base_of_support_m, g.stride_length_cv_pct,
               g.stride_time_cv_pct, v.edss, v.msws12, v.t25fw_s, v.walking_aid,
               v.disease_course, p.sex, p.birth_year, p.onset_year
        FROM registry_gaitsession g
        JOIN registry_visit v ON v.id = g.visit_id
        JOIN registry_patient p ON p.id = v.patient_id
        JOIN registry_center c ON c.id = p.center_id
        WHERE g.condition = 'comfortable'
    """
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.fetchall()
    return pd.DataFrame.from_records(rows)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bridge")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    args = parser.parse_args(argv)
    _create_scratch(args.admin_url)
    _setup_django(args.admin_url)
    from django.core.management import call_command

    try:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        _fill(args.rows)
        fill_s = time.perf_counter() - started
        from analytics.features import cohort_frame

        _, base_s, base_mb = _measure(_baseline)
        cohort, ours_s, ours_mb = _measure(lambda: cohort_frame(visit_choice="all"))
        assert len(cohort.frame) == args.rows, (len(cohort.frame), args.rows)
        print(
            f"\nBridge benchmark: {args.rows:,} gait sessions on PostgreSQL "
            f"(filled by COPY in {fill_s:.1f} s)\n"
        )
        print(f"{'path':<50}{'seconds':>10}{'rows/s':>14}{'peak MiB':>11}")
        for name, secs, mb in [
            ("baseline: one raw cursor, fetchall -> DataFrame", base_s, base_mb),
            ("cohort_frame(visit_choice='all')", ours_s, ours_mb),
        ]:
            print(f"{name:<50}{secs:>10.2f}{args.rows / secs:>14,.0f}{mb:>11.0f}")
        print(
            f"\nratio (ours / baseline): time {ours_s / base_s:.2f}x, "
            f"peak memory {ours_mb / base_mb:.2f}x; "
            f"process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
        )
    finally:
        _drop_scratch(args.admin_url)


if __name__ == "__main__":
    main(sys.argv[1:])
