"""What stewards are told: a visitor's request from a care reply to let them know (with their
words only when they choose to share), the stewards' safety notes on the memorial page (not
the subject's, not the family's), "seen", and one alert per visitor per few hours."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from conversations.guardrails.alerts import CRISIS_QUIET_HOURS, crisis_alert_raise
from conversations.models import AlertKind, Concern, Conversation, Message, MessageRole, SafetyAlert
from core.crypto import memorial_cipher
from memorials.models import Role
from tests.memorials.factories import MembershipFactory

WORDS = ["Nothing matters since she died.", "I keep thinking everyone would be better off."]


@pytest.fixture
def steward(memorial):
    return MembershipFactory(
        memorial=memorial, role=Role.STEWARD, user__full_name="Maria Lopez"
    ).user


def care_exchange(memorial, visitor) -> tuple[Conversation, Message]:
    """Two messages of the visitor's, the second answered with care."""
    cipher = memorial_cipher(memorial_id=memorial.id)
    conversation, _ = Conversation.objects.get_or_create(memorial=memorial, visitor=visitor)
    for seq, text in ((1, WORDS[0]), (3, WORDS[1])):
        asked = Message.objects.create(
            conversation=conversation, seq=seq, role=MessageRole.VISITOR, client_id=f"c{seq}",
            text_encrypted=cipher.encrypt_text(text),
            concern=Concern.CRISIS if seq == 3 else Concern.NONE,
        )  # fmt: skip
        reply = Message.objects.create(
            conversation=conversation, seq=seq + 1, role=MessageRole.TWIN, reply_to=asked,
            text_encrypted=cipher.encrypt_text("…"),
            concern=Concern.CRISIS if seq == 3 else Concern.NONE,
        )  # fmt: skip
    return conversation, reply


def reach(client, memorial, seq: int, share: str):
    return client.post(
        f"/memorials/{memorial.id}/conversation/reach-steward/", {"seq": seq, "share": share}
    )


def test_letting_the_steward_know_without_sharing_tells_them_but_not_the_words(
    client, memorial, family, steward, mailoutbox
):
    _, reply = care_exchange(memorial, family)
    client.force_login(family)

    response = reach(client, memorial, reply.seq, "no")

    assert response.status_code == 302 and response["Location"].endswith(f"#turn-{reply.seq}")
    (alert,) = SafetyAlert.objects.all()
    assert alert.kind == AlertKind.CRISIS and alert.visitor == family
    assert not alert.content_shared and bytes(alert.content_encrypted) == b""
    assert alert.reach_requested_at is not None
    (mail,) = mailoutbox
    assert mail.to == [steward.email] and "asked us to let you know" in mail.subject
    assert "did not share what they wrote" in mail.body
    assert not any(words in mail.body for words in WORDS)
    # and the stewards' card says they asked, without their words
    client.force_login(steward)
    page = client.get(f"/memorials/{memorial.id}/").content.decode()
    assert "asked that someone be in touch" in page
    assert not any(words in page for words in WORDS)


def test_sharing_puts_the_words_on_the_alert_for_the_stewards_eyes_only(
    client, memorial, family, steward, mailoutbox
):
    _, reply = care_exchange(memorial, family)
    client.force_login(family)

    reach(client, memorial, reply.seq, "yes")

    # the words are kept on the alert, encrypted, and never put in a mail
    (alert,) = SafetyAlert.objects.all()
    assert alert.content_shared
    assert WORDS[1].encode() not in bytes(alert.content_encrypted)
    cipher = memorial_cipher(memorial_id=memorial.id)
    assert cipher.decrypt_text(bytes(alert.content_encrypted)) == "\n\n".join(WORDS)
    (mail,) = mailoutbox
    assert "chose to share what they wrote" in mail.body
    assert not any(words in mail.body for words in WORDS)

    # the steward reads them in the safety notes; the subject and the family see no notes
    client.force_login(steward)
    notes = client.get(memorial.get_absolute_url()).content.decode()
    assert 'id="safety"' in notes and family.full_name in notes
    assert WORDS[1] in notes and "May need care" in notes
    for other in (memorial.subject, MembershipFactory(memorial=memorial, role=Role.FAMILY).user):
        client.force_login(other)
        page = client.get(memorial.get_absolute_url()).content.decode()
        assert 'id="safety"' not in page and WORDS[1] not in page


def test_only_a_care_reply_of_ones_own_can_reach_the_steward(
    client, memorial, family, steward, mailoutbox
):
    _, reply = care_exchange(memorial, family)
    client.force_login(family)
    reach(client, memorial, 2, "yes")  # an ordinary reply
    other = MembershipFactory(memorial=memorial, role=Role.FAMILY).user
    client.force_login(other)
    reach(client, memorial, reply.seq, "yes")  # someone else's care reply
    assert not SafetyAlert.objects.exists() and mailoutbox == []


def test_a_steward_marks_an_alert_seen(client, memorial, family, steward):
    conversation, reply = care_exchange(memorial, family)
    alert = crisis_alert_raise(conversation=conversation, message=reply.reply_to)
    seen = f"/memorials/{memorial.id}/conversation/safety/{alert.pk}/seen/"

    client.force_login(family)  # not a steward
    assert client.post(seen).status_code == 404
    client.force_login(steward)
    assert "Mark as seen" in client.get(memorial.get_absolute_url()).content.decode()
    assert client.post(seen).status_code == 302

    alert.refresh_from_db()
    assert alert.seen_at is not None
    assert "Mark as seen" not in client.get(memorial.get_absolute_url()).content.decode()


def test_one_crisis_alert_per_visitor_per_few_hours(memorial, family, steward, mailoutbox):
    conversation, reply = care_exchange(memorial, family)
    first = crisis_alert_raise(conversation=conversation, message=reply.reply_to)
    assert first is not None and first.notified_at is not None
    assert crisis_alert_raise(conversation=conversation, message=reply.reply_to) is None

    SafetyAlert.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - timedelta(hours=CRISIS_QUIET_HOURS, minutes=1)
    )
    assert crisis_alert_raise(conversation=conversation, message=reply.reply_to) is not None
    assert SafetyAlert.objects.count() == 2 and len(mailoutbox) == 2
