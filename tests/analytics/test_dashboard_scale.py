"""The dashboard at any cohort size: PC scores stored at publish, the scatter fetched as
a bounded sample, loadings scaled to the scores, a constant number of queries."""

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from analytics import selectors, services
from analytics.models import PatientSummary
from registry.demo.seeding import demo_cohort_seed
from registry.models import Center, Role
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _run():
    run = services.clustering_run_request(trigger="command", bootstrap=5, sync=True)
    assert run.status == "succeeded", run.error
    return run


def _queries(client, run) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("phenotype-dashboard")).status_code == 200
        assert client.get(reverse("pca-data", args=[run.pk])).status_code == 200
    return len(ctx.captured_queries)


def test_scores_sampling_scaling_scoping_and_query_counts(client, monkeypatch):
    demo_cohort_seed(n_patients=90, seed=5)
    run = _run()
    scores = np.array(run.assignments.values_list("pc1", "pc2"), dtype=float)
    assert len(scores) == run.cohort_size and not np.isnan(scores).any()
    # Scores of the fitted cohort are centred and their variances are in the ratio of
    # the explained variances the PCA reported.
    explained = run.pca["explained_variance"]
    assert np.allclose(scores.mean(axis=0), 0, atol=1e-6)
    ratio = scores[:, 0].var() / scores[:, 1].var()
    assert ratio == pytest.approx(explained[0] / explained[1], rel=1e-6)

    superuser = UserFactory(role=Role.ADMIN, is_superuser=True)
    client.force_login(superuser)
    page = client.get(reverse("phenotype-dashboard")).content.decode()
    assert "DEMO-" not in page.split("<h2>Runs</h2>")[0]  # no per-patient data inlined
    monkeypatch.setattr(selectors, "PCA_POINT_LIMIT", 40)
    data = client.get(reverse("pca-data", args=[run.pk])).json()
    assert data["total"] == run.cohort_size and data["step"] == 3
    assert 25 <= data["shown"] <= 40
    reach = max(np.hypot(x, y) for s in data["series"] for x, y in zip(s["x"], s["y"], strict=True))
    longest = max(np.hypot(*v) for v in data["loadings"].values())
    assert data["loading_scale"] * longest == pytest.approx(0.8 * reach, rel=1e-3)
    assert len(data["labelled"]) == 5

    center = Center.objects.get(code="DEMO-C")
    client.force_login(UserFactory(role=Role.RESEARCHER, centers=[center]))
    mine = set(PatientSummary.objects.filter(center=center).values_list("patient_code", flat=True))
    data = client.get(reverse("pca-data", args=[run.pk])).json()
    shown = {code for s in data["series"] for code in s["text"]}
    assert shown and shown <= mine

    client.force_login(superuser)
    small = _queries(client, run)
    demo_cohort_seed(n_patients=180, seed=5)
    large_run = _run()
    assert large_run.cohort_size > run.cohort_size
    assert _queries(client, large_run) == small
