"""Whose words: identities mark authorship, and changing them re-marks it; registers."""

from __future__ import annotations

import pytest

from corpus.models import Document, Passage, Register
from corpus.registers import register_infer
from corpus.services.documents import correspondent_add, identity_add, identity_remove
from tests.corpus.conftest import SAMPLE_CHAT, ingest, whatsapp_export

pytestmark = pytest.mark.django_db


def test_changing_identities_re_marks_whose_words_are_whose(memorial):
    ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    assert not Passage.objects.filter(memorial=memorial, is_subject=True).exists()
    # when the subject says they write as "ann smith"
    identity = identity_add(memorial_id=memorial.id, kind="name", value="  ANN   Smith ")
    own = Passage.objects.filter(memorial=memorial, is_subject=True)
    assert set(own.values_list("speaker", flat=True)) == {"Ann Smith"} and own.count() == 4
    assert Document.objects.get(memorial=memorial).is_subject_author
    # and when they take it back
    identity_remove(identity=identity)
    assert not Passage.objects.filter(memorial=memorial, is_subject=True).exists()


def test_people_placed_by_the_subject_decide_the_register(memorial):
    correspondent_add(memorial_id=memorial.id, value="George", register=Register.PROFESSIONAL)
    ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    document = Document.objects.get(memorial=memorial)
    assert document.register == Register.PROFESSIONAL
    assert "George" in document.register_reason


@pytest.mark.parametrize(
    ("kind", "source", "people", "text", "expected"),
    [
        ("post", "twitter", [], "hello world", Register.PUBLIC),
        ("email", "eml", ["bob@acme-corp.com"], "hi", Register.PROFESSIONAL),
        ("email", "eml", ["bob@gmail.com"], "the meeting agenda", Register.PROFESSIONAL),
        ("chat", "whatsapp", ["Bob"], "love you mum", Register.FAMILY),
        ("chat", "whatsapp", ["Bob"], "pub tonight?", Register.FRIENDS),
    ],
)
def test_register_rules(kind, source, people, text, expected):
    guess = register_infer(kind=kind, source=source, people=people, text=text, correspondents={})
    assert guess.register == expected and guess.reason
