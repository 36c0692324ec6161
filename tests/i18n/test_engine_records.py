"""The engine's records of a run (preprocessing steps, the k vote) read in the page's
language: rebuilt from their numbers in German, and word for word as stored in English."""

import html
from types import SimpleNamespace

import pytest
from django.utils import translation

from analytics.engine import PipelineConfig, run_pipeline
from analytics.engine.preprocess import LOG_TRANSFORM
from analytics.engine.selection import VOTE_RULE
from analytics.engine_labels import (
    METHODS,
    RULES,
    preprocessing_lines,
    vote_index,
    vote_rule,
    vote_summary,
)
from tests.analytics.engine.blobs import gait_blobs


@pytest.fixture(scope="module")
def stored_run():
    """A real pipeline run, in the shape the run row stores (k chosen by the vote, with
    stability and the clusterability test)."""
    result = run_pipeline(
        gait_blobs(seed=8),
        config=PipelineConfig(k="auto", bootstrap=5, n_init=5, clusterability_draws=20),
    )
    return SimpleNamespace(
        preprocessing=result.preprocessing,
        k_selection=result.k_selection.to_dict(),
        clusterability=result.clusterability.to_dict(),
    )


def _text(value) -> str:
    return html.unescape(str(value))


def test_in_english_every_record_reads_exactly_as_the_engine_wrote_it(stored_run):
    with translation.override("en"):
        lines = [_text(line) for line in preprocessing_lines(stored_run)]
        assert lines == [f"{s['step']}: {s['method']}" for s in stored_run.preprocessing]
        assert _text(vote_summary(stored_run.k_selection)) == stored_run.k_selection["summary"]
        assert _text(vote_rule(VOTE_RULE)) == VOTE_RULE
        # The translated texts are keyed by the engine's constants: same words.
        assert str(RULES[VOTE_RULE]) == VOTE_RULE
        assert f"{LOG_TRANSFORM}: log(x + 1), for right-skewed variables" in METHODS


def test_in_german_every_record_of_a_real_run_is_german(stored_run):
    with translation.override("de"):
        lines = [str(line) for line in preprocessing_lines(stored_run)]
        assert len(lines) == len(stored_run.preprocessing) >= 7
        assert not any('lang="en"' in line for line in lines), lines
        text = "\n".join(_text(line) for line in lines)
        assert "Fehlende Werte: vollständige Fälle" in text
        assert "k-Suche: vollständig: k = 1 (Gap)" in text
        assert "Stimmen" in text and "Iterationen" in text and "Bootstrap-Stichproben" in text
        assert "Clusterbarkeit: k-means-Clusterindex" in text
        assert "% der Varianz" in text and "votes" not in text and "rows" not in text
        assert "Mehrheit" in _text(vote_summary(stored_run.k_selection))
        assert _text(vote_index("elbow (WSS)")) == "Ellbogen (WSS)"


def test_a_record_of_another_form_is_shown_as_stored_and_marked_english():
    old = SimpleNamespace(
        preprocessing=[{"step": "missing values", "method": "dropped (old engine)"}],
        k_selection={"summary": "k = 4 by decree"},
        clusterability=None,
    )
    with translation.override("de"):
        assert preprocessing_lines(old) == [
            '<span lang="en">missing values: dropped (old engine)</span>'
        ]
        assert vote_summary(old.k_selection) == '<span lang="en">k = 4 by decree</span>'
    with translation.override("en"):
        assert preprocessing_lines(old) == ["missing values: dropped (old engine)"]
