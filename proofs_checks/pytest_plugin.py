"""pytest plugin: conformance checks of a user operator as tests (see issue 3)."""
