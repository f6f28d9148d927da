"""Every consent-gated entry point, refused without its scope and working with it.

Each app lists its gated entry points in tests/<app>/gate_entry_points.py as
(name, scope, callable(memorial)); this test runs them all through the one gate, and checks
that every function in the code base that calls `consent_require` is listed somewhere.
"""

import ast
from pathlib import Path

import pytest

from consent.gate import ConsentRequired
from consent.services import consent_revoke
from core.consent import ConsentScope
from tests.consent.factories import ConsentRecordFactory
from tests.corpus.gate_entry_points import CORPUS_ENTRY_POINTS
from tests.memorials.factories import MemorialFactory
from tests.twins.gate_entry_points import TWINS_ENTRY_POINTS
from tests.voice.gate_entry_points import VOICE_ENTRY_POINTS

LISTED_APPS = {"corpus", "twins", "voice"}  # each later issue adds its app and its list

ENTRY_POINTS = [*CORPUS_ENTRY_POINTS, *TWINS_ENTRY_POINTS, *VOICE_ENTRY_POINTS]
REPO = Path(__file__).resolve().parents[2]
NOT_APPS = {"consent", "tests", "legacy", "bench", "var", "node_modules", "templates", "static"}

pytestmark = pytest.mark.django_db


def _ids(entry):
    return entry[0]


@pytest.mark.parametrize("entry", ENTRY_POINTS, ids=_ids)
def test_refused_without_consent(entry):
    _name, scope, call = entry
    memorial = MemorialFactory()
    for other in ConsentScope:  # every other scope granted: only the right one counts
        if other != scope:
            ConsentRecordFactory(memorial=memorial, scope=other)
    with pytest.raises(ConsentRequired) as refused:
        call(memorial)
    assert refused.value.scope == scope


@pytest.mark.parametrize("entry", ENTRY_POINTS, ids=_ids)
def test_works_with_consent(entry):
    _name, scope, call = entry
    memorial = MemorialFactory()
    ConsentRecordFactory(memorial=memorial, scope=scope)
    call(memorial)  # no ConsentRequired


@pytest.mark.parametrize("entry", ENTRY_POINTS, ids=_ids)
def test_refused_once_consent_is_withdrawn(entry):
    _name, scope, call = entry
    memorial = MemorialFactory()
    ConsentRecordFactory(memorial=memorial, scope=scope)
    consent_revoke(user=memorial.subject, memorial_id=memorial.id, scope=scope)
    with pytest.raises(ConsentRequired):
        call(memorial)


def _gated_functions() -> set[str]:
    """module.function for each public function outside the consent app that calls
    consent_require (private helpers are reached through a listed public one)."""
    found = set()
    for path in REPO.glob("*/**/*.py"):
        parts = path.relative_to(REPO).parts
        if parts[0] in NOT_APPS or parts[0].startswith(".") or "migrations" in parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module = ".".join(path.relative_to(REPO).with_suffix("").parts)
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if node.name.startswith("_"):
                continue
            for call in ast.walk(node):
                if (
                    isinstance(call, ast.Call)
                    and getattr(call.func, "id", getattr(call.func, "attr", None))
                    == "consent_require"
                ):
                    found.add(f"{module}.{node.name}")
    return found


def test_every_function_that_calls_the_gate_is_listed():
    listed = {name for name, _, _ in ENTRY_POINTS}
    listed_short = {name.rsplit(".", 1)[-1] for name in listed}
    unlisted = sorted(
        name
        for name in _gated_functions()
        if name not in listed and name.rsplit(".", 1)[-1] not in listed_short
    )
    missing = [name for name in unlisted if name.split(".")[0] in LISTED_APPS]
    assert not missing, f"Gated but not listed in tests/<app>/gate_entry_points.py: {missing}"
    if unlisted:
        pytest.skip(
            "These apps have no tests/<app>/gate_entry_points.py yet, so their gated "
            f"functions are not checked here: {unlisted}"
        )
