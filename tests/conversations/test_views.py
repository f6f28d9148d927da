"""The conversation page: the history on load, the refusal's reason, the way in from the
memorial page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conversations.models import Conversation, Message, MessageRole, MessageStatus
from core.crypto import memorial_cipher
from tests.memorials.factories import MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


def page(memorial) -> str:
    return reverse("conversations:page", args=[memorial.id])


def test_the_page_shows_the_history_with_a_failed_reply_and_its_notice(client, memorial):
    cipher = memorial_cipher(memorial_id=memorial.id)
    conversation = Conversation.objects.create(memorial=memorial, visitor=memorial.subject)
    asked = Message.objects.create(
        conversation=conversation, seq=1, role=MessageRole.VISITOR, client_id="a",
        text_encrypted=cipher.encrypt_text("Where did we sail?"),
    )  # fmt: skip
    Message.objects.create(
        conversation=conversation, seq=2, role=MessageRole.TWIN, reply_to=asked,
        text_encrypted=cipher.encrypt_text("To Falmouth, I"), status=MessageStatus.FAILED,
        notice="The connection broke off part way.", provider_label="A test model",
    )  # fmt: skip
    client.force_login(memorial.subject)
    response = client.get(page(memorial))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your twin, as your family will meet it" in html
    assert html.index("Where did we sail?") < html.index("To Falmouth, I")
    assert "The connection broke off part way." in html
    assert "Try again" in html and "A test model" in html
    assert f"/ws/memorials/{memorial.id}/conversation/" in html


def test_a_family_member_who_may_not_talk_reads_why(client, memorial):
    family = MembershipFactory(memorial=memorial, role="family").user
    client.force_login(family)
    response = client.get(page(memorial))
    assert response.status_code == 403
    html = response.content.decode()
    assert "Ann Smith has not opened conversations with their twin yet." in html
    assert "data-composer" not in html


def test_a_stranger_gets_not_found(client, memorial):
    client.force_login(MembershipFactory().user)
    assert client.get(page(memorial)).status_code == 404


def test_the_memorial_page_leads_to_the_conversation(client, memorial, family):
    client.force_login(memorial.subject)
    subject_view = client.get(memorial.get_absolute_url()).content.decode()
    assert "Talk with your twin" in subject_view and page(memorial) in subject_view
    client.force_login(family)
    family_view = client.get(memorial.get_absolute_url()).content.decode()
    assert "Talk with Ann Smith" in family_view and page(memorial) in family_view
    assert client.get(page(memorial)).status_code == 200
