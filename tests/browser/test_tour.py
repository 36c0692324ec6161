"""Each role walks through its pages in a real Chromium at desktop (1400 px) and phone
(390 px) width, in English and in German. On every page: no serious or critical WCAG 2.1
A/AA violation found by axe-core, no sideways scrolling of the page itself (wide tables
scroll inside their own region), no button or menu entry that wraps or spills, no script
error, and the page's language is the one chosen. Screenshots of every page land in
artifacts/screenshots/ for people to look at."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from analytics import services
from registry.demo.seeding import demo_cohort_seed
from registry.models import Patient, Role, Visit
from tests.browser.conftest import SHOTS
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
PASSWORD = "synthetic-pass-123"
WIDTHS = {"desktop": 1400, "phone": 390}
LANGUAGES = ("en", "de")
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
# Buttons, button-like links and menu entries must stay on one line and inside their box.
BROKEN_CONTROLS = """() => {
  const out = [];
  for (const el of document.querySelectorAll(
      "button, .button, a.button, header.top nav a, input[type=submit]")) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || getComputedStyle(el).visibility === "hidden") continue;
    const cs = getComputedStyle(el);
    const line = parseFloat(cs.lineHeight) || parseFloat(cs.fontSize) * 1.45;
    const inner = el.clientHeight - parseFloat(cs.paddingTop) - parseFloat(cs.paddingBottom);
    if (inner > line * 1.6 || el.scrollWidth > el.clientWidth + 1 ||
        r.right > document.documentElement.clientWidth + 1) {
      out.push((el.innerText || el.value || el.outerHTML.slice(0, 60)).trim());
    }
  }
  return out;
}"""


@dataclass
class Tour:
    role: str
    problems: list[str] = field(default_factory=list)
    axe_counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    shots: list[Path] = field(default_factory=list)


@pytest.fixture
def cohort():
    demo_cohort_seed(n_patients=120, seed=7)
    run = services.clustering_run_request(trigger="command", bootstrap=5, sync=True)
    assert run.status == "succeeded", run.error
    patient = (
        Patient.objects.filter(visits__gait_sessions__isnull=False, mri_scans__isnull=False)
        .distinct()
        .order_by("patient_id")
        .first()
    )
    visit = Visit.objects.filter(patient=patient).order_by("-visit_date").first()
    return {"run": run, "patient": patient, "visit": visit, "centers": [patient.center]}


def _user(role: str, cohort) -> str:
    username = f"synthetic-{role}"
    if role == "admin":
        UserFactory(username=username, role=Role.ADMIN, is_staff=True, is_superuser=True)
    else:
        UserFactory(username=username, role=role, centers=cohort["centers"])
    return username


def _pages(role: str, cohort) -> list[tuple[str, str, int]]:
    p, v, run = cohort["patient"].patient_id, cohort["visit"].pk, cohort["run"].pk
    pages = [
        ("home", "/", 200),
        ("patients", "/patients/", 200),
        ("patients-filtered", "/patients/?edss_min=abc&flagged=1", 200),
        ("patient", f"/patients/{p}/", 200),
        ("visit", f"/patients/{p}/visits/{v}/", 200),
        ("report", f"/patients/{p}/report/", 200),
        ("phenotypes", f"/phenotypes/?run={run}", 200),
    ]
    if role == "researcher":
        pages += [
            ("forbidden-visit-edit", f"/patients/{p}/visits/new/", 403),
            ("forbidden-import", "/imports/new/", 403),
        ]
    else:
        pages += [
            ("visit-new", f"/patients/{p}/visits/new/", 200),
            ("patient-edit", f"/patients/{p}/edit/", 200),
            ("patient-new", "/new-patient/", 200),
            ("imports", "/imports/", 200),
            ("import-new", "/imports/new/", 200),
        ]
    if role == "admin":
        pages += [
            ("admin", "/admin/", 200),
            ("admin-patients", "/admin/registry/patient/", 200),
            ("admin-patient", f"/admin/registry/patient/{cohort['patient'].pk}/change/", 200),
        ]
    return pages


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}/")


def _check(page, tour: Tour, label: str, language: str, layout: bool = True) -> None:
    if page.locator(".plot").count():
        # Plots draw after load; wait for each to finish (an SVG or its empty-state text).
        page.wait_for_function(
            "() => [...document.querySelectorAll('.plot')].every("
            "p => p.querySelector('svg.main-svg') || p.textContent.trim())",
            timeout=20_000,
        )
    lang = page.get_attribute("html", "lang")
    if lang != language:
        tour.problems.append(f"{label}: <html lang={lang!r}>, expected {language!r}")
    results = Axe().run(page, options=AXE_OPTIONS)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    tour.axe_counts[label] = (len(serious), len(results.response["violations"]))
    for violation in serious:
        targets = [n["target"] for n in violation["nodes"][:3]]
        tour.problems.append(f"{label}: axe {violation['id']} ({violation['impact']}) {targets}")
    if not layout:
        return
    sideways = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if sideways > 1:
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right >
                             document.documentElement.clientWidth + 1
                          && !e.closest('.table-scroll, .js-plotly-plot'))
                .slice(0, 5).map(e => e.tagName + '.' + e.className)"""
        )
        tour.problems.append(f"{label}: page scrolls sideways by {sideways}px ({wide})")
    broken = page.evaluate(BROKEN_CONTROLS)
    if broken:
        tour.problems.append(f"{label}: controls wrap or spill: {broken[:5]}")


