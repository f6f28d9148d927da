"""The portrait step of a build, on the real database: one portrait per register, from the
subject's own words only, encrypted; corrections that outlive rebuilds."""

from __future__ import annotations

import pytest

from core.consent import ConsentScope
from tests.consent.factories import grant_consent
from tests.memorials.factories import MemorialFactory
from tests.twins.portrait_writing import ann_writing_ingest, twin_version_built
from twins.models import CorrectionKind, StylePortrait
from twins.portrait.prompt import portrait_instructions
from twins.portrait.selectors import version_portraits
from twins.portrait.services import style_correction_add

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def memorial():
    memorial = MemorialFactory(name="Ann Smith")
    grant_consent(memorial, ConsentScope.CORPUS)
    ann_writing_ingest(memorial)
    return memorial


def test_each_register_gets_a_portrait_of_the_subject_s_own_words(memorial):
    version = twin_version_built(memorial)

    assert "portrait" in version.steps_done
    rows = {p.register: p for p in StylePortrait.objects.filter(version=version)}
    assert set(rows) == {"family", "professional"}  # no writing with friends or in public
    # 15 chat turns of Ann's (George's 15 are not hers), 12 emails
    assert (rows["family"].messages_count, rows["professional"].messages_count) == (15, 12)
    portraits = {p.register: p for p in version_portraits(version=version)}
    family, work = portraits["family"].features, portraits["professional"].features
    assert ["love you x", 7] in family["favourite_phrases"]
    assert family["capitalisation"]["lowercase_messages_share"] == 1.0
    assert "Great" not in str(family)  # George's words ("Great, the kids...") are not hers
    assert work["openings"] == [["Dear Raj", 12]]
    assert work["signoffs"] == [["Kind regards, Ann", 12]]
    assert work["formality"]["score"] > family["formality"]["score"] + 30


def test_the_features_are_stored_encrypted(memorial):
    version = twin_version_built(memorial)

    for row in StylePortrait.objects.filter(version=version):
        stored = bytes(row.features_encrypted)
        assert b"Raj" not in stored and b"love you" not in stored and b"formality" not in stored


def test_a_struck_phrase_stays_struck_after_a_rebuild(memorial):
    first = twin_version_built(memorial)
    style_correction_add(
        twin=first.twin,
        register="professional",
        kind=CorrectionKind.STRIKE,
        text="kind regards, ann",
        actor=memorial.subject,
    )

    second = twin_version_built(memorial)

    work = next(p for p in version_portraits(version=second) if p.register == "professional")
    assert work.features["signoffs"] == []
    assert "Kind regards" not in portrait_instructions(version=second)
    assert "Dear Raj" in portrait_instructions(version=second)
