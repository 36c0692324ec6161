"""Page load benchmark: every page, API list and admin change list of a large cohort,
served by gunicorn with DEBUG = 0 on loopback, sequentially and with concurrent users.

    BENCH_DATABASE_URL=postgres://.../db python -m bench.pages [--sequential 20]
        [--users 20] [--rounds 3] [--port 8102] [--workers N] [--threads N]

The database must hold the cohort already (`seed_demo --patients 100000` and one
`recluster --sync`). The script adds two synthetic bench users, starts gunicorn with
the production settings (`config/gunicorn.py`: synchronous workers, two per CPU plus
one; `--workers` and `--threads` set others, threads above 1 meaning threaded workers) on
127.0.0.1, and prints per page: the query count (counted in-process with
Django's test client), p50/p95/p99 in ms for sequential requests and for `--users`
concurrent users (closed loop, no think time), and the number of errors (any status
but 200). Bounded: each request times out after 30 s, the number of requests is fixed
by the arguments, and the client only ever connects to 127.0.0.1. Targets: p95 <= 100
ms sequential, <= 300 ms concurrent. Set CACHE_URL (a Redis database of its own) as in
production: answers kept between requests are only kept in a cache the workers share.

The client is one thread running asyncio on raw keep-alive sockets (HTTP/1.1, bodies
read by Content-Length or chunks, a new connection when the server closes one). The
server shares the machine's cores with it, so a heavier client (an HTTP library in a
thread per user costs several times more CPU per request) would take CPU from the
server it measures, and its threads would add waits for the interpreter lock to the
latencies it records. Below the table one line gives the CPU time per request spent
during the concurrent phase by gunicorn, by the PostgreSQL backends of the database,
by this client and by everything else on the machine (read from /proc), so that a slow
row can be told apart from a busy machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from urllib.parse import quote

SEQUENTIAL_P95_MS = 100
CONCURRENT_P95_MS = 300


# The same key in this process (which creates the session) and in gunicorn (which
# reads it): sessions are signed with it.
BENCH_SECRET_KEY = "bench-only-" + "x" * 40


# The API's rate limit still counts every request, but this client's thousands of
# requests an hour are the point here (with CACHE_URL the count outlives a run).
BENCH_API_RATE = {"API_RATE_USER": "1000000/hour"}


def _setup(url: str) -> None:
    os.environ.update(BENCH_API_RATE)
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


def _vacuum() -> None:
    """The state a running server reaches by itself: autovacuum marks the pages of a
    freshly seeded or published table all-visible within a minute or so, and until then
    every index-only scan (the deep pages, the phenotype filter) reads the table as well.
    Where autovacuum is off, or its counters were lost in a restart, it never does."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    print(f"VACUUM (ANALYZE) of the database: {time.perf_counter() - started:.1f} s", flush=True)


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


def _server_shape(workers: int, threads: int) -> str:
    """What config/gunicorn.py makes of these sizes (0: its defaults)."""
    import runpy

    saved = {name: os.environ.get(name) for name in ("WEB_WORKERS", "WEB_THREADS")}
    try:
        for name, value in (("WEB_WORKERS", workers), ("WEB_THREADS", threads)):
            if value:
                os.environ[name] = str(value)
            else:
                os.environ.pop(name, None)
        config = runpy.run_path(os.path.join("config", "gunicorn.py"))
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    kind = "synchronous" if config["worker_class"] == "sync" else "threaded"
    return f"{config['workers']} {kind} workers x {config['threads']} threads"


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
        **BENCH_API_RATE,
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], env=env, check=True
    )
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    env.update(WEB_BIND=f"{HOST}:{port}")
    if workers:
        env["WEB_WORKERS"] = str(workers)
    if threads:
        env["WEB_THREADS"] = str(threads)
    return subprocess.Popen(
        [gunicorn, "-c", "config/gunicorn.py", "config.wsgi:application", "--log-level", "warning"],
        env=env,
    )


# --- The client: HTTP/1.1 on raw keep-alive sockets, one thread ---------------------------

HOST = "127.0.0.1"
TIMEOUT_S = 30
MAX_BODY_BYTES = 64 * 1024 * 1024


