"""What the subject wrote privately to one family member is not told to another (issue 12,
point 4): the twin's retrieval for a visitor leaves out the documents written to someone
else in the family, unless the subject's wishes share between family."""

from __future__ import annotations

from datetime import datetime

import pytest

from core.crypto import ciphers_reused
from corpus.models import Document, Register
from corpus.selectors import document_people
from memorials.models import Memorial, MemorialWishes, Role
from tests.accounts.factories import UserFactory
from tests.corpus.conftest import ingest, whatsapp_export
from tests.memorials.factories import MembershipFactory
from tests.twins.twin_ready import memorial_with_writing, version_ready
from twins.audience import passages_for_visitor
from twins.replies import FRAME, twin_reply

pytestmark = pytest.mark.django_db

BROOCH = "The emerald brooch is hidden in the biscuit tin in the pantry."
BROOCH_QUESTION = "Where is the emerald brooch hidden?"
ALLOTMENT = "The allotment key lives under the blue flowerpot by the shed."
ALLOTMENT_QUESTION = "Where does the allotment key live?"
SAILING = "The sailing trip to Cornwall was wonderful."


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def memorial():
    """Ann's memorial, with a chat she had with Jo alone, and one with Jo and Sam together;
    Jo and Sam are both family members of it."""
    memorial = memorial_with_writing()
    ingest(
        memorial,
        "WhatsApp Chat with Jo.txt",
        whatsapp_export(
            [
                (datetime(2022, 3, 1, 9, 0), "Ann Smith", f"Only for you, Jo. {BROOCH}"),
                (datetime(2022, 3, 1, 9, 4), "Jo", "I won't tell a soul."),
            ]
        ),
    )
    ingest(
        memorial,
        "WhatsApp Chat with Jo and Sam.txt",
        whatsapp_export(
            [
                (datetime(2022, 4, 2, 10, 0), "Ann Smith", ALLOTMENT),
                (datetime(2022, 4, 2, 10, 3), "Jo", "Thanks!"),
                (datetime(2022, 4, 2, 10, 5), "Sam", "Got it."),
            ]
        ),
    )
    version_ready(memorial)
    return memorial


@pytest.fixture
def jo(memorial):
    return MembershipFactory(memorial=memorial, user=UserFactory(full_name="Jo Smith")).user


@pytest.fixture
def sam(memorial):
    return MembershipFactory(memorial=memorial, user=UserFactory(full_name="Sam Smith")).user


def drawn_on(answer) -> list[str]:  # type: ignore[no-untyped-def]
    return [passage.text for passage in answer.retrieved]


def test_what_ann_wrote_to_jo_alone_is_never_drawn_on_for_sam(memorial, jo, sam):
    answer = twin_reply(memorial_id=memorial.id, question=BROOCH_QUESTION, visitor_id=sam.id)
    text = "".join(answer.reply)

    assert not any("emerald brooch" in passage for passage in drawn_on(answer))
    assert not any("emerald brooch" in passage.text for passage in answer.passages)
    assert "biscuit tin" not in text


def test_jo_is_told_what_ann_wrote_to_jo(memorial, jo, sam):
    answer = twin_reply(memorial_id=memorial.id, question=BROOCH_QUESTION, visitor_id=jo.id)

    assert any("emerald brooch" in passage.text for passage in answer.passages)
    assert "biscuit tin" in "".join(answer.reply)


def test_what_ann_wrote_to_jo_and_sam_together_is_shared_with_both(memorial, jo, sam):
    for visitor in (jo, sam):
        answer = twin_reply(
            memorial_id=memorial.id, question=ALLOTMENT_QUESTION, visitor_id=visitor.id
        )

        assert ALLOTMENT in [passage.text for passage in answer.passages]


