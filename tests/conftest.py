"""Shared test settings: the hypothesis profiles."""

import os

from hypothesis import HealthCheck, settings

# "default" is what the README's test command runs; "ci" is the same with a derandomised seed so
# that a CI failure can be reproduced exactly. No deadlines: this machine is shared and noisy.
settings.register_profile("default", deadline=None, max_examples=100)
settings.register_profile(
    "ci",
    deadline=None,
    max_examples=100,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
# "soak" is for a long run by hand (not in CI): HYPOTHESIS_PROFILE=soak python -m pytest -q
# -k "machine or fuzz" runs the stateful tests with 10,000 examples each.
settings.register_profile(
    "soak",
    deadline=None,
    max_examples=10_000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


import pytest  # noqa: E402

EXAMPLES = __import__("pathlib").Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="session")
def son_la():
    """The Sơn La 2024 plan shipped with the examples."""
    from ocop_workflow.simulation import Plan

    return Plan.from_toml(EXAMPLES / "plans" / "son_la_2024.toml")
