"""Phenotype names and descriptions are stored as the engine writes them (English, the
patient list filters on them) and shown in the page's language."""

import numpy as np
import pytest
from django.urls import reverse
from django.utils import translation

from analytics.engine import naming
from analytics.models import Phenotype, PhenotypeAssignment
from analytics.phenotype_labels import (
    cluster_stability,
    phenotype_description,
    phenotype_name,
)
from registry.models import Role
from tests.factories import (
    ARCHETYPES,
    CenterFactory,
    GaitSessionFactory,
    PublishedRunFactory,
    UserFactory,
    _archetype_walk,
)

GERMAN = "de-DE,de;q=0.9"


@pytest.mark.parametrize(
    ("stored", "english", "german"),
    [
        ("faster stable", "faster stable", "schnell, stabil"),
        ("slower stable", "slower stable", "langsamer, stabil"),
        ("moderately unstable", "moderately unstable", "mäßig instabil"),
        ("slow severely unstable", "slow severely unstable", "langsam, stark instabil"),
        (
            "slower moderately unstable (high stride variability)",
            "slower moderately unstable (high stride variability)",
            "langsamer, mäßig instabil (hohe Doppelschrittvariabilität)",
        ),
        (
            "slower stable (long strides) 2",
            "slower stable (long strides) 2",
            "langsamer, stabil (lange Doppelschritte) 2",
        ),
        ("faster stable 3", "faster stable 3", "schnell, stabil 3"),
        # Not the engine's vocabulary: shown as stored.
        ("Cluster A", "Cluster A", "Cluster A"),
        (
            "faster stable (walks a lot)",
            "faster stable (walks a lot)",
            "faster stable (walks a lot)",
        ),
        ("quick stable", "quick stable", "quick stable"),
        ("", "", ""),
    ],
)
def test_a_stored_name_reads_in_the_active_language(stored, english, german):
    with translation.override("en"):
        assert phenotype_name(stored) == english
    with translation.override("de"):
        assert phenotype_name(stored) == german


def test_a_stored_description_reads_in_the_active_language():
    stored = "fast, long strides, low stride variability"
    with translation.override("en"):
        assert phenotype_description(stored) == stored
    with translation.override("de"):
        assert phenotype_description(stored) == (
            "schnell, lange Doppelschritte, geringe Doppelschrittvariabilität"
        )
        assert phenotype_description("close to the cohort average") == (
            "nahe am Kohortendurchschnitt"
        )
        # One unknown phrase: the whole text as stored, never half translated.
        assert phenotype_description("fast, odd gait") == "fast, odd gait"
        assert cluster_stability("doubtful") == "fraglich"
        assert cluster_stability("wobbly") == "wobbly"


def test_every_name_and_description_the_engine_writes_has_german_words():
    """Random centroids of every k the engine allows: each name and description it
    produces is read and translated whole (a new word in naming.py fails here)."""
    rng = np.random.default_rng(7)
    features = [f for group in naming.PHRASES for f in group] + ["stride_time_s"]
    seen = set()
    for k in range(2, 9):
        for _ in range(40):
            z = rng.normal(0, 1.2, size=(k, len(features)))
            if rng.random() < 0.3:
                z[:, 0] = z[0, 0]  # clusters at one speed: named by instability alone
            profiles = [dict(zip(features, row, strict=True)) for row in z]
            for n in naming.name_clusters(profiles):
                seen.add(n.name)
                with translation.override("de"):
                    assert phenotype_name(n.name) != n.name, n.name
                    assert phenotype_description(n.description) != n.description
    assert any("(" in name for name in seen) and len(seen) > 20


@pytest.fixture
def fast_patient(db, client):
    """A patient walking like the fastest archetype, in a published run whose phenotype 1
    carries an engine description; a clinician of the centre signed in."""
    center = CenterFactory(code="TST-N")
    GaitSessionFactory(
        visit__patient__center=center,
        visit__patient__patient_id="SYN-N1",
        **_archetype_walk(*ARCHETYPES[1][1:]),
    )
    run = PublishedRunFactory()
    Phenotype.objects.filter(run=run, stable_id=1).update(
        description="fast, long strides, low stride variability"
    )
    assert PhenotypeAssignment.objects.get(run=run).phenotype.name == "faster stable"
    client.force_login(UserFactory(role=Role.CLINICIAN, centers=[center]))
    return client


