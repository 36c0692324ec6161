"""gunicorn settings of the web process: `gunicorn -c config/gunicorn.py config.wsgi:application`
(the Dockerfile, docker-compose and the page benchmark all start it so).

Threaded workers (gthread): a request waiting on the database or on a slow page does
not hold back the requests queued behind it, as a synchronous worker does. Each thread
keeps its own database connection (`DATABASE_CONN_MAX_AGE`), so workers x threads
connections.
"""

import os


def _whole_number(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name, "").strip()
    if raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise SystemExit(f"{name}={raw!r} is not allowed; use a whole number from {low} to {high}.")
    return int(raw)


bind = os.environ.get("WEB_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = _whole_number("WEB_WORKERS", 3, 1, 64)
threads = _whole_number("WEB_THREADS", 4, 1, 64)
# Longer than the web process's statement timeout (WEB_DB_STATEMENT_TIMEOUT_MS, 20 s),
# so a slow query is cancelled by the database before its worker is killed.
timeout = 30
# Seconds a connection is kept open for the client's next request; 0 (the default)
# closes it after each answer. A threaded worker serves every request of the connections
# it accepted, on one core at a time (one interpreter lock): kept-alive connections pile
# up in whichever worker accepted them (with 20 busy browsers, one worker at 96 % of a
# core and two idle), while a new connection per request goes to a worker that is free
# to accept it. Opening a connection costs far less than waiting in that queue.
keepalive = _whole_number("WEB_KEEPALIVE", 0, 0, 300)
