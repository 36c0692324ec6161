"""Shared fixtures. With REQUIRE_SERVICES=1 (CI) a missing PostgreSQL or Redis is a
failure of the whole run, never a silent skip."""

import os

import pytest

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "") in {"1", "true", "yes"}

# BLAS and OpenMP start a thread per core inside every k-means fit. On a shared two-core
# machine those threads fight each other and one 300-patient run took minutes instead of
# seconds. One thread each, in this process and in the worker processes the tests start;
# parallel work is done by processes.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")


def pytest_configure(config):
    # The libraries may already be loaded (Django's setup imports the apps), so the
    # environment alone is not enough: limit the loaded thread pools too.
    import sklearn.cluster  # noqa: F401  (loads the OpenMP runtime k-means uses)
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)


def pytest_sessionstart(session):
    if not REQUIRE_SERVICES:
        return
    problems = []
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        problems.append(f"DATABASE_URL must point to PostgreSQL, got {database_url!r}")
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        problems.append("REDIS_URL is not set")
    else:
        import redis

        try:
            redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
        except redis.RedisError as exc:
            problems.append(f"Redis at {redis_url} does not answer: {exc}")
    if problems:
        pytest.exit("REQUIRE_SERVICES=1 but: " + "; ".join(problems), returncode=3)


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL", "")
    if not url:
        if REQUIRE_SERVICES:
            pytest.fail("REDIS_URL is required when REQUIRE_SERVICES=1")
        pytest.skip("REDIS_URL not set: Redis tests run in CI or with REDIS_URL exported")
    return url


@pytest.fixture
def on_postgres(settings):
    from django.db import connection

    if connection.vendor != "postgresql":
        if REQUIRE_SERVICES:
            pytest.fail("this test needs PostgreSQL and REQUIRE_SERVICES=1")
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    return True


@pytest.fixture
def broker_down():
    """The Celery app pointed at a broker address where nothing listens: publishing
    fails the way it does when Redis is down (a real connection refused)."""
    from config.celery import app

    before = (app.conf.broker_url, app.conf.task_always_eager, app.conf.broker_transport_options)
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app.conf.broker_transport_options = {}
    app.conf.task_always_eager = False
    app._pool = None
    app.amqp._producer_pool = None
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.task_always_eager, app.conf.broker_transport_options = before
        app._pool = None
        app.amqp._producer_pool = None


@pytest.fixture(scope="module")
def module_db(django_db_setup, django_db_blocker):
    """One transaction around a whole test module, for data that is expensive to make (a
    seeded cohort and a real reanalysis): a module-scoped fixture writes it once inside
    `django_db_blocker.unblock()`, every test of the module sees it (and still rolls back
    its own writes), and it is rolled back after the module's last test.

    Like Django's `TestCase.setUpTestData`. Every test of a module that uses it sees the
    data, whether it asks for it or not. pytest-django runs transactional tests after all
    others, so they never run inside this transaction."""
    from django.db import transaction

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic._from_testcase = True  # as Django's own class-wide test transaction
        atomic.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
