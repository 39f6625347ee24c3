"""Shared test configuration: Hypothesis profiles and array namespaces.

Profiles: ``ci`` (derandomized, bounded, no deadline: used by .ci/run via
``--hypothesis-profile=ci``) and ``dev`` (random, searches harder).  Without
the option, ``ci`` is used when the CI environment variable is set and ``dev``
otherwise.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=40,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "dev",
    max_examples=400,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


def _strict():
    import array_api_strict

    return array_api_strict


NAMESPACES = {
    "numpy": lambda: np,
    "array_api_strict": _strict,
}


@pytest.fixture(params=sorted(NAMESPACES))
def xp(request):
    """Each array namespace every operator must run on (NumPy and array_api_strict)."""
    return NAMESPACES[request.param]()
