"""The Content-Security-Policy in a real browser: every page, the plotly plots and the
Swagger UI work under it, and the browser reports no violation."""

import pytest
from django.urls import reverse

from registry.demo.seeding import demo_cohort_seed
from registry.models import Patient, Role
from tests.factories import PublishedRunFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "synthetic-pass-123"
INLINE_HANDLERS = """[...document.querySelectorAll('*')].flatMap(el =>
    [...el.attributes].filter(a => a.name.startsWith('on')).map(a => el.tagName + ' ' + a.name))
"""
WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
    e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));
"""


def test_pages_plots_and_swagger_work_under_the_policy_with_no_violation(page, live_server, shot):
    demo_cohort_seed(n_patients=60, seed=5)
    PublishedRunFactory()
    patient = Patient.objects.order_by("patient_id").first()
    UserFactory(
        username="synthetic-admin",
        role=Role.ADMIN,
        is_staff=True,
        is_superuser=True,
    )
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.add_init_script(WATCH)

    response = page.goto(f"{live_server.url}/accounts/login/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    page.fill("#id_username", "synthetic-admin")
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    visited = {}
    for path, ready in [
        ("/", "main"),
        ("/patients/", "main table"),
        (f"/patients/{patient.patient_id}/", "#patient-plot-0 svg.main-svg"),
        (reverse("patient-report", args=[patient.patient_id]), "body"),
        ("/phenotypes/", "#pca-plot svg.main-svg"),
        ("/imports/new/", "main form"),
        ("/api/docs/", ".swagger-ui .opblock"),
        ("/admin/", "#content"),
    ]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_selector(ready, timeout=30_000)
        # Inline event handlers would be blocked only when used: refuse them up front.
        handlers = page.evaluate(INLINE_HANDLERS)
        visited[path] = page.evaluate("window.__csp") + handlers
    shot(page, "admin-under-csp")
    assert all(v == [] for v in visited.values()), visited
    assert [e for e in errors if "Content Security Policy" in e] == []
