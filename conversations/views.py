"""The conversation page: the history rendered on load, the composer, and the socket
(`static/js/conversation.js`) for everything after. A refusal shows its reason instead."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import User
from conversations.access import conversation_access
from conversations.safety_views import care_page_context
from conversations.selectors import (
    QuestionNotFound,
    QuestionView,
    conversation_get,
    conversation_history,
    provider_label_now,
    question_get_for_subject,
    questions_offered,
)
from conversations.services.questions import (
    MAX_ANSWER_CHARS,
    QuestionRefused,
    question_answer,
    question_ask,
    question_decline,
)
from conversations.speech import speech_page
from memorials.models import Membership
from memorials.selectors import MemorialNotFound


@login_required
def conversation_page(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # login_required
    access = conversation_access(user=user, memorial_id=memorial_id)
    history = []
    conversation = None
    if access.allowed:
        conversation = conversation_get(memorial_id=memorial_id, visitor=user)
        history = conversation_history(conversation=conversation)
    context = {
        "memorial": access.memorial,
        "access": access,
        "history": history,
        "last_seq": max((message.seq for message in history), default=0),
        "provider_label": provider_label_now(),
        "questions_offered": access.allowed
        and questions_offered(memorial=access.memorial, preview=access.preview),
    }
    if access.allowed:
        context |= care_page_context(request, user=user, memorial=access.memorial)
        context["voice"] = speech_page(access=access, conversation=conversation)
    return render(
        request, "conversations/page.html", context, status=200 if access.allowed else 403
    )


@login_required
@require_POST
def question_ask_view(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    """The visitor agrees to pass on the question a reply could not answer (its `seq`)."""
    user = request.user
    assert isinstance(user, User)  # login_required
    page = reverse("conversations:page", args=[memorial_id])
    try:
        seq = int(request.POST.get("seq", ""))
    except ValueError:
        return redirect(page)
    try:
        question_ask(memorial_id=memorial_id, visitor=user, seq=seq)
    except MemorialNotFound:
        raise Http404 from None
    except QuestionRefused as refusal:
        messages.error(request, str(refusal))
        return redirect(page)
    return redirect(f"{page}#turn-{seq}")


def _subject_question(
    request: HttpRequest, memorial_id: uuid.UUID, question_id: uuid.UUID
) -> tuple[Membership, QuestionView]:
    user = request.user
    assert isinstance(user, User)  # login_required
    try:
        return question_get_for_subject(user=user, memorial_id=memorial_id, question_id=question_id)
    except (MemorialNotFound, QuestionNotFound):
        raise Http404 from None


@login_required
def question_answer_view(
    request: HttpRequest, memorial_id: uuid.UUID, question_id: uuid.UUID
) -> HttpResponse:
    """The subject reads one question from their family and answers it, or declines."""
    membership, question = _subject_question(request, memorial_id, question_id)
    memorial = membership.memorial
    error, answer = "", ""
    if request.method == "POST" and question.status == "waiting":
        answer = request.POST.get("answer", "")
        try:
            question_answer(
                memorial=memorial, subject=membership.user, question_id=question.id, text=answer
            )
        except QuestionRefused as refusal:
            error = str(refusal)
        else:
            messages.success(
                request,
                f"Thank you. Your answer is now part of your writing, and {question.visitor_name}"
                " has been told.",
            )
            return redirect(memorial.get_absolute_url() + "#questions")
    context = {
        "memorial": memorial,
        "question": question,
        "error": error,
        "answer": answer,
        "max_chars": MAX_ANSWER_CHARS,
    }
    return render(
        request, "conversations/question_answer.html", context, status=400 if error else 200
    )


@login_required
@require_POST
def question_decline_view(
    request: HttpRequest, memorial_id: uuid.UUID, question_id: uuid.UUID
) -> HttpResponse:
    membership, question = _subject_question(request, memorial_id, question_id)
    memorial = membership.memorial
    try:
        question_decline(memorial=memorial, subject=membership.user, question_id=question.id)
    except QuestionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            f"The question is set aside; {question.visitor_name} will see that you chose not "
            "to answer it.",
        )
    return redirect(memorial.get_absolute_url() + "#questions")
