"""The conversation page: the history rendered on load, the composer, and the socket
(`static/js/conversation.js`) for everything after. A refusal shows its reason instead."""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import User
from conversations.access import conversation_access
from conversations.selectors import conversation_get, conversation_history, provider_label_now


@login_required
def conversation_page(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # login_required
    access = conversation_access(user=user, memorial_id=memorial_id)
    history = []
    if access.allowed:
        conversation = conversation_get(memorial_id=memorial_id, visitor=user)
        history = conversation_history(conversation=conversation)
    context = {
        "memorial": access.memorial,
        "access": access,
        "history": history,
        "last_seq": max((message.seq for message in history), default=0),
        "provider_label": provider_label_now(),
    }
    return render(
        request, "conversations/page.html", context, status=200 if access.allowed else 403
    )
