"""Settings for the test suite: the environment-driven settings, plus what only tests want.

Tests sign in hundreds of users; the production hasher is slow on purpose, so tests use
a fast one. Nothing here is read outside pytest (pyproject.toml points pytest at it).
"""

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The suite signs in and calls the API thousands of times from one address; the tests of
# the limits themselves set low ones.
API_RATE_USER = "1000000/hour"
API_RATE_ANON = "1000000/hour"

# Each test process gets a broker of its own, so that nothing a test enqueues reaches a
# developer's embedded worker (var/broker) or another test process (`pytest -n`):
# the filesystem transport in a temporary folder, or, with REDIS_URL, a Redis database
# per test process counted down from the given one (gw0 the given one, gw1 the one below).
_process = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
if REDIS_URL:  # noqa: F405
    _url = urlsplit(REDIS_URL)  # noqa: F405
    _index = (int(_url.path.strip("/") or 0) - int(_process.removeprefix("gw") or 0)) % 16
    _per_process = urlunsplit(_url._replace(path=f"/{_index}"))
    if CELERY_BROKER_URL == REDIS_URL:  # noqa: F405
        CELERY_BROKER_URL = _per_process
    REDIS_URL = os.environ["REDIS_URL"] = _per_process
if CELERY_BROKER_URL.startswith("filesystem://"):
    BROKER_DIR = Path(tempfile.mkdtemp(prefix="registry-test-broker-"))
    atexit.register(shutil.rmtree, BROKER_DIR, ignore_errors=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(BROKER_DIR)  # noqa: F405
