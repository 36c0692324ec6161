"""First-load time of every page in a real browser, against a 1 s budget, on the demo
cohort served as production serves it (gunicorn, DEBUG off, collectstatic'd static files
compressed by WhiteNoise, plotly's basic bundle), beside the baseline measured in the
same run on the same server: static files uncompressed and plotly's full 4.8 MB bundle.

    python -m bench.first_load [--patients 1026] [--port 8106]

Each measurement is a cold browser cache (a new browser context) with the session cookie
already set, from navigation to the load event with every plot drawn. Two network
profiles: loopback, and a clinic link emulated by Chromium (40 ms round trip,
20 Mbit/s down, 5 Mbit/s up). Needs PostgreSQL (BENCH_DATABASE_URL names the server) and
Debian's chromium; it creates and drops a scratch database.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRATCH_DB = "registry_bench_first_load"
BUDGET_S = 1.0
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
PROFILES = {
    "loopback": None,
    "clinic link": {"latency": 40, "downloadThroughput": 20e6 / 8, "uploadThroughput": 5e6 / 8},
}
USERNAME, PASSWORD = "bench-admin", "bench-password-not-secret-42"
FULL_PLOTLY = (
    Path(importlib.util.find_spec("plotly").origin).parent / "package_data" / "plotly.min.js"
)


def _env(database_url: str, static_root: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DATABASE_URL=database_url,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="first-load-bench-key-not-secret",
        DJANGO_SETTINGS_MODULE="config.settings",
        STATIC_ROOT=str(static_root),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_COOKIES="0",
        # Plain http on loopback: no redirect to https, no HSTS.
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        RECLUSTER_AFTER_IMPORT="0",
        CELERY_TASK_ALWAYS_EAGER="1",
    )
    return env


def _manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def _prepare(env: dict, patients: int) -> None:
    _manage(env, "migrate", "--noinput", "-v", "0")
    _manage(env, "seed_demo", "--patients", str(patients))
    script = f"""
import django
django.setup()
from analytics import services
from registry.models import User
run = services.clustering_run_request(trigger="command", bootstrap=20, k_scan="skip", sync=True)
assert run.status == "succeeded", run.error
User.objects.create_superuser("{USERNAME}", password="{PASSWORD}", role="admin")
"""
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True)
    _manage(env, "collectstatic", "--noinput", "-v", "0")
    # The baseline's plotting library: the full bundle, served from the same server.
    (Path(env["STATIC_ROOT"]) / "baseline").mkdir(exist_ok=True)
    shutil.copy(FULL_PLOTLY, Path(env["STATIC_ROOT"]) / "baseline" / "plotly.full.js")


def _pages(env: dict) -> list[tuple[str, str]]:
    script = """
import django
django.setup()
from registry.models import Patient, Visit
p = Patient.objects.filter(visits__gait_sessions__isnull=False).order_by("patient_id").first()
v = Visit.objects.filter(patient=p).order_by("-visit_date").first()
print(p.patient_id, v.pk)
"""
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    patient, visit = out[-2], out[-1]
    return [
        ("sign-in", "/accounts/login/"),
        ("overview", "/"),
        ("patient list", "/patients/"),
        ("patient page (4 plots)", f"/patients/{patient}/"),
        ("visit page", f"/patients/{patient}/visits/{visit}/"),
        ("phenotypes (2 plots)", "/phenotypes/"),
        ("report", f"/patients/{patient}/report/"),
        ("imports", "/imports/"),
    ]


def _serve(env: dict, port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**env, "DJANGO_WEB_PROCESS": "1"},
        start_new_session=True,
    )
    for _ in range(60):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2)
            return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("gunicorn did not answer")


def _drop(admin_url: str) -> None:
    import psycopg2

    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)")
    conn.close()


def _baseline_route(route, request):
    """The old way: every static file uncompressed, plotly's full bundle."""
    url = request.url
    if "/static/vendor/plotly/plotly-basic" in url:
        url = url.split("/static/")[0] + "/static/baseline/plotly.full.js"
    route.continue_(url=url, headers={**request.headers, "accept-encoding": "identity"})