def _page(client, url, language):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_german_pages_show_the_german_name(fast_patient):
    visit = PhenotypeAssignment.objects.get().visit
    for url in (
        reverse("phenotype-dashboard"),
        reverse("patient-list"),
        reverse("patient-detail", args=["SYN-N1"]),
        reverse("visit-detail", args=["SYN-N1", visit.pk]),
        reverse("patient-report", args=["SYN-N1"]),
    ):
        html = _page(fast_patient, url, GERMAN)
        assert "schnell, stabil" in html, url
        assert "faster stable" not in html.replace('value="faster stable"', ""), url
    dashboard = _page(fast_patient, reverse("phenotype-dashboard"), GERMAN)
    assert "schnell, lange Doppelschritte, geringe Doppelschrittvariabilität" in dashboard
    assert "langsam, stark instabil" in dashboard and "Stabilität (Jaccard) 0,90 · stabil" in (
        dashboard
    )
    report = _page(fast_patient, reverse("patient-report", args=["SYN-N1"]), GERMAN)
    assert "schnell, lange Doppelschritte" in report


def test_english_pages_show_the_stored_name(fast_patient):
    for url in (reverse("phenotype-dashboard"), reverse("patient-detail", args=["SYN-N1"])):
        html = _page(fast_patient, url, "en")
        assert "faster stable" in html and "schnell, stabil" not in html
    dashboard = _page(fast_patient, reverse("phenotype-dashboard"), "en")
    assert "fast, long strides, low stride variability" in dashboard


def test_the_scatter_data_names_phenotypes_in_the_page_language(fast_patient):
    run = PhenotypeAssignment.objects.get().run
    url = reverse("pca-data", args=[run.pk])
    german = fast_patient.get(url, HTTP_ACCEPT_LANGUAGE=GERMAN).json()
    english = fast_patient.get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    assert [s["name"] for s in german["series"]] == ["1 schnell, stabil"]
    assert [s["name"] for s in english["series"]] == ["1 faster stable"]
    # Loading arrows are labelled with the features' names, not their column names.
    assert german["labels"]["velocity_m_s"] == "Geschwindigkeit (m/s)"
    assert english["labels"]["velocity_m_s"] == "Velocity (m/s)"


def test_the_phenotype_filter_works_on_a_german_page(fast_patient):
    html = _page(fast_patient, reverse("patient-list"), GERMAN)
    # The value sent is the stored name; the label is German.
    assert '<option value="faster stable" >schnell, stabil</option>' in html
    assert '<option value="slow severely unstable" >langsam, stark instabil</option>' in html
    hit = _page(fast_patient, reverse("patient-list") + "?phenotype=faster+stable", GERMAN)
    assert "SYN-N1" in hit
    assert '<option value="faster stable" selected>schnell, stabil</option>' in hit
    miss = _page(fast_patient, reverse("patient-list") + "?phenotype=slower+stable", GERMAN)
    assert "SYN-N1" not in miss


def test_the_clusterability_test_is_described_in_the_page_language():
    from analytics.engine.clusterability import Clusterability
    from analytics.phenotype_labels import clusterability_description

    stored = Clusterability(
        method="sigclust-kmeans-ci",
        statistic=0.4,
        p_value=0.01,
        n_null=100,
        k=4,
        alpha=0.05,
        rejected=True,
        p_floor=False,
        null_mean=0.5,
        null_sd=0.01,
        null_quantiles={"q01": 0.48, "q05": 0.49, "q50": 0.5, "q95": 0.51},
        n_rows=812,
        dimensions=3,
        n_init=5,
        seed=42,
        unit="patients (latest row each)",
    ).to_dict()
    with translation.override("en"):
        assert clusterability_description(stored) == stored["description"]
    with translation.override("de"):
        german = clusterability_description(stored)
        assert "100 Ziehungen aus einer Gaußverteilung" in german
        assert "3 PCA-Dimensionen, 812 Patienten (je die letzte Zeile)" in german
        # A record from before the numbers were kept: the stored text.
        assert clusterability_description({"description": "old text"}) == "old text"


