"""The subject's voice pages: their samples (upload, record, analysis, play back, leave out,
delete) and the spoken consent. Subject only, through `memorial_get_for`; each view calls a
service or a selector, and a refusal for want of consent becomes a calm message."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from django.contrib import messages
from django.core.files.uploadhandler import SkipFile, TemporaryFileUploadHandler
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from accounts.http import AuthenticatedHttpRequest
from consent.gate import ConsentRequired, consent_is_granted
from core.consent import ConsentScope
from core.files import memorial_file_chunks
from corpus.parsers import display_safe
from memorials.models import Membership
from memorials.subject_pages import subject_pages
from voice import selectors
from voice.forms import SampleUseForm, SpokenConsentForm
from voice.models import SampleSource, SampleStatus, SpokenConsent, TranscriptCheck, VoiceSample
from voice.providers import voice_provider
from voice.sample_analysis import sample_name
from voice.samples import (
    sample_add,
    sample_delete,
    sample_reanalyse,
    sample_use_set,
)
from voice.spoken_consent import (
    SpokenConsentError,
    spoken_consent_record,
    spoken_consent_start,
)

VOICE = ConsentScope.VOICE
MAX_FILE_MB = 100
ACCEPTED = "mp3, m4a, wav, ogg, webm or flac"

_LOOKUPS: dict[str, tuple[str, Callable[[uuid.UUID, Any], Any]]] = {
    "sample_id": ("sample", lambda m, i: selectors.sample_get(memorial_id=m, sample_id=i)),
    "spoken_id": (
        "spoken",
        lambda m, i: SpokenConsent.objects.filter(memorial_id=m, id=i).first(),
    ),
}


voice_page = subject_pages(_LOOKUPS)


def _index(memorial_id: uuid.UUID) -> HttpResponse:
    return redirect("voice:samples", memorial_id=memorial_id)


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("x-requested-with") == "fetch"


def _sample_data(sample: VoiceSample, name: str | None = None) -> dict[str, Any]:
    analysis = sample.analysis or {}
    return {
        "id": str(sample.id),
        "name": name if name is not None else sample_name(sample=sample),
        "status": sample.status,
        "status_label": SampleStatus(sample.status).label,
        "verdict": sample.verdict,
        "verdict_label": sample.get_verdict_display() if sample.verdict else "",
        "advice": analysis.get("advice", []),
        "error": sample.error,
        "duration_s": analysis.get("duration_s"),
        "speech_s": analysis.get("speech_s"),
    }


def _provider() -> dict[str, Any]:
    provider = voice_provider()
    return {
        "label": provider.label,
        "can_listen": provider.can_listen,
        "can_clone": provider.can_clone,
    }


# --- the samples page ------------------------------------------------------------------------


@voice_page(methods=["GET"])
def samples_page(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    memorial_id = membership.memorial_id
    consented = consent_is_granted(memorial_id=memorial_id, scope=VOICE)
    context = {
        "memorial": membership.memorial,
        "consented": consented,
        "rows": selectors.sample_list(memorial_id=memorial_id),
        "set": selectors.sample_set_verdict(memorial_id=memorial_id),
        "analysing": selectors.samples_analysing(memorial_id=memorial_id),
        "spoken": selectors.spoken_consent_live(memorial_id=memorial_id),
        "provider": _provider(),
        "accepted": ACCEPTED,
        "max_file_mb": MAX_FILE_MB,
    }
    return render(request, "voice/samples.html", context)


@voice_page(methods=["GET"])
def samples_status(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    """The samples and the set's verdict as JSON, for the page to follow the analysis."""
    memorial_id = membership.memorial_id
    verdict = selectors.sample_set_verdict(memorial_id=memorial_id)
    return JsonResponse(
        {
            "samples": [
                _sample_data(row.sample, row.name)
                for row in selectors.sample_list(memorial_id=memorial_id)
            ],
            "set": {
                "verdict": verdict.verdict,
                "speech_s": verdict.speech_s,
                "samples": verdict.samples,
                "advice": verdict.advice,
            },
            "analysing": selectors.samples_analysing(memorial_id=memorial_id),
        }
    )