class _Closed(Exception):
    """The server closed the connection before answering (a kept-alive socket timed out)."""


class Connection:
    """One keep-alive connection to the server on loopback, opened again when it closes."""

    def __init__(self, port: int, cookie: str):
        self.port = port
        self.head = f"Host: {HOST}:{port}\r\nCookie: sessionid={cookie}\r\n"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(HOST, self.port)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def _exchange(self, page: str) -> int:
        target = quote(page, safe="/?&=%+:,;-_.~")  # "faster stable" goes as "faster%20stable"
        request = f"GET {target} HTTP/1.1\r\n{self.head}Accept: */*\r\n\r\n"
        self.writer.write(request.encode("latin-1"))
        await self.writer.drain()
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as error:
            if not error.partial:
                raise _Closed from error
            raise
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "chunked" in headers.get("transfer-encoding", "").lower():
            await self._read_chunks()
        elif "content-length" in headers:
            length = int(headers["content-length"])
            if not 0 <= length <= MAX_BODY_BYTES:
                raise ValueError(f"Content-Length {length} is outside 0 … {MAX_BODY_BYTES}")
            await self.reader.readexactly(length)
        else:  # the body runs to the end of the connection
            await self.reader.read(MAX_BODY_BYTES)
            self.close()
            return status
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status

    async def _read_chunks(self) -> None:
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")  # no trailers are sent
                return
            await self.reader.readexactly(size + 2)

    async def _get(self, page: str) -> int:
        fresh = self.writer is None
        if fresh:
            await self._open()
        try:
            return await self._exchange(page)
        except (_Closed, ConnectionResetError, BrokenPipeError):
            self.close()
            if fresh:
                raise
        await self._open()  # a kept-alive connection the server had closed: once more
        return await self._exchange(page)

    async def get(self, page: str) -> tuple[float, bool]:
        """Milliseconds until the whole answer is read, and whether it was a 200."""
        started = time.perf_counter()
        try:
            status = await asyncio.wait_for(self._get(page), TIMEOUT_S)
            ok = status == 200
        except (TimeoutError, OSError, EOFError, ValueError, _Closed, asyncio.LimitOverrunError):
            self.close()
            ok = False
        return (time.perf_counter() - started) * 1000, ok


async def _wait_for_server(port: int, server: subprocess.Popen) -> None:
    connection = Connection(port, "")
    for _ in range(120):
        if server.poll() is not None:
            raise SystemExit("gunicorn stopped while starting")
        _ms, ok = await connection.get("/accounts/login/")
        connection.close()
        if ok:
            return
        await asyncio.sleep(0.5)
    raise SystemExit("gunicorn did not start")


async def _sequential(port, cookie, pages, count, results, errors) -> None:
    connection = Connection(port, cookie)
    for page in pages:  # warm every page once: templates, connections, caches
        await connection.get(page)
    for page in pages:
        for _ in range(count):
            ms, ok = await connection.get(page)
            results[page].append(ms)
            errors[page] += not ok
        s50, s95, s99 = _percentiles(results[page])
        print(f"sequential {page}: {s50:.0f} / {s95:.0f} / {s99:.0f} ms", flush=True)
    connection.close()


async def _concurrent(port, cookie, pages, users, rounds, results, errors) -> None:
    async def user(index: int) -> None:
        connection = Connection(port, cookie)
        order = pages[index % len(pages) :] + pages[: index % len(pages)]
        for _ in range(rounds):
            for page in order:
                ms, ok = await connection.get(page)
                results[page].append(ms)
                errors[page] += not ok
        connection.close()

    await asyncio.gather(*(user(index) for index in range(users)))


# --- CPU per process group, from /proc ------------------------------------------------


def _proc_cpu_s(pid: int) -> float:
    """User + system CPU seconds of one process (0 if it has gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _processes() -> list[tuple[int, int, str]]:
    """(pid, parent pid, command line) of every process that can be read."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as stat:
                parent = int(stat.read().rpartition(")")[2].split()[1])
            with open(f"/proc/{name}/cmdline", "rb") as cmdline:
                command = cmdline.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except (OSError, ValueError, IndexError):
            continue
        found.append((int(name), parent, command))
    return found


