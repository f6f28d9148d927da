"""Fixtures for who may talk: the memorials tests' own (a memorial, its people, a pending
activation with its certificate)."""

from tests.memorials.conftest import (  # noqa: F401
    family,
    media_root,
    memorial,
    pending,
    second_steward,
    steward,
    steward_key,
)
