"""The visitor's own memories page: what the twin remembers of them, which they correct and
delete; and the download of their own conversation and memories. Each member sees only
their own: the subject and stewards never reach a visitor's (only counts, elsewhere)."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from conversations.memories import memories_of_visitor
from conversations.models import VisitorMemory
from conversations.selectors import conversation_export_for_visitor
from conversations.services.memories import MemoryRefused, memory_correct, memory_delete
from core.audit import audit_record
from memorials.models import Membership
from memorials.selectors import memorial_get_for

EXPORT_FORMAT = "legacy.visitor-export/1"


def _membership(request: HttpRequest, memorial_id: uuid.UUID) -> tuple[Membership, User]:
    user = request.user
    assert isinstance(user, User)  # login_required
    return memorial_get_for(user=user, memorial_id=memorial_id), user


@login_required
@require_GET
def memories_page(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    membership, user = _membership(request, memorial_id)
    context = {
        "memorial": membership.memorial,
        "memories": memories_of_visitor(memorial_id=memorial_id, visitor_id=user.pk),
        "editing": request.GET.get("edit", ""),
    }
    return render(request, "conversations/memories.html", context)


def _date_field(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise MemoryRefused("Please give the date as a day, month and year.") from None


@login_required
@require_POST
def memory_correct_view(request: HttpRequest, memorial_id: uuid.UUID, memory_id: int) -> Any:
    _, user = _membership(request, memorial_id)
    try:
        memory_correct(
            memorial_id=memorial_id,
            visitor=user,
            memory_id=memory_id,
            text=request.POST.get("text", ""),
            about_date=_date_field(request.POST.get("about_date", "").strip()),
        )
    except VisitorMemory.DoesNotExist:
        raise Http404 from None
    except MemoryRefused as refusal:
        messages.error(request, str(refusal))
        page = reverse("conversations:memories", kwargs={"memorial_id": memorial_id})
        return redirect(f"{page}?edit={memory_id}#memory-{memory_id}")
    messages.success(request, "Thank you. It is remembered as you wrote it.")
    return redirect("conversations:memories", memorial_id=memorial_id)


@login_required
@require_POST
def memory_delete_view(request: HttpRequest, memorial_id: uuid.UUID, memory_id: int) -> Any:
    _, user = _membership(request, memorial_id)
    try:
        memory_delete(memorial_id=memorial_id, visitor=user, memory_id=memory_id)
    except VisitorMemory.DoesNotExist:
        raise Http404 from None
    messages.success(request, "Forgotten. It will not come up again.")
    return redirect("conversations:memories", memorial_id=memorial_id)


@login_required
@require_POST
def visitor_export_view(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    """The visitor's own conversation and memories, as one JSON file."""
    membership, user = _membership(request, memorial_id)
    conversation = [
        {"seq": m.seq, "from": "you" if m.role == "visitor" else "twin", "text": m.text,
         "status": m.status}
        for m in conversation_export_for_visitor(memorial_id=memorial_id, visitor=user)
    ]  # fmt: skip
    memories = [
        m.export() for m in memories_of_visitor(memorial_id=memorial_id, visitor_id=user.pk)
    ]
    document = {
        "format": EXPORT_FORMAT,
        "generated_at": timezone.now(),
        "memorial": {"id": str(membership.memorial.id), "name": membership.memorial.name},
        "you": {"email": user.email},
        "messages": conversation,
        "memories": memories,
    }
    audit_record(
        action="conversation.visitor_export", memorial_id=memorial_id, actor=user,
        data={"messages": len(conversation), "memories": len(memories)},
    )  # fmt: skip
    response = HttpResponse(
        json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    filename = f"legacy-my-conversation-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
