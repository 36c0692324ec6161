"""The web process's gunicorn settings: synchronous workers by default (threaded ones
when asked for threads), sizes from the environment, a clear stop on a size that is not
allowed."""

import runpy
from pathlib import Path

import pytest

CONFIG = Path(__file__).resolve().parents[1] / "config" / "gunicorn.py"


def test_web_workers_are_synchronous_two_per_cpu_plus_one_unless_threads_are_asked_for(
    monkeypatch,
):
    monkeypatch.delenv("WEB_WORKERS", raising=False)
    monkeypatch.delenv("WEB_THREADS", raising=False)
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1})
    settings = runpy.run_path(str(CONFIG))
    assert (settings["worker_class"], settings["workers"], settings["threads"]) == (
        "sync",
        5,
        1,
    )
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: set(range(32)))
    assert runpy.run_path(str(CONFIG))["workers"] == 9  # capped by default
    monkeypatch.setenv("WEB_WORKERS", "5")
    monkeypatch.setenv("WEB_THREADS", "8")
    settings = runpy.run_path(str(CONFIG))
    assert (settings["worker_class"], settings["workers"], settings["threads"]) == (
        "gthread",
        5,
        8,
    )


@pytest.mark.parametrize("value", ["0", "65", "four", "-1"])
def test_a_thread_count_out_of_range_stops_with_its_name_value_and_range(monkeypatch, value):
    monkeypatch.setenv("WEB_THREADS", value)
    with pytest.raises(SystemExit) as stop:
        runpy.run_path(str(CONFIG))
    assert str(stop.value) == (
        f"WEB_THREADS={value!r} is not allowed; use a whole number from 1 to 64."
    )


def test_connections_close_after_each_answer_unless_keepalive_is_set(monkeypatch):
    monkeypatch.delenv("WEB_KEEPALIVE", raising=False)
    assert runpy.run_path(str(CONFIG))["keepalive"] == 0
    monkeypatch.setenv("WEB_KEEPALIVE", "5")
    assert runpy.run_path(str(CONFIG))["keepalive"] == 5
    monkeypatch.setenv("WEB_KEEPALIVE", "301")
    with pytest.raises(SystemExit) as stop:
        runpy.run_path(str(CONFIG))
    assert str(stop.value) == (
        "WEB_KEEPALIVE='301' is not allowed; use a whole number from 0 to 300."
    )
