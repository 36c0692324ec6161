"""What a run may claim, through its doors: the stored clusterability test, descriptive
clustering variables, patient-level tests for all visits, exports at full precision."""

import csv
import dataclasses
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from analytics import services
from analytics.engine import Comparison
from analytics.models import ClusteringRun, ComparisonResult, Phenotype, RunStatus
from analytics.results import COMPARISON_COLUMNS, comparison_row
from registry.demo.seeding import demo_cohort_seed
from registry.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

STRUCTURE = {
    "method": "sigclust-kmeans-ci",
    "description": "k-means cluster index against 100 draws of one Gaussian",
    "statistic": 0.279,
    "p_value": 0.43,
    "p_floor": False,
    "n_null": 100,
    "k": 4,
    "alpha": 0.05,
    "rejected": False,
    "null": {"mean": 0.28, "sd": 0.007, "quantiles": {"q01": 0.26, "q05": 0.27, "q50": 0.28}},
    "gap": {"k": 1, "rule": "Tibshirani 1-SE from k = 1", "structure": False},
}


def _stored_run(**fields) -> ClusteringRun:
    run = ClusteringRun.objects.create(
        trigger="command",
        status=RunStatus.SUCCEEDED,
        finished_at=timezone.now(),
        k=2,
        cohort_size=40,
        **fields,
    )
    for stable_id in (1, 2):
        Phenotype.objects.create(
            run=run, stable_id=stable_id, name=f"phenotype {stable_id}", size=20, share=0.5
        )
    return run


def _api() -> APIClient:
    client = APIClient()
    client.force_authenticate(UserFactory(role=Role.RESEARCHER))
    return client


@pytest.mark.slow
def test_a_run_stores_its_clusterability_and_the_command_and_api_show_it(settings):
    settings.ANALYTICS_JOBS = 3
    demo_cohort_seed(n_patients=150, seed=3)
    out = io.StringIO()
    call_command("recluster", "--sync", "--bootstrap", "0", stdout=out)
    lines = out.getvalue().splitlines()
    line = next(x for x in lines if x.startswith("clusterability:"))
    run = ClusteringRun.objects.current()
    assert f"{run.clusterability['p_value']:.3g}" in line
    assert run.clusterability["n_null"] == 100 and run.within_ss > 0
    assert run.diagnostics["collinearity"]["exact"] and run.comparison_scope
    assert run.diagnostics["compute"]["jobs"] == 3  # sized by the setting
    data = _api().get(f"/api/v1/runs/{run.pk}/").json()
    assert {"method", "statistic", "p_value", "n_null"} <= set(data["clusterability"])
    assert data["k_scan"] == "full" and data["within_ss"] == run.within_ss
    comparisons = _api().get("/api/v1/comparisons/", {"run": run.pk}).json()["results"]
    described = [c for c in comparisons if not c["inferential"]]
    assert {c["variable"] for c in described} >= {"velocity_m_s", "stance_pct"}
    assert all(c["p_adjusted"] is None and c["p_value"] is None for c in described)
    assert all(
        c["p_adjusted"] is not None for c in comparisons if c["inferential"] and c["p_value"]
    )


def test_a_run_made_before_the_test_existed_answers_null():
    run = _stored_run()
    assert _api().get(f"/api/v1/runs/{run.pk}/").json()["clusterability"] is None


def test_the_dashboard_says_plainly_when_the_no_cluster_null_stands(client):
    _stored_run(clusterability=STRUCTURE)
    client.force_login(UserFactory(role=Role.RESEARCHER))
    html = client.get(reverse("phenotype-dashboard")).content.decode()
    assert "no evidence of distinct phenotypes" in html
    assert "a partition of a continuum, not discovered groups" in html
    assert html.count('class="card phenotype-card"') == 2  # nothing hidden


def test_the_dashboard_shows_a_rejected_null_without_the_warning(client):
    _stored_run(clusterability={**STRUCTURE, "rejected": True, "p_value": 0.0099, "p_floor": True})
    client.force_login(UserFactory(role=Role.RESEARCHER))
    html = client.get(reverse("phenotype-dashboard")).content.decode()
    assert "no evidence of distinct phenotypes" not in html
    assert "the no-cluster null is rejected" in html and "p &lt; 0.0099" in html