class SampleUploadHandler(TemporaryFileUploadHandler):
    """Each file to a temporary file in chunks, stopped once it passes the size limit."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.too_large: list[str] = []
        self._received = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self._received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self._received += len(raw_data)
        if self._received > MAX_FILE_MB * 1024 * 1024:
            self.too_large.append(self.file_name or "file")
            self.file.close()
            raise SkipFile
        return super().receive_data_chunk(raw_data, start)


@csrf_exempt  # checked below, once the streaming upload handler is in place
@voice_page(methods=["POST"])  # the subject is checked before a byte of the body is read
def samples_upload(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    handler = SampleUploadHandler(request)
    request.upload_handlers = [handler]
    return _samples_receive(request, membership.memorial_id, handler)


@csrf_protect
def _samples_receive(
    request: HttpRequest, memorial_id: uuid.UUID, handler: SampleUploadHandler
) -> HttpResponse:
    files = request.FILES.getlist("files")  # reads the body, through the handler
    recorded = request.POST.get("source") == SampleSource.RECORDED
    source = SampleSource.RECORDED if recorded else SampleSource.UPLOADED
    errors = [
        {"name": display_safe(name), "error": f"This file is larger than {MAX_FILE_MB} MB."}
        for name in handler.too_large
    ]
    added: list[dict[str, Any]] = []
    try:
        for file in files:
            sample, created = sample_add(
                memorial_id=memorial_id,
                file=file,
                name=file.name or "recording",
                source=source,
                actor=request.user,
            )
            added.append({**_sample_data(sample), "duplicate": not created})
    except ConsentRequired as refusal:
        if _wants_json(request):
            return JsonResponse(
                {"samples": added, "errors": [{"error": refusal.to_subject}]}, status=403
            )
        messages.error(request, refusal.to_subject)
        return _index(memorial_id)
    if _wants_json(request):
        status = 400 if errors and not added else 200
        return JsonResponse({"samples": added, "errors": errors}, status=status)
    for error in errors:
        messages.error(request, f"{error['name']}: {error['error']}")
    for item in added:
        if item["duplicate"]:
            messages.info(request, f"{item['name']} was added before: it is kept once.")
    if added:
        messages.success(
            request, f"{len(added)} recording(s) received. We are listening to them now."
        )
    return _index(memorial_id)


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _ranged(chunks: Iterator[bytes], start: int, end: int) -> Iterator[bytes]:
    """Bytes start..end (inclusive) of a stream of chunks."""
    position = 0
    for chunk in chunks:
        low, high = max(start - position, 0), min(end + 1 - position, len(chunk))
        if low < high:
            yield chunk[low:high]
        position += len(chunk)
        if position > end:
            return


def _audio_response(
    request: HttpRequest, *, memorial_id: uuid.UUID, name: str, size: int, mime: str
) -> HttpResponse | StreamingHttpResponse:
    """The decrypted file, whole or one byte range of it (phones' players ask for ranges,
    and Safari plays nothing without them)."""
    chunks = memorial_file_chunks(memorial_id=memorial_id, name=name)
    match = _RANGE.match(request.headers.get("range", ""))
    start, end, status = 0, size - 1, 200
    if match and (match.group(1) or match.group(2)):
        if match.group(1):
            start = int(match.group(1))
            end = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
        else:  # the last N bytes
            start = max(size - int(match.group(2)), 0)
        if start > end or start >= size:
            refused = HttpResponse(status=416)
            refused["Content-Range"] = f"bytes */{size}"
            return refused
        status = 206
    response = StreamingHttpResponse(
        _ranged(chunks, start, end), content_type=mime or "application/octet-stream", status=status
    )
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@voice_page(methods=["GET"])
def sample_audio(
    request: AuthenticatedHttpRequest, membership: Membership, sample: VoiceSample
) -> HttpResponse | StreamingHttpResponse:
    """The sample, decrypted, for the subject to play back."""
    return _audio_response(
        request,
        memorial_id=membership.memorial_id,
        name=sample.path,
        size=sample.size,
        mime=sample.mime,
    )


@voice_page(methods=["POST"])
def sample_use(
    request: AuthenticatedHttpRequest, membership: Membership, sample: VoiceSample
) -> HttpResponse:
    form = SampleUseForm(request.POST)
    if form.is_valid():
        sample_use_set(sample=sample, use=form.cleaned_data["use"])
    return _index(membership.memorial_id)


@voice_page(methods=["POST"])
def sample_retry(
    request: AuthenticatedHttpRequest, membership: Membership, sample: VoiceSample
) -> HttpResponse:
    try:
        sample_reanalyse(sample=sample)
    except ConsentRequired as refusal:
        messages.error(request, refusal.to_subject)
    return _index(membership.memorial_id)


@voice_page(methods=["GET", "POST"])
def sample_remove(
    request: AuthenticatedHttpRequest, membership: Membership, sample: VoiceSample
) -> HttpResponse:
    name = sample_name(sample=sample)
    if request.method == "POST":
        sample_delete(sample=sample, actor=request.user)  # deleting needs no consent
        messages.success(request, f"{name} is deleted.")
        return _index(membership.memorial_id)
    context = {"memorial": membership.memorial, "sample": sample, "name": name}
    return render(request, "voice/sample_delete.html", context)


# --- the spoken consent ----------------------------------------------------------------------


@voice_page(methods=["GET"])
def spoken_consent_page(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    memorial = membership.memorial
    live = selectors.spoken_consent_live(memorial_id=memorial.id)
    latest = selectors.spoken_consent_latest(memorial_id=memorial.id)
    checking = latest is not None and latest.transcript_check == TranscriptCheck.CHECKING
    context: dict[str, Any] = {
        "memorial": memorial,
        "provider": _provider(),
        "live": live,
        "latest": latest,
        "mismatched": latest is not None and latest.transcript_check == TranscriptCheck.MISMATCHED,
        "checking": checking,  # its words are being checked: the page waits for the event
        "statement": None,
    }
    try:
        if not checking:
            context["statement"] = spoken_consent_start(memorial=memorial)
    except ConsentRequired:
        context["needs_written"] = True
    return render(request, "voice/spoken_consent.html", context)


@csrf_exempt
@voice_page(methods=["POST"])
def spoken_consent_upload(
    request: AuthenticatedHttpRequest, membership: Membership
) -> HttpResponse:
    handler = SampleUploadHandler(request)
    request.upload_handlers = [handler]
    return _spoken_receive(request, membership)


@csrf_protect
def _spoken_receive(request: HttpRequest, membership: Membership) -> HttpResponse:
    memorial_id = membership.memorial_id
    form = SpokenConsentForm(request.POST, request.FILES)
    back = reverse("voice:spoken_consent", args=[memorial_id])
    error = ""
    spoken = None
    if not form.is_valid():
        error = "The recording did not arrive. Please record it again."
    else:
        spoken = SpokenConsent.objects.filter(
            memorial_id=memorial_id, id=form.cleaned_data["spoken_id"]
        ).first()
        if spoken is None:
            raise Http404
        file = form.cleaned_data["recording"]
        try:
            spoken = spoken_consent_record(
                spoken=spoken, file=file, name=file.name or "consent", actor=request.user
            )
        except ConsentRequired:
            error = (
                "Your written consent for your voice has changed since this page was opened. "
                "Please start again."
            )
        except SpokenConsentError as refusal:
            error = str(refusal)
    if _wants_json(request):
        if error:
            return JsonResponse({"error": error, "next": back}, status=400)
        assert spoken is not None
        return JsonResponse(
            {"check": spoken.transcript_check, "detail": spoken.detail, "next": back}
        )
    if error:
        messages.error(request, error)
    return redirect(back)


@voice_page(methods=["GET"])
def spoken_consent_audio(
    request: AuthenticatedHttpRequest, membership: Membership, spoken: SpokenConsent
) -> HttpResponse | StreamingHttpResponse:
    if not spoken.path:
        raise Http404
    memorial_id = membership.memorial_id
    size = sum(len(c) for c in memorial_file_chunks(memorial_id=memorial_id, name=spoken.path))
    return _audio_response(
        request, memorial_id=memorial_id, name=spoken.path, size=size, mime=spoken.mime
    )
