"""Copy-pasteable snippets that reproduce a counterexample.

A snippet binds ``op`` (by built-in name or ``module:attr``, through
:func:`skdcore.operators.resolve_operator`), writes the inputs exactly with
``float.fromhex``, prints what the axiom expects in plain NumPy, and re-runs
the check with its certification through :func:`proofs_checks.recheck`.
"""

from __future__ import annotations

__all__ = ["operator_binding", "snippet", "array_line", "scalar_line"]


def operator_binding(function, spec: str | None) -> list[str]:
    """Lines that bind the operator under test to the name ``op``."""
    if spec is None:
        module = getattr(function, "__module__", None)
        qualname = getattr(function, "__qualname__", None)
        if module and qualname and module != "__main__" and "<" not in qualname:
            spec = f"{module}:{qualname}"
    if spec is None:
        return [f"op = ...  # the operator under test ({function!r} cannot be imported by name)"]
    return ["from skdcore.operators import resolve_operator", f"op = resolve_operator({spec!r})[1]"]


def array_line(name: str, values, dtype: str) -> str:
    hexes = ", ".join(f'float.fromhex("{float(v).hex()}")' for v in values)
    shown = ", ".join(repr(float(v)) for v in values[:4]) + (", …" if len(values) > 4 else "")
    return f"{name} = np.array([{hexes}], dtype=np.{dtype})  # [{shown}]"


def scalar_line(name: str, value: float) -> str:
    return f'{name} = float.fromhex("{float(value).hex()}")  # {float(value)!r}'


def snippet(binding: list[str], check, evaluation) -> str:
    """The reproduction snippet of ``evaluation`` (a failing evaluation of ``check``)."""
    case = evaluation.case
    dtype = case.p.dtype.name
    lines = ["import math", "import numpy as np", *binding, array_line("p", case.p, dtype), scalar_line("T", case.T)]
    args = [f"{check.name!r}", "p", "T"]
    if case.T2 is not None:
        lines.append(scalar_line("T2", case.T2))
        args.append("T2=T2")
    if case.p2 is not None:
        lines.append(array_line("p2", case.p2, dtype))
        args.append("p2=p2")
    if case.temperatures:
        args.append(f"temperatures={list(case.temperatures)!r}")
    lines += check.repro_lines(evaluation)
    lines += ["from proofs_checks import recheck", f"print(recheck(op, {', '.join(args)}).describe(repro=False))"]
    return "\n".join(lines)