def test_the_comparisons_csv_keeps_full_precision_floors_and_the_dunn_holm_pairs(client):
    run = _stored_run(comparison_scope="clinical, MRI and demographic variables")
    ComparisonResult.objects.create(
        run=run,
        variable="edss",
        kind="continuous",
        test="Kruskal–Wallis",
        p_value=6.47e-159,
        p_adjusted=1.2345678901234567e-158,
        summaries={},
        posthoc=[{"a": 1, "b": 2, "p_adjusted": 3.2e-05}],
    )
    ComparisonResult.objects.create(
        run=run,
        order=1,
        variable="velocity_m_s",
        kind="continuous",
        test="descriptive (clustering variable)",
        inferential=False,
        summaries={},
    )
    client.force_login(UserFactory(role=Role.RESEARCHER))
    text = client.get(reverse("comparisons-csv", args=[run.pk])).content.decode()
    rows = {r["variable"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows["edss"]["p_value"] == "6.47e-159"
    assert rows["edss"]["p_adjusted"] == "1.2345678901234567e-158"
    assert rows["edss"]["posthoc_dunn_holm"] == "1 vs 2: 3.2e-05"
    assert rows["edss"]["adjusted_family"] == "clinical, MRI and demographic variables"
    assert rows["velocity_m_s"]["inferential"] == "false"
    assert (
        rows["velocity_m_s"]["p_adjusted"] == "" and rows["velocity_m_s"]["adjusted_family"] == ""
    )


def test_a_described_variable_cannot_be_stored_with_an_adjusted_p():
    run = _stored_run()
    with pytest.raises(IntegrityError), transaction.atomic():
        ComparisonResult.objects.create(
            run=run,
            variable="velocity_m_s",
            kind="continuous",
            inferential=False,
            p_value=0.01,
            p_adjusted=0.02,
            summaries={},
        )


def test_every_field_of_an_engine_comparison_reaches_its_column():
    names = {f.name for f in dataclasses.fields(Comparison)}
    assert names == set(COMPARISON_COLUMNS)
    engine_row = Comparison(
        variable="sex",
        kind="categorical",
        test="Chi-square (Monte-Carlo p)",
        summaries={"1": {"n": 3}},
        statistic=7.5,
        df=3,
        p_value=0.0001,
        p_method="Monte-Carlo tables with both margins fixed, 10,000 draws, seed 1",
        effect_size=0.2,
        effect_size_name="Cramér's V",
        posthoc=[{"a": 1, "b": 2, "p_adjusted": 0.5}],
        note="smallest expected count 2.00 < 5",
        sparse=True,
        asymptotic_p=0.04,
        p_adjusted=0.0003,
        adjust_method="Benjamini–Hochberg (FDR) over 9 tests",
        inferential=True,
        p_floor=True,
    )
    stored = comparison_row(_stored_run(), 0, engine_row)
    for name in COMPARISON_COLUMNS:
        assert getattr(stored, name) == getattr(engine_row, name), name


def test_skipping_the_k_scan_needs_a_fixed_k():
    with pytest.raises(CommandError, match="--k-scan = skip needs a fixed --k"):
        call_command("recluster", "--k", "auto", "--k-scan", "skip", "--sync")
    with pytest.raises(IntegrityError), transaction.atomic():
        ClusteringRun.objects.create(trigger="command", k_requested=None, k_scan="skip")


@pytest.mark.slow
def test_all_visits_are_tested_at_the_patient_level():
    demo_cohort_seed(n_patients=120, seed=5)
    run = services.clustering_run_request(
        trigger="command", bootstrap=0, visit_choice="all", k_scan="skip", sync=True
    )
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.cohort_size > 120  # several visits per patient
    tested = run.comparisons.filter(inferential=True).exclude(p_value=None)
    assert tested.exists()
    for row in tested:
        assert "patient-level permutation" in row.p_method, row.variable
        assert row.asymptotic_p is None


def test_each_worker_process_limits_numeric_threads_to_the_setting(settings):
    from threadpoolctl import threadpool_info, threadpool_limits

    from config.celery import limit_numeric_threads

    settings.ANALYTICS_THREADS = 2
    try:
        limit_numeric_threads()
        assert {pool["num_threads"] for pool in threadpool_info()} == {2}
    finally:
        threadpool_limits(limits=1)
