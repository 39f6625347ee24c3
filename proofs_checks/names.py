"""The fixed names of the conformance contract (DESIGN.md): checks, domains, verdicts.

Kept free of imports so that the pytest plugin can name its tests without
loading the engine.
"""

CHECK_NAMES = ("simplex", "ranking", "continuity", "entropy", "identity", "boundary_cold", "boundary_hot")
DOMAINS = ("interior", "boundary")
VERDICTS = ("holds", "violated", "numerical")
