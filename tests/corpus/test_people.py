"""Whose words: identities mark authorship, and changing them re-marks it; registers."""

from __future__ import annotations

import pytest

from corpus.models import Document, Passage, Register
from corpus.registers import register_infer
from corpus.selectors import correspondent_list, identity_list
from corpus.services.documents import correspondent_add, identity_add, identity_remove
from tests.corpus.conftest import SAMPLE_CHAT, clear, ingest, whatsapp_export

pytestmark = pytest.mark.django_db


def test_changing_identities_re_marks_whose_words_are_whose(memorial):
    ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    assert not Passage.objects.filter(memorial=memorial, is_subject=True).exists()
    # when the subject says they write as "ann smith"
    identity = identity_add(memorial_id=memorial.id, kind="name", value="  ANN   Smith ")
    own = Passage.objects.filter(memorial=memorial, is_subject=True)
    speakers = {
        clear(memorial.id, token) for token in own.values_list("speaker_encrypted", flat=True)
    }
    assert speakers == {"Ann Smith"} and own.count() == 4
    assert Document.objects.get(memorial=memorial).is_subject_author
    # and when they take it back
    identity_remove(identity=identity)
    assert not Passage.objects.filter(memorial=memorial, is_subject=True).exists()


def test_a_handle_matches_its_name_with_an_at_sign_and_other_case(memorial):
    ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    identity_add(memorial_id=memorial.id, kind="handle", value="@ann smith")
    assert Passage.objects.filter(memorial=memorial, is_subject=True).count() == 4


def test_the_same_identity_or_correspondent_is_kept_once_as_names_are_compared(memorial):
    # given a name listed twice, spelt differently
    first = identity_add(memorial_id=memorial.id, kind="name", value="Ann Smith")
    again = identity_add(memorial_id=memorial.id, kind="name", value=" ann  SMITH")
    # then it is one identity, shown as first given
    assert again.id == first.id
    assert [row.value for row in identity_list(memorial_id=memorial.id)] == ["Ann Smith"]
    # and someone placed again moves, under the name given last
    correspondent_add(memorial_id=memorial.id, value="george", register=Register.FRIENDS)
    correspondent_add(memorial_id=memorial.id, value="George", register=Register.FAMILY)
    rows = correspondent_list(memorial_id=memorial.id)
    assert [(row.value, row.correspondent.register) for row in rows] == [
        ("George", Register.FAMILY)
    ]


def test_people_placed_by_the_subject_decide_the_register(memorial):
    correspondent_add(memorial_id=memorial.id, value="George", register=Register.PROFESSIONAL)
    ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    document = Document.objects.get(memorial=memorial)
    assert document.register == Register.PROFESSIONAL
    assert "George" in clear(memorial.id, document.register_reason_encrypted)


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
