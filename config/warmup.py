"""Work every web worker does once when it starts, so that its first visitors do not pay
for it: compiling the templates (into the cached loader), building the URL resolver and
loading the German catalogue. Then everything loaded so far (about 250,000 objects: the
libraries, the templates) is moved out of the garbage collector's sight (`gc.freeze`):
a full collection over them took about 100 ms, paid by whichever request triggered it.
gunicorn calls `web_worker_warm` after forking each worker (`config/gunicorn.py`); it
takes about a third of a second, once."""

from __future__ import annotations

import gc
import logging
import time
from pathlib import Path

log = logging.getLogger(__name__)


def templates_compile() -> int:
    """Compile every template the Django engine can find (project and installed apps);
    how many compiled. A template that cannot compile here is skipped: it fails the
    same way when a page uses it."""
    from django.template import TemplateSyntaxError, engines

    compiled = 0
    for backend in engines.all():
        for directory in backend.template_dirs:
            root = Path(directory)
            for path in sorted(root.rglob("*.html")):
                try:
                    backend.get_template(path.relative_to(root).as_posix())
                except (TemplateSyntaxError, LookupError, ImportError):
                    continue
                compiled += 1
    return compiled


def web_worker_warm() -> None:
    from django.conf import settings
    from django.urls import reverse
    from django.utils import translation

    started = time.perf_counter()
    compiled = templates_compile()
    reverse("home")
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            translation.gettext("Patients")
    gc.collect()
    gc.freeze()
    log.info("web worker warmed in %.2f s (%d templates)", time.perf_counter() - started, compiled)
