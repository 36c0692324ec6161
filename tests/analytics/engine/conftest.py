"""The calibrated demo cohort and one full default run on it, built once per test run."""

import pytest

from analytics.engine import PipelineConfig, run_pipeline
from tests.analytics.cohort_frame import demo_input_frame


@pytest.fixture(scope="session")
def demo_frame():
    return demo_input_frame()


@pytest.fixture(scope="session")
def demo_result(demo_frame):
    """The paper's setting: gait features, k = 4, n_init 50, B = 100 bootstrap resamples."""
    return run_pipeline(demo_frame, config=PipelineConfig())
