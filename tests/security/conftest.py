"""Fixtures for the access tests: the subcontracting gear case and its clients."""

from tests.subcontracting.conftest import _fresh_throttle_cache, gear  # noqa: F401
