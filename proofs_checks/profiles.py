"""Search budgets: ``ci`` (seconds), ``dev`` (a minute or two), ``thorough`` (minutes).

A profile fixes how many Hypothesis examples each check draws, the largest V,
how densely the limit checks walk the decades of T, how many operator calls
shrinking may spend after the first failure, how many floating-point
candidates are re-executed at high precision and how many high-precision
calls a search for a certifiable failure may spend (budgets count calls, not
seconds, so a seeded run is reproducible on any machine), the per-call time limit, and the
default seed.  ``ci`` is deterministic by default (seed 0); ``dev`` and
``thorough`` draw a fresh seed, reported so that a run can be repeated with
``seed=``.  Pass a :class:`Profile` (e.g. ``dataclasses.replace(PROFILES["ci"],
examples=10)``) for a custom budget.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Profile", "PROFILES", "get_profile"]


@dataclass(frozen=True)
class Profile:
    name: str
    examples: int  # Hypothesis examples per point check (simplex, ranking, entropy, identity)
    continuity_examples: int  # pairs, each refined by about 40 bisection steps
    limit_examples: int  # points walked along the decades of T (boundary checks)
    max_size: int  # largest V drawn
    decade_step: int  # boundary checks evaluate every decade_step-th decade of T
    shrink_calls: int  # operator calls shrinking may spend once a failure is found
    certify_candidates: int  # floating-point candidates re-executed at high precision
    certification_calls: int  # high-precision calls a search for a certifiable failure may spend (of 32 entries)
    call_timeout: float  # seconds per operator call
    default_seed: int | None  # None: a fresh random seed per run

    def examples_for(self, check_name: str) -> int:
        if check_name == "continuity":
            return self.continuity_examples
        if check_name.startswith("boundary_"):
            return self.limit_examples
        return self.examples


PROFILES = {
    "ci": Profile(
        "ci",
        examples=40,
        continuity_examples=12,
        limit_examples=6,
        max_size=32,
        decade_step=15,
        shrink_calls=300,
        certify_candidates=2,
        certification_calls=40,
        call_timeout=10.0,
        default_seed=0,
    ),
    "dev": Profile(
        "dev",
        examples=200,
        continuity_examples=50,
        limit_examples=20,
        max_size=512,
        decade_step=5,
        shrink_calls=1500,
        certify_candidates=4,
        certification_calls=150,
        call_timeout=30.0,
        default_seed=None,
    ),
    "thorough": Profile(
        "thorough",
        examples=1000,
        continuity_examples=200,
        limit_examples=60,
        max_size=4096,
        decade_step=2,
        shrink_calls=5000,
        certify_candidates=8,
        certification_calls=300,
        call_timeout=60.0,
        default_seed=None,
    ),
}


def get_profile(profile) -> Profile:
    """A :class:`Profile` from a name or a profile."""
    if isinstance(profile, Profile):
        return profile
    try:
        return PROFILES[profile]
    except KeyError:
        raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}") from None
