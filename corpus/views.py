"""The subject's corpus pages. Each view passes `memorial_get_for` (subject only) and calls
a service or a selector; consent refusals become a calm message, never a crash."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consent.gate import ConsentRequired, consent_is_granted
from core.consent import ConsentScope
from corpus import selectors
from corpus.forms import CorrespondentForm, IdentityForm, PassageSearchForm, RegisterForm
from corpus.models import Register
from corpus.parsers import ACCEPTED
from corpus.retrieval import passage_retrieve
from corpus.services.documents import (
    correspondent_add,
    correspondent_remove,
    document_delete,
    document_register_set,
    identity_add,
    identity_remove,
    passage_delete,
    upload_delete,
)
from corpus.services.uploads import upload_create, upload_event_data, upload_retry
from corpus.uploading import CorpusUploadHandler, max_file_bytes
from memorials.models import Membership, Role
from memorials.selectors import memorial_get_for


def _subject(request: HttpRequest, memorial_id: uuid.UUID) -> Membership:
    return memorial_get_for(user=request.user, memorial_id=memorial_id, roles=[Role.SUBJECT])


def _index(memorial_id: uuid.UUID) -> HttpResponse:
    return redirect("corpus:index", memorial_id=memorial_id)


@login_required
@require_GET
def corpus_index(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    membership = _subject(request, memorial_id)
    context = {
        "memorial": membership.memorial,
        "membership": membership,
        "consented": consent_is_granted(memorial_id=memorial_id, scope=ConsentScope.CORPUS),
        "uploads": selectors.upload_list(memorial_id=memorial_id),
        "counts": selectors.corpus_counts(memorial_id=memorial_id),
        "identities": selectors.identity_list(memorial_id=memorial_id),
        "correspondents": selectors.correspondent_list(memorial_id=memorial_id),
        "identity_form": IdentityForm(),
        "correspondent_form": CorrespondentForm(),
        "accepted": ACCEPTED,
        "max_file_mb": max_file_bytes() // (1024 * 1024),
    }
    return render(request, "corpus/index.html", context)


@csrf_exempt  # checked below, once the streaming upload handler is in place
@login_required
@require_POST
def upload_new(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    _subject(request, memorial_id)  # before a single byte of the body is read
    handler = CorpusUploadHandler(request)
    request.upload_handlers = [handler]
    return _upload_receive(request, memorial_id, handler)


@csrf_protect
def _upload_receive(
    request: HttpRequest, memorial_id: uuid.UUID, handler: CorpusUploadHandler
) -> HttpResponse:
    wants_json = request.headers.get("x-requested-with") == "fetch"
    uploads: list[dict[str, Any]] = []
    files = request.FILES.getlist("files")  # reads the body, through the handler
    errors = [
        {"name": name, "error": f"This file is larger than {max_file_bytes() // 1024**2} MB."}
        for name in handler.too_large
    ]
    try:
        for file in files:
            upload, created = upload_create(memorial_id=memorial_id, file=file)
            uploads.append({**upload_event_data(upload), "duplicate": not created})
    except ConsentRequired as refusal:
        if wants_json:
            return JsonResponse(
                {"uploads": uploads, "errors": [{"error": str(refusal)}]}, status=403
            )
        messages.error(request, str(refusal))
        return _index(memorial_id)
    if wants_json:
        return JsonResponse(
            {"uploads": uploads, "errors": errors}, status=400 if errors and not uploads else 200
        )
    for error in errors:
        messages.error(request, f"{error['name']}: {error['error']}")
    for item in uploads:
        if item["duplicate"]:
            messages.info(request, f"{item['name']} was uploaded before: it is kept once.")
    if uploads:
        messages.success(request, f"{len(uploads)} file(s) received. They are being read now.")
    return _index(memorial_id)


def _consent_guard(request: HttpRequest, action: Any) -> None:
    try:
        action()
    except ConsentRequired as refusal:
        messages.error(request, str(refusal))


@login_required
@require_POST
def upload_remove(
    request: HttpRequest, memorial_id: uuid.UUID, upload_id: uuid.UUID
) -> HttpResponse:
    _subject(request, memorial_id)
    upload = selectors.upload_get(memorial_id=memorial_id, upload_id=upload_id)
    if upload is None:
        raise Http404
    upload_delete(upload=upload, actor=request.user)  # deleting needs no consent
    messages.success(request, f"{upload.name} and everything read from it are deleted.")
    return _index(memorial_id)


@login_required
@require_POST
def upload_again(
    request: HttpRequest, memorial_id: uuid.UUID, upload_id: uuid.UUID
) -> HttpResponse:
    _subject(request, memorial_id)
    upload = selectors.upload_get(memorial_id=memorial_id, upload_id=upload_id)
    if upload is None:
        raise Http404
    _consent_guard(request, lambda: upload_retry(upload=upload))
    return _index(memorial_id)


@login_required
@require_POST
def identity_new(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    _subject(request, memorial_id)
    form = IdentityForm(request.POST)
    if form.is_valid():
        _consent_guard(request, lambda: identity_add(memorial_id=memorial_id, **form.cleaned_data))
    else:
        messages.error(request, "Please give a name, an address or a handle.")
    return _index(memorial_id)


@login_required
@require_POST
def identity_delete(request: HttpRequest, memorial_id: uuid.UUID, identity_id: int) -> HttpResponse:
    _subject(request, memorial_id)
    identity = selectors.identity_get(memorial_id=memorial_id, identity_id=identity_id)
    if identity is None:
        raise Http404
    _consent_guard(request, lambda: identity_remove(identity=identity))
    return _index(memorial_id)


@login_required
@require_POST
def correspondent_new(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    _subject(request, memorial_id)
    form = CorrespondentForm(request.POST)
    if form.is_valid():
        _consent_guard(
            request, lambda: correspondent_add(memorial_id=memorial_id, **form.cleaned_data)
        )
    else:
        messages.error(request, "Please give who they are and where they belong.")
    return _index(memorial_id)


@login_required
@require_POST
def correspondent_delete(
    request: HttpRequest, memorial_id: uuid.UUID, correspondent_id: int
) -> HttpResponse:
    _subject(request, memorial_id)
    correspondent = selectors.correspondent_get(
        memorial_id=memorial_id, correspondent_id=correspondent_id
    )
    if correspondent is None:
        raise Http404
    _consent_guard(request, lambda: correspondent_remove(correspondent=correspondent))
    return _index(memorial_id)


@login_required
@require_GET
def document_list(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    membership = _subject(request, memorial_id)
    register = request.GET.get("register", "")
    register = register if register in Register.values else ""
    page, rows = selectors.document_page(
        memorial_id=memorial_id, page=_page_number(request), register=register
    )
    return render(request, "corpus/documents.html", {
        "memorial": membership.memorial, "page": page, "rows": rows, "register": register,
        "registers": Register.choices,
    })  # fmt: skip


@login_required
@require_POST
def document_register(
    request: HttpRequest, memorial_id: uuid.UUID, document_id: uuid.UUID
) -> HttpResponse:
    _subject(request, memorial_id)
    document = selectors.document_get(memorial_id=memorial_id, document_id=document_id)
    form = RegisterForm(request.POST)
    if document is None:
        raise Http404
    if form.is_valid():
        _consent_guard(request, lambda: document_register_set(
            document=document, register=form.cleaned_data["register"]
        ))  # fmt: skip
    return redirect(_back(request, reverse("corpus:documents", args=[memorial_id])))


@login_required
@require_http_methods(["GET", "POST"])
def document_remove(
    request: HttpRequest, memorial_id: uuid.UUID, document_id: uuid.UUID
) -> HttpResponse:
    membership = _subject(request, memorial_id)
    document = selectors.document_get(memorial_id=memorial_id, document_id=document_id)
    if document is None:
        raise Http404
    if request.method == "POST":
        count = document_delete(document=document, actor=request.user)  # needs no consent
        messages.success(request, f"The document and its {count} passage(s) are deleted.")
        return redirect("corpus:documents", memorial_id=memorial_id)
    title = selectors.document_title(document=document)
    return render(request, "corpus/document_delete.html", {
        "memorial": membership.memorial, "document": document, "title": title,
    })  # fmt: skip


@login_required
@require_GET
def passage_list(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    """Browse in reading order, or search (the same retrieval the twin uses)."""
    membership = _subject(request, memorial_id)
    form = PassageSearchForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    register = data.get("register") or ""
    context: dict[str, Any] = {"memorial": membership.memorial, "form": form, "page": None}
    document_id = _uuid_or_none(request.GET.get("document"))
    try:
        if data.get("q"):
            context["results"] = passage_retrieve(
                memorial_id=memorial_id,
                query=data["q"],
                limit=20,
                registers=[register] if register else None,
                since=_start_of(data.get("since")),
                until=_start_of(data.get("until"), next_day=True),
            )
        else:
            context["page"], context["rows"] = selectors.passage_page(
                memorial_id=memorial_id, page=_page_number(request),
                document_id=document_id, register=register,
            )  # fmt: skip
    except ConsentRequired as refusal:
        context["refusal"] = str(refusal)
    context["document_id"] = document_id
    return render(request, "corpus/passages.html", context)


@login_required
@require_POST
def passage_remove(request: HttpRequest, memorial_id: uuid.UUID, passage_id: int) -> HttpResponse:
    _subject(request, memorial_id)
    passage = selectors.passage_get(memorial_id=memorial_id, passage_id=passage_id)
    if passage is None:
        raise Http404
    passage_delete(passage=passage, actor=request.user)  # deleting needs no consent
    messages.success(request, "The passage is deleted.")
    return redirect(_back(request, reverse("corpus:passages", args=[memorial_id])))


def _back(request: HttpRequest, fallback: str) -> str:
    """The page the form came from (its `next`), if it is one of ours; else `fallback`."""
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    return fallback


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _start_of(day: Any, *, next_day: bool = False) -> Any:
    import datetime as dt

    if not day:
        return None
    moment = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
    return moment + dt.timedelta(days=1) if next_day else moment
