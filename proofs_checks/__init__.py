"""proofs_checks: the axiom conformance engine for softening operators (stub; see issue 3)."""
