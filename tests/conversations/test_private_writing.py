"""Through a family conversation: what the subject wrote privately to one family member is
never drawn on in another member's replies, unless the subject's wishes share between
family (issue 12, point 4)."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest

from conversations.models import Message
from conversations.services.messages import message_send
from conversations.services.reply_writing import reply_generate
from conversations.tasks import REPLY_TASKS
from core.consent import ConsentScope
from core.crypto import memorial_cipher
from corpus.models import Passage
from corpus.services.documents import identity_add
from memorials.wishes import wishes_update
from tests.accounts.factories import UserFactory
from tests.corpus.conftest import ingest, whatsapp_export
from tests.memorials.factories import MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)

BROOCH = "The emerald brooch is hidden in the biscuit tin in the pantry."
QUESTION = "Where is the emerald brooch hidden?"


@pytest.fixture(autouse=True)
def _replies_by_hand(monkeypatch):
    """Replies are queued to nothing: each test writes them with `reply_generate` itself."""
    for task in REPLY_TASKS.values():
        monkeypatch.setattr(task, "enqueue", lambda **kwargs: None)


@pytest.fixture
def jo(memorial, family):
    """Another family member, to whom Ann once wrote a private message."""
    jo = MembershipFactory(memorial=memorial, user=UserFactory(full_name="Jo Smith")).user
    identity_add(memorial_id=memorial.id, kind="name", value="Ann Smith")
    chat = [
        (datetime(2022, 3, 1, 9, 0), "Ann Smith", f"Only for you, Jo. {BROOCH}"),
        (datetime(2022, 3, 1, 9, 4), "Jo", "I won't tell a soul."),
    ]
    ingest(memorial, "WhatsApp Chat with Jo.txt", whatsapp_export(chat))
    return jo


def ask(memorial, visitor, text: str) -> tuple[Message, str]:  # type: ignore[no-untyped-def]
    scope = ConsentScope.CONVERSATION_LIVING
    sent = message_send(
        memorial_id=memorial.id, visitor=visitor, client_id=uuid.uuid4().hex, text=text,
        scope=scope,
    )  # fmt: skip
    reply = Message.objects.get(
        conversation__memorial=memorial, conversation__visitor=visitor, reply_to__seq=sent.seq
    )
    reply_generate(memorial_id=memorial.id, message_id=reply.pk, scope=scope)
    reply.refresh_from_db()
    cipher = memorial_cipher(memorial_id=memorial.id)
    return reply, cipher.decrypt_text(bytes(reply.text_encrypted))


def brooch_passage(memorial) -> int:  # type: ignore[no-untyped-def]
    cipher = memorial_cipher(memorial_id=memorial.id)
    return next(
        passage.id
        for passage in Passage.objects.filter(memorial=memorial, is_subject=True)
        if BROOCH in cipher.decrypt_text(bytes(passage.text_encrypted))
    )


def share_between_family(memorial) -> None:  # type: ignore[no-untyped-def]
    wishes_update(
        memorial=memorial, actor=memorial.subject, visitors="all_family", named_visitors=[],
        forbidden_topics=[], talk_while_living=True, share_between_family=True, sunset="none",
        sunset_years=None, sunset_on=None, ending="archive",
    )  # fmt: skip


def test_another_member_s_reply_never_draws_on_what_ann_wrote_to_jo(memorial, family, jo):
    reply, text = ask(memorial, family, QUESTION)

    assert brooch_passage(memorial) not in reply.passage_ids
    assert "biscuit tin" not in text


def test_jo_s_own_reply_draws_on_it(memorial, family, jo):
    reply, text = ask(memorial, jo, QUESTION)

    assert brooch_passage(memorial) in reply.passage_ids
    assert "biscuit tin" in text


def test_with_the_wish_on_another_member_s_reply_may_draw_on_it(memorial, family, jo):
    share_between_family(memorial)

    reply, text = ask(memorial, family, QUESTION)

    assert brooch_passage(memorial) in reply.passage_ids
    assert "biscuit tin" in text
