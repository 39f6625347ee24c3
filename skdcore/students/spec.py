"""Student classes by name: the spec strings of the CLI (``skd equiv --student``) and the docs.

============================  =============================================
spec                          class
============================  =============================================
``simplex``                   :class:`.Simplex`, Δ^V
``hard``                      :class:`.HardLabel`, one-hot students
``topk:K``                    :class:`.TopK`, at most K tokens
``support:I,J,...``           :class:`.FixedSupport`, tokens I, J, ... only
``loglinear:d=D[,seed=S]``    :class:`.LogLinear`, softmax(Φθ), Φ ~ N(0,1)^(V×D) seeded by (S, V)
``entropy:h=H``               :class:`.BoundedEntropy`, H(S) <= H nats
============================  =============================================

``loglinear`` also takes ``starts=N`` (starts of the non-convex reverse
solve, default 4).  :func:`student_class` round-trips ``cls.spec``.
"""

from __future__ import annotations

from .base import StudentClass
from .bounded_entropy import BoundedEntropy
from .hard_label import HardLabel
from .loglinear import LogLinear
from .simplex import Simplex
from .topk_support import FixedSupport, TopK

__all__ = ["student_class", "StudentSpecError", "SPEC_FORMS"]

SPEC_FORMS = ("simplex", "hard", "topk:K", "support:I,J,...", "loglinear:d=D[,seed=S][,starts=N]", "entropy:h=H")


class StudentSpecError(ValueError):
    """A student spec that does not parse; the message lists the accepted forms."""


def _options(text: str, allowed: tuple[str, ...]) -> dict[str, str]:
    options = {}
    for item in text.split(","):
        key, sep, value = item.partition("=")
        if not sep or key.strip() not in allowed or key.strip() in options:
            raise ValueError(f"expected {', '.join(f'{a}=...' for a in allowed)}, got {item!r}")
        options[key.strip()] = value.strip()
    return options


def student_class(spec) -> StudentClass:
    """The student class named by ``spec`` (a :class:`StudentClass` is returned as is)."""
    if isinstance(spec, StudentClass):
        return spec
    if not isinstance(spec, str):
        raise StudentSpecError(f"a student class is a StudentClass or a spec string, got {type(spec).__name__}")
    name, _, rest = spec.strip().partition(":")
    try:
        if name == "simplex" and not rest:
            return Simplex()
        if name == "hard" and not rest:
            return HardLabel()
        if name == "topk":
            return TopK(int(rest))
        if name == "support":
            return FixedSupport(int(i) for i in rest.split(","))
        if name == "loglinear":
            options = _options(rest, ("d", "seed", "starts"))
            if "d" not in options:
                raise ValueError("d=... is required")
            return LogLinear(d=int(options["d"]), seed=int(options.get("seed", 0)), starts=int(options.get("starts", 4)))
        if name == "entropy":
            return BoundedEntropy(float(_options(rest, ("h",))["h"]))
    except (ValueError, KeyError) as exc:
        raise StudentSpecError(f"bad student spec {spec!r}: {exc}; accepted forms: {', '.join(SPEC_FORMS)}") from None
    raise StudentSpecError(f"unknown student class {spec!r}; accepted forms: {', '.join(SPEC_FORMS)}")