def _walk(browser, live_server, role: str, cohort) -> Tour:
    tour = Tour(role=role)
    username = _user(role, cohort)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width_name, width in WIDTHS.items():
        for language in LANGUAGES:
            context = browser.new_context(viewport={"width": width, "height": 900}, locale=language)
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
            page.on(
                "console",
                lambda msg, errors=errors: msg.type == "error" and errors.append(msg.text),
            )
            if role == "clinician":
                label = f"signed-out-login-{language}-{width_name}"
                page.goto(f"{live_server.url}/accounts/login/")
                _check(page, tour, label, language)
                page.screenshot(path=str(SHOTS / f"{label}.png"), full_page=True)
            _login(page, live_server.url, username)
            for name, url, status in _pages(role, cohort):
                label = f"{role}-{name}-{language}-{width_name}"
                response = page.goto(f"{live_server.url}{url}")
                if response.status != status:
                    tour.problems.append(f"{label}: status {response.status}, expected {status}")
                # The admin's layout is Django's own (responsive); axe still checks it.
                _check(page, tour, label, language, layout=not url.startswith("/admin/"))
                path = SHOTS / f"{label}.png"
                page.screenshot(path=str(path), full_page=True)
                tour.shots.append(path)
            if role == "clinician":
                _form_with_errors(page, live_server.url, cohort, tour, language, width_name)
            # A 403 is logged by the browser as a failed resource; it is expected here.
            real = [e for e in errors if "403" not in e]
            if real:
                tour.problems.append(f"{role}-{language}-{width_name}: script errors {real[:3]}")
            context.close()
    return tour


def _form_with_errors(page, base, cohort, tour, language, width_name) -> None:
    """A visit with an impossible EDSS: the error summary leads, naming the field."""
    label = f"clinician-visit-errors-{language}-{width_name}"
    page.goto(f"{base}/patients/{cohort['patient'].patient_id}/visits/new/")
    page.fill("#id_visit_date", "2025-10-01")
    page.fill("#id_edss", "11")
    page.locator("form.entry button[type=submit]").click()
    page.wait_for_selector(".error-summary")
    summary = page.inner_text(".error-summary")
    if "EDSS" not in summary:
        tour.problems.append(f"{label}: error summary does not name EDSS: {summary!r}")
    _check(page, tour, label, language)
    path = SHOTS / f"{label}.png"
    page.screenshot(path=str(path), full_page=True)
    tour.shots.append(path)


@pytest.mark.parametrize("role", ["clinician", "researcher", "admin"])
def test_every_page_is_accessible_fits_a_phone_and_speaks_both_languages(
    browser, live_server, cohort, role
):
    tour = _walk(browser, live_server, role, cohort)
    # axe's findings per page (serious+critical, all impacts), for the people reviewing.
    (SHOTS.parent / f"axe-{role}.tsv").write_text(
        "".join(f"{label}\t{s}\t{n}\n" for label, (s, n) in sorted(tour.axe_counts.items()))
    )
    assert len(tour.shots) >= 4 * len(_pages(role, cohort))
    assert not tour.problems, f"{len(tour.problems)} problems:\n" + "\n".join(tour.problems)


def test_the_header_switcher_changes_the_language_and_keeps_the_page(browser, live_server, cohort):
    username = _user("researcher", cohort)
    context = browser.new_context(viewport={"width": 390, "height": 800}, locale="en")
    page = context.new_page()
    _login(page, live_server.url, username)
    page.goto(f"{live_server.url}/patients/")
    page.click("form.language button[value=de]")
    page.wait_for_load_state()
    assert page.url.endswith("/patients/")
    assert page.get_attribute("html", "lang") == "de"
    assert re.search(r"Patienten", page.inner_text("h1"))
    context.close()


def test_the_plotting_bundle_has_every_trace_type_the_plots_use(browser, live_server, cohort):
    """The page ships plotly's basic bundle; a plot asking for a trace type it lacks
    would draw nothing. Every `type: "..."` in plots.js must be registered."""
    script = (Path(__file__).resolve().parents[2] / "static" / "js" / "plots.js").read_text()
    used = set(re.findall(r'type:\s*"([a-z0-9]+)"', script)) - {"date", "linear", "log"}
    username = _user("researcher", cohort)
    context = browser.new_context()
    page = context.new_page()
    _login(page, live_server.url, username)
    page.goto(f"{live_server.url}/patients/{cohort['patient'].patient_id}/")
    page.wait_for_function("() => window.Plotly")
    available = set(page.evaluate("Object.keys(Plotly.PlotSchema.get().traces)"))
    assert used and used <= available, f"missing trace types: {used - available}"
    context.close()
