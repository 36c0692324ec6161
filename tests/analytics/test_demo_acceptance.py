"""On the calibrated demo cohort, the reanalysis finds the paper's four phenotypes."""

import csv
from collections import Counter

import pytest
from django.core.management import call_command

from registry.demo.seeding import demo_cohort_seed

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

PAPER = {
    "faster stable": 47.8,
    "slower stable": 32.3,
    "moderately unstable": 12.6,
    "slow severely unstable": 7.4,
}


def test_recluster_then_export_gives_the_papers_four_phenotypes(tmp_path, capsys):
    demo_cohort_seed(n_patients=1026, seed=42)
    call_command("recluster", "--k", "4", "--sync", "--bootstrap", "20")
    printed = capsys.readouterr().out
    assert "succeeded" in printed and "k = 4" in printed
    out = tmp_path / "cohort.csv"
    call_command("export_run", "cohort", "--out", str(out))
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 1026
    shares = {
        name: 100 * n / len(rows) for name, n in Counter(r["phenotype_name"] for r in rows).items()
    }
    assert set(shares) == set(PAPER)
    for name, expected in PAPER.items():
        assert abs(shares[name] - expected) <= 6, (name, shares[name])
    assert rows[0]["patient_id"].startswith("DEMO-")
    assert {"velocity_m_s", "distance_to_centroid", "edss", "phenotype_id"} <= set(rows[0])

    comparisons = tmp_path / "comparisons.csv"
    call_command("export_run", "comparisons", "--out", str(comparisons))
    with comparisons.open() as handle:
        table = {row["variable"]: row for row in csv.DictReader(handle)}
    for variable in ("edss", "brain_parenchymal_fraction", "t2_lesion_volume_ml"):
        assert float(table[variable]["p_value"]) < 0.001, variable
    assert float(table["progressive"]["p_value"]) < 0.001
