"""Questions for the living subject, end to end: a reply that did not know offers to pass the
question on; the visitor agrees; the subject alone sees it on their memorial and answers (or
declines); the answer is their writing, in the family register, under the corpus consent,
and the twin retrieves it at once; the visitor is told on their devices and by mail."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from django.urls import reverse

from consent.services import consent_revoke
from conversations.models import (
    Conversation,
    Message,
    MessageRole,
    QuestionForSubject,
    QuestionStatus,
)
from conversations.services.questions import ANSWER_SOURCE
from core.consent import ConsentScope
from core.crypto import memorial_cipher
from core.models import AuditEvent
from corpus.models import Document, Passage, Register
from corpus.parsers.base import ParsedDocument, ParsedMessage
from corpus.retrieval import passage_retrieve
from corpus.services.ingest import corpus_people
from corpus.services.passages_store import document_ingest
from memorials.models import Role
from tests.conversations.conftest import conversation_socket
from tests.memorials.factories import MembershipFactory, MemorialFactory
from tests.memorials.test_consumers import session_cookie_for

pytestmark = pytest.mark.django_db(transaction=True)

QUESTION = "What did you put in the plum cake for my christening?"
ANSWER = (
    "The plum cake for your christening had damsons from the old tree, a little brandy and "
    "far too much cardamom. Your grandfather said it tasted of Christmas in June."
)


def exchange(memorial, visitor, *, abstained: bool = True, question: str = QUESTION) -> Message:
    """The visitor's question and the twin's complete reply (abstained, or not)."""
    cipher = memorial_cipher(memorial_id=memorial.id)
    conversation, _ = Conversation.objects.get_or_create(memorial=memorial, visitor=visitor)
    seq = conversation.last_seq
    asked = Message.objects.create(
        conversation=conversation, seq=seq + 1, role=MessageRole.VISITOR, client_id=f"c{seq}",
        text_encrypted=cipher.encrypt_text(question),
    )  # fmt: skip
    reply = Message.objects.create(
        conversation=conversation, seq=seq + 2, role=MessageRole.TWIN, reply_to=asked,
        text_encrypted=cipher.encrypt_text("I'm sorry, I don't remember that."),
        abstained=abstained,
    )  # fmt: skip
    conversation.last_seq = seq + 2
    conversation.save(update_fields=["last_seq"])
    return reply


def writing(memorial, text: str, title: str) -> None:
    cipher = memorial_cipher(memorial_id=memorial.id)
    document_ingest(
        memorial_id=memorial.id, upload=None, cipher=cipher,
        people=corpus_people(memorial_id=memorial.id, cipher=cipher),
        parsed=ParsedDocument(kind="journal", source="text", title=title,
                              messages=[ParsedMessage(author="", text=text)]),
    )  # fmt: skip


def page(memorial) -> str:
    return reverse("conversations:page", args=[memorial.id])


def ask(client, memorial, seq: int):
    return client.post(reverse("conversations:question_ask", args=[memorial.id]), {"seq": seq})


def answer_url(question) -> str:
    return reverse("conversations:question_answer", args=[question.memorial_id, question.id])


def test_a_reply_that_did_not_know_offers_to_ask_the_living_subject(client, memorial, family):
    # given one reply that did not know and one that did
    unknown = exchange(memorial, family)
    known = exchange(memorial, family, abstained=False, question="Where did we sail?")
    client.force_login(family)
    html = client.get(page(memorial)).content.decode()
    # then the offer is under the first only, as a form that posts its seq
    assert html.count("Would you like me to ask Ann Smith directly?") == 2  # + the template
    offer = html[html.index(f'id="turn-{unknown.seq}"') : html.index(f'id="turn-{known.seq}"')]
    assert "Ask Ann Smith" in offer and f'value="{unknown.seq}"' in offer
    assert "data-questions-offered" in html


def test_the_subject_previewing_their_twin_is_not_offered_to_ask_themselves(client, memorial):
    reply = exchange(memorial, memorial.subject)
    client.force_login(memorial.subject)
    html = client.get(page(memorial)).content.decode()
    assert "Would you like me to ask" not in html
    assert ask(client, memorial, reply.seq).status_code == 302
    assert not QuestionForSubject.objects.exists()


def test_the_visitor_agrees_and_the_subject_alone_sees_the_question(
    client, memorial, family, mailoutbox
):
    # given a reply that did not know
    reply = exchange(memorial, family)
    family.full_name = "Lucy Smith"
    family.save(update_fields=["full_name"])
    client.force_login(family)

    # when the visitor agrees to pass it on (twice: a double press, another device)
    assert ask(client, memorial, reply.seq).status_code == 302
    assert ask(client, memorial, reply.seq).status_code == 302

    # then one question is stored, encrypted, waiting, and the line says so
    question = QuestionForSubject.objects.get()
    assert question.status == QuestionStatus.WAITING and question.message == reply
    assert QUESTION.encode() not in bytes(question.question_encrypted)
    html = client.get(page(memorial)).content.decode()
    assert "You passed this question on to Ann Smith." in html
    assert "Would you like me to ask Ann Smith directly?" in html  # only the template's
    assert f'value="{reply.seq}"' not in html  # no offer left under that reply

    # and the subject sees it on their memorial page: who asked, and what
    client.force_login(memorial.subject)
    subject_view = client.get(memorial.get_absolute_url()).content.decode()
    assert "Questions from your family" in subject_view
    assert "Lucy Smith" in subject_view and QUESTION in subject_view
    assert answer_url(question) in subject_view
    (mail,) = mailoutbox
    assert mail.to == [memorial.subject.email] and answer_url(question) in mail.body
    assert "A question from your family" in mail.subject and QUESTION not in mail.body

    # and nobody else does: not a steward, not another family member, not the visitor
    steward = MembershipFactory(memorial=memorial, role=Role.STEWARD).user
    cousin = MembershipFactory(memorial=memorial, role=Role.FAMILY).user
    for other in (steward, cousin, family):
        client.force_login(other)
        assert QUESTION not in client.get(memorial.get_absolute_url()).content.decode()
        assert client.get(answer_url(question)).status_code == 404

    # and another memorial's subject cannot open it through their own memorial
    elsewhere = MemorialFactory()
    client.force_login(elsewhere.subject)
    url = reverse("conversations:question_answer", args=[elsewhere.id, question.id])
    assert client.get(url).status_code == 404

    # and the audit says who asked which question, not what
    event = AuditEvent.objects.get(action="conversations.question_asked")
    assert QUESTION not in json.dumps(event.data) and "plum" not in json.dumps(event.data)


async def test_the_answer_is_their_writing_the_twin_draws_on_and_the_visitor_is_told(
    client, memorial, family, mailoutbox
):
    # given other writing, and a question passed on
    await database_sync_to_async(writing)(
        memorial, "We sailed to Falmouth every August in the little boat.", "Summer"
    )
    reply = await database_sync_to_async(exchange)(memorial, family)
    await database_sync_to_async(client.force_login)(family)
    await database_sync_to_async(ask)(client, memorial, reply.seq)
    question = await database_sync_to_async(QuestionForSubject.objects.get)()
    # and the visitor's conversation open on a device
    socket = conversation_socket(memorial.id, await session_cookie_for(family))
    assert (await socket.connect())[0]
    await socket.send_json_to({"type": "resume", "after_seq": reply.seq})
    while (message := await socket.receive_json_from(timeout=5))["type"] == "notice":
        pass  # the disclosure at a session's start
    assert message["type"] == "resumed"

    # when the subject answers on the answer page
    await database_sync_to_async(client.force_login)(memorial.subject)
    response = await database_sync_to_async(client.post)(answer_url(question), {"answer": ANSWER})
    assert response.status_code == 302

    # then the visitor's device is told, and its line changes
    assert await socket.receive_json_from(timeout=5) == {
        "type": "question", "seq": reply.seq, "status": "answered",
    }  # fmt: skip
    await socket.disconnect()

    def then() -> None:
        question.refresh_from_db()
        assert question.status == QuestionStatus.ANSWERED and question.answered_at
        # the answer is a document of its own, the subject's, in the family register
        document = Document.objects.get(pk=question.answer_document_id)
        assert document.source == ANSWER_SOURCE and document.upload_id is None
        assert document.register == Register.FAMILY and document.is_subject_author
        passages = Passage.objects.filter(document=document)
        assert passages.exists() and {p.register for p in passages} == {Register.FAMILY}
        # and retrieval for the question finds it at once, first
        found = passage_retrieve(
            memorial_id=memorial.id, query=QUESTION, limit=3, subject_only=True
        )
        assert found and found[0].document_id == document.id and "damsons" in found[0].text
        # and the visitor is mailed; the audit holds no words
        told = mailoutbox[-1]
        assert told.to == [family.email] and "Ann Smith answered your question" in told.subject
        assert page(memorial) in told.body and "damsons" not in told.body
        audit = AuditEvent.objects.get(action="conversations.question_answered")
        assert "damsons" not in json.dumps(audit.data) and "plum" not in json.dumps(audit.data)
        # and the question leaves the subject's list; the visitor's page says it was answered
        subject_view = client.get(memorial.get_absolute_url()).content.decode()
        assert QUESTION not in subject_view and "None waiting" in subject_view
        client.force_login(family)
        assert "Ann Smith answered your question." in client.get(page(memorial)).content.decode()

    await database_sync_to_async(then)()


def test_without_the_corpus_consent_the_answer_is_calmly_refused(client, memorial, family):
    # given a question passed on, and the subject's consent to keep their writing withdrawn
    reply = exchange(memorial, family)
    client.force_login(family)
    ask(client, memorial, reply.seq)
    question = QuestionForSubject.objects.get()
    consent_revoke(user=memorial.subject, memorial_id=memorial.id, scope=ConsentScope.CORPUS)

    # when the subject answers
    client.force_login(memorial.subject)
    response = client.post(answer_url(question), {"answer": ANSWER})

    # then nothing is kept, the page says why, keeps their words, and the question waits
    assert response.status_code == 400
    html = response.content.decode()
    assert "Your answer was not kept" in html and "consent" in html and "damsons" in html
    question.refresh_from_db()
    assert question.status == QuestionStatus.WAITING and question.answer_document_id is None
    assert not Document.objects.filter(memorial=memorial).exists()
    assert not AuditEvent.objects.filter(action="conversations.question_answered").exists()


def test_the_subject_may_decline_and_the_visitor_sees_it_quietly(
    client, memorial, family, mailoutbox
):
    reply = exchange(memorial, family)
    client.force_login(family)
    ask(client, memorial, reply.seq)
    question = QuestionForSubject.objects.get()
    client.force_login(memorial.subject)
    decline = reverse("conversations:question_decline", args=[memorial.id, question.id])
    assert client.post(decline).status_code == 302
    question.refresh_from_db()
    assert question.status == QuestionStatus.DECLINED and question.answer_document_id is None
    assert [mail.to for mail in mailoutbox] == [[memorial.subject.email]]  # asked; no more
    # answering afterwards is refused
    response = client.post(answer_url(question), {"answer": ANSWER})
    assert "You chose not to answer this question." in response.content.decode()
    assert not Document.objects.filter(memorial=memorial).exists()
    client.force_login(family)
    assert "Ann Smith chose not to answer this question." in (
        client.get(page(memorial)).content.decode()
    )


def test_no_offer_once_the_subject_has_died(client, memorial, family, monkeypatch):
    # a verified death: the memorial is no longer one of a living subject
    monkeypatch.setattr("conversations.selectors.activation_is_approved", lambda **_: True)
    reply = exchange(memorial, family)
    client.force_login(family)
    assert ask(client, memorial, reply.seq).status_code == 302
    assert not QuestionForSubject.objects.exists()


def test_only_a_reply_that_did_not_know_can_be_passed_on(client, memorial, family):
    known = exchange(memorial, family, abstained=False)
    client.force_login(family)
    ask(client, memorial, known.seq)
    ask(client, memorial, 1)  # the visitor's own message
    assert not QuestionForSubject.objects.exists()
