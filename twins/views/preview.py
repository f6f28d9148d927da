"""The subject's preview: ask their own twin a question, while they are preserving, and see
the reply, who answered it and the passages of their writing it drew on.

A plain form post. The few earlier questions of this visit travel back with the form (hidden
fields), so nothing of them is stored; they are also the reply's conversation so far."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.consent import ConsentRequired
from corpus.models import Register
from corpus.selectors import passages_named
from memorials.models import MemorialState, Role
from memorials.selectors import memorial_get_for
from twins.providers import LlmMessage, llm_provider
from twins.replies import QUESTION_MAX_CHARS, TwinNotReady, twin_reply
from twins.selectors import twin_serving

EARLIER_KEPT = 3  # earlier questions of this visit shown (and sent as the conversation)
ANSWER_MAX_CHARS = 4000


class PreviewForm(forms.Form):
    question = forms.CharField(
        label="Ask your twin something",
        max_length=QUESTION_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    register = forms.ChoiceField(
        label="As you write to",
        required=False,
        choices=[("", "anyone (all your writing)"), *Register.choices],
    )


@dataclass(frozen=True)
class PreviewTurn:
    question: str
    answer: str
    label: str


def _earlier_turns(request: HttpRequest) -> list[PreviewTurn]:
    """The turns the page sent back, newest last, at most EARLIER_KEPT."""
    asked = request.POST.getlist("asked")
    answered = request.POST.getlist("answered")
    labels = request.POST.getlist("answered_by")
    turns = [
        PreviewTurn(question[:QUESTION_MAX_CHARS], answer[:ANSWER_MAX_CHARS], label[:100])
        for question, answer, label in zip(asked, answered, labels, strict=False)
        if question.strip() and answer.strip()
    ]
    return turns[-EARLIER_KEPT:]


def _history(turns: list[PreviewTurn]) -> list[LlmMessage]:
    messages: list[LlmMessage] = []
    for turn in turns:
        messages += [
            LlmMessage(role="user", content=turn.question),
            LlmMessage(role="assistant", content=turn.answer),
        ]
    return messages


def _provider_label() -> tuple[str, str]:
    """(who answers, why nobody can) for the page."""
    try:
        return llm_provider().label, ""
    except ImproperlyConfigured as error:
        return "", str(error)


@login_required
def twin_preview(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=[Role.SUBJECT])
    memorial = membership.memorial
    context: dict = {"memorial": memorial, "membership": membership}
    if memorial.state != MemorialState.PRESERVING:
        return render(request, "twins/preview.html", {**context, "not_preserving": True})
    label, provider_problem = _provider_label()
    context.update(
        serving=twin_serving(memorial_id=memorial.id),
        provider_label=label,
        provider_problem=provider_problem,
    )
    turns = _earlier_turns(request) if request.method == "POST" else []
    form = PreviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and not provider_problem:
        try:
            answer = twin_reply(
                memorial_id=memorial.id,
                question=form.cleaned_data["question"],
                history=_history(turns),
                register=form.cleaned_data["register"] or None,
            )
            text = "".join(answer.reply)
            reply = answer.reply
            context["answer"] = {
                "question": form.cleaned_data["question"].strip(),
                # a provider cut off halfway: its part is replaced by the offline answer
                "text": text[len(reply.partial) :] if reply.fell_back else text,
                "label": reply.label,
                "notice": reply.notice,
                "fell_back": reply.fell_back,
                "passages": passages_named(memorial_id=memorial.id, passages=answer.passages),
            }
            form = PreviewForm(initial={"register": form.cleaned_data["register"]})
            now = context["answer"]
            carry = [*turns, PreviewTurn(now["question"], now["text"], now["label"])]
            context["carry"] = carry[-EARLIER_KEPT:]
        except (ConsentRequired, TwinNotReady) as refusal:
            context["refusal"] = str(refusal)
    context.setdefault("carry", turns)
    context.update(form=form, turns=turns)
    return render(request, "twins/preview.html", context)
