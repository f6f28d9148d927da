"""Questions the twin could not answer, passed on to the living subject.

A visitor asks for it under a reply that abstained (`question_ask`); the subject answers by
text (`question_answer`) or declines (`question_decline`). An answer becomes part of the
subject's writing: a document of its own, in the family register, stored under the corpus
consent like any upload (in the same transaction as the answer, so both are kept or
neither), whose passages retrieval reads at once. The visitor's devices are told (an event),
and the visitor by mail when it is answered. Audited with ids only, never the words."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from conversations.access import conversation_access
from conversations.models import (
    Message,
    MessageRole,
    MessageStatus,
    QuestionForSubject,
    QuestionStatus,
)
from conversations.selectors import questions_offered
from core.audit import audit_record
from core.consent import ConsentRequired, ConsentScope
from core.crypto import memorial_cipher
from core.events import EventKind, event_send_on_commit
from core.mail import mail_send_on_commit
from core.tasks import memorial_step
from corpus.models import Register
from corpus.parsers.base import ParsedDocument, ParsedMessage
from corpus.partitions import passage_partition_ensure
from corpus.services.documents import document_register_set
from corpus.services.ingest import corpus_people
from corpus.services.passages_store import document_ingest
from memorials.models import Memorial

MAX_ANSWER_CHARS = 10_000
ANSWER_SOURCE = "answer"  # a Document's source: the subject's answer to a family question


class QuestionRefused(ValueError):
    """A question that cannot be asked, answered or declined now; the text says why."""


def _question_event(*, question: QuestionForSubject, seq: int) -> None:
    event_send_on_commit(
        memorial_id=question.memorial_id,
        visitor_id=question.visitor_id,
        kind=EventKind.CONVERSATION_QUESTION,
        data={"seq": seq, "status": question.status},
    )


def _link(path: str) -> str:
    return settings.SITE_URL + path


def question_ask(*, memorial_id: uuid.UUID | str, visitor: User, seq: int) -> QuestionForSubject:
    """Pass the question that the visitor's twin reply `seq` could not answer on to the
    living subject, with the visitor's agreement (they pressed the button). Once per reply:
    asked again (another device, a double press), the stored question comes back."""
    access = conversation_access(user=visitor, memorial_id=memorial_id)
    memorial = access.memorial
    if not access.allowed:
        raise QuestionRefused(access.reason)
    if not questions_offered(memorial=memorial, preview=access.preview):
        raise QuestionRefused(f"Questions cannot be passed on to {memorial.name} now.")
    cipher = memorial_cipher(memorial_id=memorial.id)
    with transaction.atomic():
        reply = (
            Message.objects.select_for_update(of=("self",))
            .select_related("reply_to")
            .filter(
                conversation__memorial=memorial,
                conversation__visitor=visitor,
                seq=seq,
                role=MessageRole.TWIN,
                status=MessageStatus.COMPLETE,
                abstained=True,
            )
            .first()
        )
        if reply is None or reply.reply_to is None:
            raise QuestionRefused("There is no question there to pass on.")
        existing = QuestionForSubject.objects.filter(message=reply).first()
        if existing is not None:
            return existing
        question = QuestionForSubject.objects.create(
            memorial=memorial,
            visitor=visitor,
            message=reply,
            question_encrypted=cipher.encrypt_text(
                cipher.decrypt_text(bytes(reply.reply_to.text_encrypted))
            ),
        )
        audit_record(
            action="conversations.question_asked",
            memorial_id=memorial.id,
            actor=visitor,
            data={"question_id": str(question.id)},
        )
        _question_event(question=question, seq=reply.seq)
        answer_page = reverse("conversations:question_answer", args=[memorial.id, question.id])
        mail_send_on_commit(
            to=[memorial.subject.email],
            subject="A question from your family",
            template="conversations/email/question_asked.txt",
            context={"memorial": memorial, "visitor": str(visitor), "link": _link(answer_page)},
            memorial_id=memorial.id,
            topic=f"question:{question.id}",
        )
    return question


def _waiting_locked(*, memorial: Memorial, question_id: uuid.UUID | str) -> QuestionForSubject:
    question = (
        QuestionForSubject.objects.select_for_update(of=("self",))
        .select_related("visitor", "message")
        .filter(memorial=memorial, pk=question_id)
        .first()
    )
    if question is None:
        raise QuestionRefused("This question is no longer there.")
    if question.status != QuestionStatus.WAITING:
        raise QuestionRefused("You have already replied to this question.")
    return question


def _answer_document(*, memorial: Memorial, question: QuestionForSubject, text: str) -> uuid.UUID:
    """The answer as a document of the subject's own writing (no author: theirs), titled
    with the question (retrieval weighs a title) and addressed to the visitor, in the family
    register as though the subject had placed it there."""
    cipher = memorial_cipher(memorial_id=memorial.id)
    now = timezone.now()
    parsed = ParsedDocument(
        kind="document",
        source=ANSWER_SOURCE,
        title=cipher.decrypt_text(bytes(question.question_encrypted))[:500],
        messages=[ParsedMessage(author="", text=text, sent_at=now)],
        date=now,
        participants=[str(question.visitor)],
        external_id=f"question:{question.id}",
    )
    document, _ = document_ingest(
        memorial_id=memorial.id,
        upload=None,
        parsed=parsed,
        people=corpus_people(memorial_id=memorial.id, cipher=cipher),
        cipher=cipher,
    )
    if document.register != Register.FAMILY:
        document_register_set(document=document, register=Register.FAMILY)
    return document.id


def question_answer(
    *, memorial: Memorial, subject: User, question_id: uuid.UUID | str, text: object
) -> QuestionForSubject:
    """The subject answers a question: their words stored as their writing (consent-bound:
    without a live corpus consent nothing is kept and QuestionRefused says why), the
    question marked answered, the visitor told on their devices and by mail."""
    if not isinstance(text, str) or not text.strip():
        raise QuestionRefused("Please write your answer first.")
    text = text.strip()
    if len(text) > MAX_ANSWER_CHARS:
        raise QuestionRefused(f"Please keep an answer under {MAX_ANSWER_CHARS:,} characters.")
    # Made (its lock released) before the answer's transaction, as an upload's ingest does.
    passage_partition_ensure(memorial_id=memorial.id)
    try:
        with memorial_step(memorial_id=memorial.id, scope=ConsentScope.CORPUS):
            question = _waiting_locked(memorial=memorial, question_id=question_id)
            question.answer_document_id = _answer_document(
                memorial=memorial, question=question, text=text
            )
            question.status, question.answered_at = QuestionStatus.ANSWERED, timezone.now()
            question.save(update_fields=["status", "answer_document_id", "answered_at"])
            _question_told(memorial=memorial, question=question, actor=subject)
    except ConsentRequired:
        raise QuestionRefused(
            "Your answer was not kept: Legacy may only keep your writing with your consent, "
            "and it is not given just now. You can give it on your consent page, then answer "
            "again; the question waits for you."
        ) from None
    return question


def _question_told(*, memorial: Memorial, question: QuestionForSubject, actor: User) -> None:
    audit_record(
        action=f"conversations.question_{question.status}",
        memorial_id=memorial.id,
        actor=actor,
        data={"question_id": str(question.id)},
    )
    if question.message is not None:
        _question_event(question=question, seq=question.message.seq)
    if question.status != QuestionStatus.ANSWERED:
        return
    mail_send_on_commit(
        to=[question.visitor.email],
        subject=f"{memorial.name} answered your question",
        template="conversations/email/question_answered.txt",
        context={
            "memorial": memorial,
            "link": _link(reverse("conversations:page", args=[memorial.id])),
        },
        memorial_id=memorial.id,
        topic=f"question:{question.id}",
    )


def question_decline(
    *, memorial: Memorial, subject: User, question_id: uuid.UUID | str
) -> QuestionForSubject:
    """The subject chooses not to answer: the question leaves their list, and the visitor's
    conversation says so quietly (no mail)."""
    with transaction.atomic():
        question = _waiting_locked(memorial=memorial, question_id=question_id)
        question.status, question.answered_at = QuestionStatus.DECLINED, timezone.now()
        question.save(update_fields=["status", "answered_at"])
        _question_told(memorial=memorial, question=question, actor=subject)
    return question