def test_with_the_wish_to_share_between_family_sam_may_be_told(memorial, jo, sam):
    MemorialWishes.objects.create(memorial=memorial, share_between_family=True)

    answer = twin_reply(memorial_id=memorial.id, question=BROOCH_QUESTION, visitor_id=sam.id)

    assert any("emerald brooch" in passage.text for passage in answer.passages)


def test_the_subject_s_own_preview_leaves_nothing_out(memorial, jo, sam):
    subject_membership = memorial.memberships.get(role=Role.SUBJECT)

    for visitor_id in (None, subject_membership.user_id):
        answer = twin_reply(
            memorial_id=memorial.id, question=BROOCH_QUESTION, visitor_id=visitor_id
        )

        assert any("emerald brooch" in passage.text for passage in answer.passages)


def test_a_family_letter_to_someone_not_on_legacy_is_kept_from_every_visitor(memorial, jo):
    # given a chat with Aunt Mary (family words: the family register), who is no member
    ingest(
        memorial,
        "WhatsApp Chat with Mary.txt",
        whatsapp_export(
            [
                (
                    datetime(2022, 5, 1, 8, 0),
                    "Ann Smith",
                    "Love you, sis. The old caravan is yours.",
                ),
                (datetime(2022, 5, 1, 8, 9), "Mary", "Oh Ann, thank you."),
            ]
        ),
    )
    assert Document.objects.filter(memorial=memorial, register=Register.FAMILY).exists()

    question = "Who gets the old caravan?"

    preview = twin_reply(memorial_id=memorial.id, question=question)
    answer = twin_reply(memorial_id=memorial.id, question=question, visitor_id=jo.id)

    assert any("caravan" in passage.text for passage in preview.retrieved)
    assert not any("caravan" in passage.text for passage in answer.retrieved)


def test_a_friend_who_is_not_family_keeps_nothing_from_the_family(memorial, jo):
    # The chat with George (friends register; George is no member) is not family's to keep.
    answer = twin_reply(
        memorial_id=memorial.id, question="Cornwall sailing trip?", visitor_id=jo.id
    )

    assert SAILING in [passage.text for passage in answer.passages]


def test_the_frame_keeps_out_of_family_disputes_and_unwritten_claims():
    assert "take sides in disputes over the estate or between family members" in FRAME
    assert "what family members feel or did" in FRAME


def test_the_rule_costs_a_few_queries_a_turn_however_many_passages(
    memorial, jo, sam, django_assert_max_num_queries
):
    passages = twin_reply(memorial_id=memorial.id, question=BROOCH_QUESTION).retrieved
    memorial = Memorial.objects.select_related("subject").get(pk=memorial.pk)
    assert memorial.name  # read once per turn by the reply anyway

    # within one reply's work, where the memorial's key is read once (`ciphers_reused`)
    with ciphers_reused(), django_assert_max_num_queries(5):
        kept = passages_for_visitor(memorial=memorial, visitor_id=sam.id, passages=list(passages))

    assert len({p.document_id for p in passages}) >= 2
    assert len(kept) < len(passages)


def test_documents_and_wishes_the_reply_read_already_are_not_read_again(
    memorial, jo, sam, django_assert_max_num_queries
):
    passages = twin_reply(memorial_id=memorial.id, question=BROOCH_QUESTION).retrieved
    memorial = Memorial.objects.select_related("subject").get(pk=memorial.pk)
    documents = document_people(
        memorial_id=memorial.pk, document_ids={p.document_id for p in passages}
    )
    alone = passages_for_visitor(memorial=memorial, visitor_id=sam.id, passages=list(passages))

    # the members and the subject's identities, and the memorial's key
    with ciphers_reused(), django_assert_max_num_queries(3):
        given = passages_for_visitor(
            memorial=memorial,
            visitor_id=sam.id,
            passages=list(passages),
            documents=documents,
            share_between_family=False,
        )

    assert [p.id for p in given] == [p.id for p in alone]
    assert BROOCH not in " ".join(p.text for p in given)
    assert BROOCH in " ".join(p.text for p in passages)
