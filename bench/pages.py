"""Page load benchmark: every page, API list and admin change list of a large cohort,
served by gunicorn with DEBUG = 0 on loopback, sequentially and with concurrent users.

    BENCH_DATABASE_URL=postgres://.../db python -m bench.pages [--sequential 20]
        [--users 20] [--rounds 3] [--port 8102] [--workers 3] [--threads 4]

The database must hold the cohort already (`seed_demo --patients 100000` and one
`recluster --sync`). The script adds two synthetic bench users, starts gunicorn with
the production settings (`config/gunicorn.py`: 3 threaded workers of 4 threads;
`--threads 1` is one request per worker at a time, like synchronous workers) on
127.0.0.1, and prints per page: the query count (counted in-process with
Django's test client), p50/p95/p99 in ms for sequential requests and for `--users`
concurrent users, and the number of errors (any status but 200). Bounded: each request
times out after 30 s and the number of requests is fixed by the arguments. Targets:
p95 <= 100 ms sequential, <= 300 ms concurrent.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

SEQUENTIAL_P95_MS = 100
CONCURRENT_P95_MS = 300


# The same key in this process (which creates the session) and in gunicorn (which
# reads it): sessions are signed with it.
BENCH_SECRET_KEY = "bench-only-" + "x" * 40


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SECRET_KEY"] = BENCH_SECRET_KEY
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _session_for(user) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def _users():
    from registry.models import Center, Role, User

    admin, _ = User.objects.get_or_create(
        username="bench-superuser",
        defaults={"is_superuser": True, "is_staff": True, "role": Role.ADMIN},
    )
    researcher, created = User.objects.get_or_create(
        username="bench-researcher", defaults={"role": Role.RESEARCHER, "is_staff": True}
    )
    if created:
        researcher.centers.set(Center.objects.order_by("code")[:1])
    return admin, researcher


def _pages() -> list[str]:
    from django.contrib import admin

    from analytics.models import ClusteringRun, PatientSummary, PhenotypeAssignment

    run = ClusteringRun.objects.current()
    codes = list(
        PatientSummary.objects.order_by("patient_code").values_list("patient_code", flat=True)[:1]
    )
    summary = (
        PhenotypeAssignment.objects.filter(run=run, latest=True).select_related("phenotype").first()
    )
    phenotype = summary.phenotype.name if summary else ""
    pages = [
        "/",
        "/patients/",
        "/patients/?page=1500",
        f"/patients/?phenotype={phenotype}&course=RRMS",
        "/patients/?center=DEMO-A&sort=-edss",
        "/patients/?center=DEMO-A&sort=-edss&page=600",
        "/patients/?q=DEMO-0004",
        "/patients/?flagged=1&sort=-last_visit",
        f"/patients/{codes[0]}/" if codes else "/patients/",
        "/phenotypes/",
        "/api/v1/patients/",
        "/api/v1/gait-sessions/?page=1000",
        "/api/v1/visits/?page=500",
        "/api/v1/mri-scans/?page=500",
        "/api/v1/assignments/?page=1000",
    ]
    if run is not None:
        pages.append(f"/runs/{run.pk}/pca.json")
    for model in admin.site._registry:
        meta = model._meta
        pages.append(f"/admin/{meta.app_label}/{meta.model_name}/")
    return pages


def _query_counts(pages: list[str], user) -> dict[str, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(user)
    counts = {}
    for page in pages:
        with CaptureQueriesContext(connection) as ctx:
            client.get(page)
        counts[page] = len(ctx.captured_queries)
    return counts


def _start_gunicorn(port: int, url: str, workers: int, threads: int) -> subprocess.Popen:
    static = tempfile.mkdtemp(prefix="bench-static-")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": BENCH_SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "0",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_ROOT": static,
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], env=env, check=True
    )
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    env.update(WEB_BIND=f"127.0.0.1:{port}", WEB_WORKERS=str(workers), WEB_THREADS=str(threads))
    process = subprocess.Popen(
        [gunicorn, "-c", "config/gunicorn.py", "config.wsgi:application", "--log-level", "warning"],
        env=env,
    )
    for _ in range(120):
        try:
            requests.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=30)
            return process
        except requests.RequestException:
            time.sleep(0.5)
    process.terminate()
    raise SystemExit("gunicorn did not start")


def _get(session: requests.Session, base: str, page: str) -> tuple[float, bool]:
    started = time.perf_counter()
    try:
        response = session.get(base + page, timeout=30, allow_redirects=False)
        ok = response.status_code == 200
    except requests.RequestException:
        ok = False
    return (time.perf_counter() - started) * 1000, ok


def _load() -> str:
    try:
        return " ".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def _percentiles(values: list[float]) -> tuple[float, float, float]:
    if len(values) < 2:
        v = values[0] if values else float("nan")
        return v, v, v
    q = statistics.quantiles(values, n=100, method="inclusive")
    return statistics.median(values), q[94], q[98]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequential", type=int, default=20)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="requests per page per user")
    parser.add_argument("--port", type=int, default=8102)
    parser.add_argument("--only", default="", help="only pages containing this text")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    args = parser.parse_args(argv)
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("Set BENCH_DATABASE_URL to the PostgreSQL database holding the cohort.")
        return 2
    if not (1 <= args.users <= 50 and 1 <= args.sequential <= 200 and 1 <= args.rounds <= 20):
        print("--users 1 … 50, --sequential 1 … 200, --rounds 1 … 20")
        return 2
    if not (1 <= args.workers <= 16 and 1 <= args.threads <= 32):
        print("--workers 1 … 16, --threads 1 … 32")
        return 2
    _setup(url)
    admin_user, _ = _users()
    pages = [p for p in _pages() if args.only in p]
    queries = _query_counts(pages, admin_user)
    print(f"query counts of {len(pages)} pages done", flush=True)
    cookie = _session_for(admin_user)
    base = f"http://127.0.0.1:{args.port}"
    server = _start_gunicorn(args.port, url, args.workers, args.threads)
    try:
        warm = requests.Session()
        warm.cookies.set("sessionid", cookie)
        for page in pages:
            _get(warm, base, page)
        sequential = {page: [] for page in pages}
        errors = dict.fromkeys(pages, 0)
        for page in pages:
            for _ in range(args.sequential):
                ms, ok = _get(warm, base, page)
                sequential[page].append(ms)
                errors[page] += not ok
            s50, s95, s99 = _percentiles(sequential[page])
            print(f"sequential {page}: {s50:.0f} / {s95:.0f} / {s99:.0f} ms", flush=True)
        concurrent = {page: [] for page in pages}
        lock = threading.Lock()

        def user(index: int) -> None:
            session = requests.Session()
            session.cookies.set("sessionid", cookie)
            order = pages[index % len(pages) :] + pages[: index % len(pages)]
            for _ in range(args.rounds):
                for page in order:
                    ms, ok = _get(session, base, page)
                    with lock:
                        concurrent[page].append(ms)
                        errors[page] += not ok

        with ThreadPoolExecutor(args.users) as pool:
            list(pool.map(user, range(args.users)))
    finally:
        server.terminate()
        server.wait(timeout=30)
    width = max(len(p) for p in pages)
    title = f"{'page':<{width}}  queries  sequential p50/p95/p99 ms   "
    print(f"\n{title}{args.users} users p50/p95/p99 ms  errors")
    missed = []
    for page in pages:
        s50, s95, s99 = _percentiles(sequential[page])
        c50, c95, c99 = _percentiles(concurrent[page])
        row = f"{page:<{width}}  {queries[page]:>7}  {s50:>7.0f} {s95:>7.0f} {s99:>7.0f}        "
        print(f"{row}{c50:>7.0f} {c95:>7.0f} {c99:>7.0f}  {errors[page]:>6}")
        if s95 > SEQUENTIAL_P95_MS or c95 > CONCURRENT_P95_MS or errors[page]:
            missed.append(page)
    targets = f"p95 <= {SEQUENTIAL_P95_MS} ms sequential, <= {CONCURRENT_P95_MS} ms"
    print(f"\nTargets: {targets} with {args.users} users, no errors.")
    print(f"gunicorn: {args.workers} workers x {args.threads} threads; load average {_load()}")
    print(f"Missed: {', '.join(missed) or 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
