"""Per-process limits on PostgreSQL connections.

A web request that gunicorn gives up on must not leave its query running: the web
process's connections carry a `statement_timeout` (a query is cancelled after it) and a
`client_connection_check_interval` (PostgreSQL notices a vanished client while a query
runs and cancels it). Workers and commands keep no such limit: a reanalysis or an import
legitimately runs statements longer than any page.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured


def env_milliseconds(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name, "")
    if raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not allowed; use a whole number of milliseconds "
            f"from {low} to {high}."
        )
    return value


def with_web_limits(database: dict, *, statement_timeout_ms: int, check_interval_ms: int) -> dict:
    """The database settings with the web limits added as connection start-up options
    (no extra query per connection); unchanged for anything but PostgreSQL or a 0."""
    if "postgresql" not in database.get("ENGINE", ""):
        return database
    options = dict(database.get("OPTIONS") or {})
    flags = [options["options"]] if options.get("options") else []
    if statement_timeout_ms:
        flags.append(f"-c statement_timeout={statement_timeout_ms}")
    if check_interval_ms:
        flags.append(f"-c client_connection_check_interval={check_interval_ms}")
    if flags:
        options["options"] = " ".join(flags)
    return {**database, "OPTIONS": options}
