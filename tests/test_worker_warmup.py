"""A web worker compiles every template once when it starts (gunicorn's
post_worker_init), not on its first visitor's request."""

import runpy
from pathlib import Path

from django.template import engines

from config.warmup import templates_compile, web_worker_warm

CONFIG = Path(__file__).resolve().parents[1] / "config" / "gunicorn.py"


def _empty_cached_loader():
    loader = engines["django"].engine.template_loaders[0]
    loader.reset()
    return loader


def test_every_project_template_is_compiled_into_the_cached_loader():
    loader = _empty_cached_loader()
    assert "analytics/dashboard.html" not in loader.get_template_cache
    compiled = templates_compile()
    cached = set(loader.get_template_cache)
    project = {
        path.relative_to(Path("templates")).as_posix() for path in Path("templates").rglob("*.html")
    }
    assert project <= cached
    assert "admin/change_list.html" in cached  # the installed apps' templates too
    assert compiled >= len(project)


def test_gunicorn_warms_each_worker_after_it_starts(monkeypatch):
    calls = []
    monkeypatch.setattr("config.warmup.web_worker_warm", lambda: calls.append("warm"))
    runpy.run_path(str(CONFIG))["post_worker_init"](worker=None)
    assert calls == ["warm"]


def test_the_whole_warm_up_runs_without_touching_the_database():
    """No database mark here: any query would fail the test (the worker may start before
    the database is reachable)."""
    web_worker_warm()


def test_what_the_worker_loaded_is_kept_out_of_full_collections():
    import gc

    try:
        web_worker_warm()
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
