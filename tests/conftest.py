"""Shared fixtures. With REQUIRE_SERVICES=1 (CI) a missing PostgreSQL or Redis is a
failure of the whole run, never a silent skip."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "") in {"1", "true", "yes"}

# BLAS and OpenMP start a thread per core inside every k-means fit. On a shared two-core
# machine those threads fight each other and one 300-patient run took minutes instead of
# seconds. One thread each, in this process and in the worker processes the tests start;
# parallel work is done by processes.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")


# A clean set of interchange files: one centre, two patients with a visit and a walk each
# (the second walk's condition left to its default), and one MRI scan.
INTERCHANGE_FILES = {
    "centers.csv": "center,name\nTST-IMP,Synthetic import centre\n",
    "patients.csv": "patient_id,center,sex,birth_year,onset_year,diagnosis_date\n"
    "SYN-I1,TST-IMP,F,1980,2001,2003-05-01\nSYN-I2,TST-IMP,M,1975,,\n",
    "visits.csv": "patient_id,visit_date,disease_course,edss,msws12,t25fw_s,walking_aid\n"
    "SYN-I1,2021-03-01,RRMS,2.0,20,5.5,none\nSYN-I2,2022-04-01,SPMS,6.0,70,12.0,bilateral\n",
    "gait.csv": "patient_id,visit_date,condition,velocity_m_s,cadence_steps_min,"
    "step_length_m,stride_length_m,swing_pct,stance_pct\n"
    "SYN-I1,2021-03-01,comfortable,1.2,112,0.64,1.29,39,61\n"
    "SYN-I2,2022-04-01,,0.6,88,0.41,0.82,35,65\n",
    "mri.csv": "patient_id,scan_date,brain_parenchymal_fraction,grey_matter_fraction,"
    "white_matter_fraction,t2_lesion_count\n"
    "SYN-I1,2021-02-01,0.83,0.45,0.38,12\n",
}


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


@pytest.fixture
def good_files() -> dict[str, str]:
    """The clean interchange file set, file name -> text; a copy, so change it freely."""
    return dict(INTERCHANGE_FILES)


@pytest.fixture
def write_files():
    """write_files(folder, {name: text}) writes the files (making the folder) and returns
    the folder."""

    def write(folder: Path, files: dict[str, str]) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        return folder

    return write


# --- A real Celery worker (CI: PostgreSQL and Redis) ---------------------------------------

ROOT = Path(__file__).resolve().parents[1]
WORKER_NAME = "registry-itest@localhost"


def _database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    host, port = s.get("HOST") or "127.0.0.1", s.get("PORT") or 5432
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{host}:{port}/{s['NAME']}"


class Worker:
    """A real Celery worker process (and beat, if asked) on the test database."""

    def __init__(
        self,
        redis_url: str,
        log_path: Path,
        *,
        beat: bool = False,
        env: dict | None = None,
        name: str = WORKER_NAME,
    ) -> None:
        self.name = name
        env = {
            **os.environ,
            **(env or {}),
            "DATABASE_URL": _database_url(),
            "REDIS_URL": redis_url,
            "CELERY_BROKER_URL": redis_url,
            "DATABASE_CONN_MAX_AGE": "0",
        }
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-n",
            name,
            "--concurrency=1",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
        ]
        if beat:
            command += ["-B", "-s", str(log_path.parent / "beat-schedule")]
        self.log_path = log_path
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=log_path.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.log_path.read_text(errors="replace"):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.3)
        pytest.fail(f"worker did not start:\n{self.log_path.read_text(errors='replace')[-3000:]}")

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def clean_broker(redis_url, on_postgres):
    """The tests' Redis database, emptied. A worker is another process: it reads only what
    the test committed, so tests using it are transactional and need PostgreSQL."""
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    return redis_url


@pytest.fixture
def fast_leases() -> dict[str, str]:
    """Worker environment with short leases, so that a lost job is failed within seconds."""
    return {"JOB_LEASE_SECONDS": "4", "JOB_HEARTBEAT_SECONDS": "1", "JOB_SWEEP_SECONDS": "2"}


@pytest.fixture
def worker_process(clean_broker, tmp_path):
    """worker_process(log_name, beat=False, env=None, name=...) starts a Worker on the clean
    broker, its log in the test's tmp_path; any still running after the test are killed."""
    started = []

    def start(log_name: str = "worker.log", **options) -> Worker:
        worker = Worker(clean_broker, tmp_path / log_name, **options)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.kill()


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A request in German leaves German active in this thread (LocaleMiddleware sets it
    per request); the next test starts in the registry's default language again."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
