"""Built-in operators by short name, and resolution of ``module:attr`` specs.

An operator is a callable ``op(p, T) -> q`` (DESIGN.md, operator protocol).
The CLI and the conformance engine name operators either by a registered short
name (``power``, ``mix``, ``entropy``, ...) or as ``module:attr``, the module
importable from the current directory.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["OperatorSpec", "register", "builtin_operators", "resolve_operator", "UnknownOperatorError"]


class UnknownOperatorError(LookupError):
    """An operator name is not registered, or ``module:attr`` cannot be imported."""


@dataclass(frozen=True)
class OperatorSpec:
    """A named operator with a one-line description and the paper reference."""

    name: str
    function: Callable
    summary: str
    reference: str


_REGISTRY: dict[str, OperatorSpec] = {}


def register(name: str, function: Callable, summary: str, reference: str) -> None:
    """Register ``function`` under ``name`` (replacing nothing: names are unique)."""
    if name in _REGISTRY:
        raise ValueError(f"operator {name!r} is already registered")
    _REGISTRY[name] = OperatorSpec(name, function, summary, reference)


def builtin_operators() -> dict[str, OperatorSpec]:
    """The registered operators, by name, in registration order."""
    return dict(_REGISTRY)


def resolve_operator(spec: str) -> tuple[str, Callable]:
    """Return ``(name, callable)`` for a registered name or a ``module:attr`` spec.

    The current working directory is put on ``sys.path`` so that a module next
    to the user is importable.  Raises :class:`UnknownOperatorError` with a
    message saying what went wrong.
    """
    if spec in _REGISTRY:
        return spec, _REGISTRY[spec].function
    if ":" not in spec:
        raise UnknownOperatorError(
            f"unknown operator {spec!r}: use a built-in name ({', '.join(_REGISTRY)}) or module:attr"
        )
    module_name, _, attr = spec.partition(":")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # any import-time failure is the user's to see
        raise UnknownOperatorError(f"cannot import module {module_name!r} for {spec!r}: {type(exc).__name__}: {exc}") from exc
    target = module
    for part in attr.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise UnknownOperatorError(f"module {module_name!r} has no attribute {attr!r}") from None
    if not callable(target):
        raise UnknownOperatorError(f"{spec!r} is not callable")
    return spec, target