def _machine_busy_s() -> float:
    """CPU seconds the whole machine has spent on anything but idling, since boot."""
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _cpu_snapshot(server_pid: int, database: str) -> dict[str, float]:
    processes = _processes()
    gunicorn = [pid for pid, parent, _ in processes if pid == server_pid or parent == server_pid]
    # Backends name their database in their title: "postgres: USER DB 127.0.0.1(…) idle".
    backends = [
        pid
        for pid, _, command in processes
        if command.startswith("postgres: ") and f" {database} " in command
    ]
    me = os.times()
    return {
        **{f"worker {pid}": _proc_cpu_s(pid) for pid in gunicorn if pid != server_pid},
        "gunicorn": sum(_proc_cpu_s(pid) for pid in gunicorn),
        "postgres": sum(_proc_cpu_s(pid) for pid in backends),
        "client": me.user + me.system,
        "machine": _machine_busy_s(),
    }


def _cpu_line(before: dict, after: dict, requests: int, seconds: float, users: int) -> str:
    spent = {key: (after.get(key, 0.0) - before.get(key, 0.0)) for key in before | after}
    per_request = {key: value * 1000 / max(requests, 1) for key, value in spent.items()}
    ours = per_request["gunicorn"] + per_request["postgres"] + per_request["client"]
    other = max(per_request["machine"] - ours, 0.0)
    # Each worker runs Python on one core at a time (one interpreter lock), so a worker
    # near 100 % of a core holds its kept-alive connections' requests in a queue.
    workers = sorted((v for k, v in spent.items() if k.startswith("worker ")), reverse=True)
    busy = " ".join(f"{100 * v / seconds:.0f}" for v in workers)
    return (
        f"CPU per request, {users} users ({requests} requests in {seconds:.1f} s, "
        f"{requests / seconds:.0f}/s): gunicorn {per_request['gunicorn']:.1f} ms "
        f"(workers busy {busy} % of a core), PostgreSQL {per_request['postgres']:.1f} ms, "
        f"load generator {per_request['client']:.1f} ms (together {ours:.1f} ms); "
        f"other processes {other:.1f} ms; the machine has {os.cpu_count()} cores"
    )


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
    parser.add_argument(
        "--workers", type=int, default=0, help="gunicorn worker processes (0: its default)"
    )
    parser.add_argument(
        "--threads", type=int, default=0, help="threads per worker (0: its default)"
    )
    args = parser.parse_args(argv)
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("Set BENCH_DATABASE_URL to the PostgreSQL database holding the cohort.")
        return 2
    if not (1 <= args.users <= 50 and 1 <= args.sequential <= 200 and 1 <= args.rounds <= 20):
        print("--users 1 … 50, --sequential 1 … 200, --rounds 1 … 20")
        return 2
    if not (0 <= args.workers <= 16 and 0 <= args.threads <= 32):
        print("--workers 0 … 16, --threads 0 … 32 (0: config/gunicorn.py's default)")
        return 2
    _setup(url)
    _vacuum()
    admin_user, _ = _users()
    pages = [p for p in _pages() if args.only in p]
    queries = _query_counts(pages, admin_user)
    print(f"query counts of {len(pages)} pages done", flush=True)
    cookie = _session_for(admin_user)
    database = url.rsplit("/", 1)[1].split("?")[0]
    sequential = {page: [] for page in pages}
    concurrent = {page: [] for page in pages}
    errors = dict.fromkeys(pages, 0)
    server = _start_gunicorn(args.port, url, args.workers, args.threads)
    try:
        asyncio.run(_wait_for_server(args.port, server))
        asyncio.run(_sequential(args.port, cookie, pages, args.sequential, sequential, errors))
        before, started = _cpu_snapshot(server.pid, database), time.perf_counter()
        asyncio.run(
            _concurrent(args.port, cookie, pages, args.users, args.rounds, concurrent, errors)
        )
        seconds = time.perf_counter() - started
        cpu = _cpu_line(
            before,
            _cpu_snapshot(server.pid, database),
            sum(len(v) for v in concurrent.values()),
            seconds,
            args.users,
        )
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
    print(f"gunicorn: {_server_shape(args.workers, args.threads)}; load average {_load()}")
    print(cpu)
    print(f"Missed: {', '.join(missed) or 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
