"""The axiom checks, one module per family (see :mod:`proofs_checks.registry`)."""
