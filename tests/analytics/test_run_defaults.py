"""The run parameters' defaults come from one module, and the run's enumerated fields
are database rules, not free text."""

import inspect

import pytest
from django.db import IntegrityError, transaction

from analytics.engine import defaults
from analytics.engine.pipeline import PipelineConfig
from analytics.management.commands.recluster import Command as Recluster
from analytics.models import ClusteringRun, ComparisonResult
from analytics.services import clustering_run_create
from registry.rules import MRI_WINDOW_DAYS

pytestmark = pytest.mark.django_db


def test_every_door_starts_a_run_with_the_same_defaults():
    config = PipelineConfig()
    signature = inspect.signature(clustering_run_create).parameters
    model = {f.name: f.default for f in ClusteringRun._meta.fields}
    parser = Recluster().create_parser("manage.py", "recluster")
    options = vars(parser.parse_args([]))
    expected = {
        "seed": defaults.SEED,
        "pca_variance": defaults.PCA_VARIANCE,
        "bootstrap": defaults.BOOTSTRAP,
        "missing": defaults.MISSING,
    }
    for name, value in expected.items():
        assert getattr(config, name) == signature[name].default == model[name] == value, name
    assert config.k == signature["k"].default == int(options["k"]) == defaults.K == 4
    assert options["seed"] == defaults.SEED and options["bootstrap"] == defaults.BOOTSTRAP
    assert signature["mri_window_days"].default == model["mri_window_days"] == MRI_WINDOW_DAYS


@pytest.mark.parametrize(
    ("field", "value", "constraint"),
    [
        ("trigger", "whim", "analytics_clusteringrun_trigger_valid"),
        ("missing", "mean", "analytics_clusteringrun_missing_valid"),
    ],
)
def test_a_run_refuses_an_unknown_trigger_or_missing_mode(field, value, constraint):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        ClusteringRun.objects.create(**{"trigger": "command", field: value})


def test_a_comparison_is_continuous_or_categorical():
    run = ClusteringRun.objects.create(trigger="command")
    with (
        pytest.raises(IntegrityError, match="analytics_comparisonresult_kind_valid"),
        transaction.atomic(),
    ):
        ComparisonResult.objects.create(run=run, variable="edss", kind="ordinal")
