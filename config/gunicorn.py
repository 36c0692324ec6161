"""gunicorn settings of the web process: `gunicorn -c config/gunicorn.py config.wsgi:application`
(the Dockerfile, docker-compose and the page benchmark all start it so).

Synchronous workers by default, two per CPU plus one: a worker takes a connection from
the listening socket only when it is free, so waiting requests stay in one queue and go
to whichever worker frees first, one request per process and core at a time. Threaded
workers (`WEB_THREADS` above 1) accept every connection they can and queue it behind
their own busy threads, which share one interpreter lock: with 20 busy clients on two
cores they served 108 requests/s with a p95 of 235-532 ms, synchronous workers 117
requests/s with a p95 of 159-265 ms (`python -m bench.pages`). A synchronous worker is
held by a slow client for as long as it sends or reads, so put a buffering reverse proxy
(nginx, or the TLS-terminating proxy) in front of it in production. Each worker (each
thread) keeps its own database connection (`DATABASE_CONN_MAX_AGE`).
"""

import os


def _whole_number(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name, "").strip()
    if raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise SystemExit(f"{name}={raw!r} is not allowed; use a whole number from {low} to {high}.")
    return int(raw)


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


bind = os.environ.get("WEB_BIND", "0.0.0.0:8000")
# Two per CPU plus one (at most 9 by default: each worker holds its own copy of the app).
workers = _whole_number("WEB_WORKERS", min(2 * _cpus() + 1, 9), 1, 64)
threads = _whole_number("WEB_THREADS", 1, 1, 64)
worker_class = "sync" if threads == 1 else "gthread"
# Longer than the web process's statement timeout (WEB_DB_STATEMENT_TIMEOUT_MS, 20 s),
# so a slow query is cancelled by the database before its worker is killed.
timeout = 30
# Threaded workers only (a synchronous worker closes every connection after its answer):
# seconds a connection is kept open for the client's next request; 0 (the default)
# closes it after each answer. A threaded worker serves every request of the connections
# it accepted, on one core at a time (one interpreter lock): kept-alive connections pile
# up in whichever worker accepted them (with 20 busy browsers, one worker at 96 % of a
# core and two idle), while a new connection per request goes to a worker that is free
# to accept it. Opening a connection costs far less than waiting in that queue.
keepalive = _whole_number("WEB_KEEPALIVE", 0, 0, 300)


def post_worker_init(worker):
    """Compile the templates, build the URL resolver and load the catalogues once per
    worker, before its first request (`config/warmup.py`)."""
    from config.warmup import web_worker_warm

    web_worker_warm()