def test_engine_notes_of_the_comparison_table_read_in_german():
    from analytics.engine.comparisons import FAMILY_SCOPE
    from analytics.result_labels import comparison_note, comparison_scope, comparison_test

    with translation.override("de"):
        assert comparison_test("Chi-square (Monte-Carlo p)") == "Chi-Quadrat (Monte-Carlo-p)"
        assert comparison_test("descriptive (clustering variable)") == (
            "deskriptiv (Clustering-Variable)"
        )
        assert comparison_note("smallest expected count 0.07 < 5: Monte-Carlo p, 10,000 draws") == (
            "kleinste erwartete Häufigkeit 0,07 < 5: Monte-Carlo-p, 10.000 Ziehungen"
        )
        assert comparison_note(
            "smallest expected count 1.57 < 5: Monte-Carlo p, 68 draws (stopped at 50 exceedances)"
        ) == (
            "kleinste erwartete Häufigkeit 1,57 < 5: Monte-Carlo-p, 68 Ziehungen "
            "(beendet nach 50 Überschreitungen)"
        )
        assert comparison_note("3 phenotype(s) with data; at least 2 needed").startswith("3 Ph")
        assert comparison_scope(FAMILY_SCOPE).startswith("klinische, MRT- und demografische")
        assert comparison_note("a note from elsewhere") == "a note from elsewhere"
    with translation.override("en"):
        note = "smallest expected count 0.07 < 5: Monte-Carlo p, 10,000 draws"
        assert comparison_note(note) == note
        assert comparison_scope(FAMILY_SCOPE) == FAMILY_SCOPE


def test_the_german_comparison_table_writes_numbers_levels_and_tests_in_german(fast_patient):
    from analytics.models import ComparisonResult

    run = PhenotypeAssignment.objects.get().run
    ComparisonResult.objects.filter(run=run, variable="velocity_m_s").update(
        summaries={"1": {"n": 1, "median": 1.25, "q1": 1.125, "q3": 1.4}}
    )
    ComparisonResult.objects.filter(run=run, variable="progressive").update(
        test="Chi-square (Monte-Carlo p)",
        note="smallest expected count 0.07 < 5: Monte-Carlo p, 10,000 draws",
        summaries={"1": {"counts": {"false": 3, "true": 1}, "percent": {"false": 75, "true": 25}}},
    )
    german = _page(fast_patient, reverse("phenotype-dashboard"), GERMAN)
    assert "1,25 [1,12;\u00a01,4]" in german
    assert "nein\u00a03\u00a0(75\u00a0%)" in german and "ja\u00a01\u00a0(25\u00a0%)" in german
    assert "Chi-Quadrat (Monte-Carlo-p)" in german and "Chi-square" not in german
    assert "kleinste erwartete Häufigkeit 0,07 &lt; 5" in german
    english = _page(fast_patient, reverse("phenotype-dashboard"), "en")
    assert "1.25 [1.12,\u00a01.4]" in english and "no\u00a03\u00a0(75\u00a0%)" in english
    assert "Chi-square (Monte-Carlo p)" in english


def test_the_german_report_writes_chart_numbers_and_months_in_german(fast_patient):
    import re

    german = _page(fast_patient, reverse("patient-report", args=["SYN-N1"]), GERMAN)
    ticks = re.findall(r'text-anchor="middle">([^<]+)</text>', german)
    assert ticks and all(re.fullmatch(r"\d\d\.\d{4}|\d{4}", t) for t in ticks if t), ticks
    assert re.search(r'text-anchor="end">\d,\d+</text>', german)
    english = _page(fast_patient, reverse("patient-report", args=["SYN-N1"]), "en")
    ticks = re.findall(r'text-anchor="middle">([^<]+)</text>', english)
    assert ticks and all(re.fullmatch(r"\d{4}-\d\d|\d{4}", t) for t in ticks if t), ticks


def test_the_german_report_pdf_names_the_phenotype_in_german(fast_patient):
    import io

    from pypdf import PdfReader

    response = fast_patient.get(
        reverse("patient-report-pdf", args=["SYN-N1"]), HTTP_ACCEPT_LANGUAGE=GERMAN
    )
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "schnell, stabil" in text and "faster stable" not in text
    assert "Mobilitätsbericht" in text