def _measure(browser, base: str, storage, url: str, network, baseline: bool) -> tuple[float, int]:
    context = browser.new_context(storage_state=storage, viewport={"width": 1400, "height": 900})
    page = context.new_page()
    if network:
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", {"offline": False, **network})
    if baseline:
        page.route("**/static/**", _baseline_route)
    started = time.perf_counter()
    page.goto(base + url, wait_until="load")
    if page.locator(".plot").count():
        page.wait_for_function(
            "() => [...document.querySelectorAll('.plot')].every("
            "p => p.querySelector('svg.main-svg') || p.textContent.trim())",
            timeout=60_000,
        )
    elapsed = time.perf_counter() - started
    transferred = page.evaluate(
        "performance.getEntriesByType('navigation').concat(performance.getEntriesByType("
        "'resource')).reduce((n, e) => n + (e.transferSize || e.encodedBodySize || 0), 0)"
    )
    context.close()
    return elapsed, transferred


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.first_load")
    parser.add_argument("--patients", type=int, default=1026)
    parser.add_argument("--port", type=int, default=8106)
    parser.add_argument("--repeat", type=int, default=3, help="loads per page and mode (median)")
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    args = parser.parse_args(argv)
    import bench.bridge as bridge

    bridge.SCRATCH_DB = SCRATCH_DB
    bridge._create_scratch(args.admin_url)
    database_url = args.admin_url.rsplit("/", 1)[0] + "/" + SCRATCH_DB
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        env = _env(database_url, Path(folder) / "static")
        print(f"preparing: demo cohort of {args.patients}, one run, collectstatic …", flush=True)
        _prepare(env, args.patients)
        pages = _pages(env)
        server = _serve(env, args.port)
        base = f"http://127.0.0.1:{args.port}"
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                login = browser.new_context()
                page = login.new_page()
                page.goto(base + "/accounts/login/")
                page.fill("#id_username", USERNAME)
                page.fill("#id_password", PASSWORD)
                page.click("#login-form button[type=submit]")
                page.wait_for_url(base + "/")
                storage = login.storage_state()
                login.close()
                rows = []
                for name, url in pages:
                    state = None if url == "/accounts/login/" else storage
                    for profile, network in PROFILES.items():
                        result = {}
                        for baseline in (True, False):
                            runs = [
                                _measure(browser, base, state, url, network, baseline)
                                for _ in range(args.repeat)
                            ]
                            result[baseline] = (
                                statistics.median(r[0] for r in runs),
                                statistics.median(r[1] for r in runs),
                            )
                        rows.append((name, profile, result[True], result[False]))
                        print(".", end="", flush=True)
                browser.close()
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    _drop(args.admin_url)
    print(
        f"\n\nFirst load per page, cold browser cache, median of {args.repeat} "
        f"(demo cohort, {args.patients} patients; gunicorn, DEBUG off; budget {BUDGET_S:.0f} s)\n"
    )
    header = (
        f"{'page':<26}{'network':<13}{'baseline s':>11}{'baseline MB':>13}"
        f"{'now s':>8}{'now MB':>8}{'speed-up':>10}  budget"
    )
    print(header)
    print("-" * len(header))
    worst = 0.0
    for name, profile, (b_s, b_bytes), (n_s, n_bytes) in rows:
        worst = max(worst, n_s)
        verdict = "ok" if n_s <= BUDGET_S else "OVER"
        print(
            f"{name:<26}{profile:<13}{b_s:>11.2f}{b_bytes / 1e6:>13.2f}"
            f"{n_s:>8.2f}{n_bytes / 1e6:>8.2f}{b_s / n_s:>9.1f}x  {verdict}"
        )
    print(
        "\nbaseline: the same server and pages with static files sent uncompressed and "
        "plotly's full bundle;\nnow: WhiteNoise's compressed, hashed files and plotly's basic "
        f"bundle. Slowest page now: {worst:.2f} s against a budget of {BUDGET_S:.0f} s."
    )


if __name__ == "__main__":
    main(sys.argv[1:])
