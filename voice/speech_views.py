"""The twin's voice in a conversation: a spoken reply played again or downloaded (only by
the visitor it was spoken to), which replies were spoken (for a page that missed their
audio), the session's AI line spoken again (for a page that missed it), the text-only
toggle, and listening (speech to text for the composer). Each asks the conversation's own
access check first (`conversation_access`)."""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from conversations.access import ConversationAccess, conversation_access
from conversations.models import Conversation
from core.files import memorial_file_chunks
from voice.listening import ListeningRefused, transcript_of
from voice.models import SpokenReplyStatus
from voice.speaking import (
    session_line_audio,
    speak_set,
    spoken_replies_after,
    spoken_reply_for,
)


def _allowed(request: HttpRequest, memorial_id: uuid.UUID) -> tuple[User, ConversationAccess]:
    """The visitor and their access; a 404 for anyone who may not talk here now."""
    user = request.user
    assert isinstance(user, User)  # login_required
    access = conversation_access(user=user, memorial_id=memorial_id)  # 404 for non-members
    if not access.allowed:
        raise Http404("This conversation is not available.")
    return user, access


@login_required
@require_GET
def reply_audio_view(request: HttpRequest, memorial_id: uuid.UUID, seq: int) -> HttpResponseBase:
    """The audio of spoken reply `seq` in the visitor's own conversation, decrypted as it
    streams; `?download=1` as a file to keep. Anyone else gets a 404."""
    user, _ = _allowed(request, memorial_id)
    spoken = spoken_reply_for(memorial_id=memorial_id, visitor=user, seq=seq)
    if spoken is None:
        raise Http404("No spoken reply here.")
    response = StreamingHttpResponse(
        memorial_file_chunks(memorial_id=memorial_id, name=spoken.path),
        content_type=spoken.mime,
    )
    extension = "mp3" if spoken.mime == "audio/mpeg" else "wav"
    disposition = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="reply-{seq}-ai-voice.{extension}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def line_audio_view(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    """The session's audible AI line, spoken now (`session_line_audio`): for a page that
    missed it, played before the voice. A 404 when no voice can say it now."""
    _, access = _allowed(request, memorial_id)
    line = session_line_audio(
        memorial_id=memorial_id, name=access.memorial.name, preview=access.preview
    )
    if line is None:
        raise Http404("No voice here now.")
    response = HttpResponse(line.content, content_type=line.mime)
    response["Content-Disposition"] = f'inline; filename="ai-voice{line.extension}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def replies_view(request: HttpRequest, memorial_id: uuid.UUID) -> JsonResponse:
    """`{"replies": [...]}`: the visitor's replies after `?after=<seq>` whose speaking has
    ended, each `{"seq", "status": "complete", "src"}` (kept to play) or
    `{"seq", "status": "failed", "notice"}`; for a page whose socket missed their audio."""
    user, _ = _allowed(request, memorial_id)
    try:
        after = max(0, int(request.GET.get("after", "0")))
    except ValueError:
        after = 0
    replies: list[dict[str, object]] = []
    for state in spoken_replies_after(memorial_id=memorial_id, visitor=user, after=after):
        if state.status == SpokenReplyStatus.COMPLETE:
            src = reverse("voice:reply_audio", args=[memorial_id, state.seq])
            replies.append({"seq": state.seq, "status": state.status, "src": src})
        else:
            replies.append({"seq": state.seq, "status": state.status, "notice": state.notice})
    response = JsonResponse({"replies": replies})
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def speak_toggle_view(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    """Spoken replies on (`speak=1`) or off (text only) in the visitor's conversation."""
    user, _ = _allowed(request, memorial_id)
    conversation, _ = Conversation.objects.get_or_create(memorial_id=memorial_id, visitor=user)
    setting = speak_set(conversation=conversation, speak=request.POST.get("speak") == "1")
    if request.headers.get("accept", "").startswith("application/json"):
        return JsonResponse({"speak": setting.speak})
    return redirect("conversations:page", memorial_id=memorial_id)


@login_required
@require_POST
def listen_view(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    """What the visitor said (the recording in `audio`), as `{"text"}` for the composer, or
    `{"error"}` saying why not. The recording is not kept."""
    _allowed(request, memorial_id)
    upload = request.FILES.get("audio")
    content = upload.read() if upload is not None else b""
    mime = (upload.content_type or "") if upload is not None else ""
    try:
        text = transcript_of(content=content, mime=mime)
    except ListeningRefused as refusal:
        return JsonResponse({"error": str(refusal)}, status=409)
    return JsonResponse({"text": text})
