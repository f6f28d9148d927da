"""The subject's corpus pages. Each view passes `memorial_get_for` (subject only) and calls
a service or a selector; consent refusals become a calm message, never a crash.

The plumbing every page shares lives in two decorators: `subject_page` (signed in, the
allowed methods, the subject's membership, each object named in the URL looked up in this
memorial or 404) and `subject_action` (the same for a form's POST, then a refusal for want
of consent shown as a message, and back to the page the form was on)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from accounts.http import AuthenticatedHttpRequest
from consent.gate import ConsentRequired, consent_is_granted
from core.allowances import AllowanceExceeded
from core.consent import ConsentScope
from corpus import selectors
from corpus.forms import CorrespondentForm, IdentityForm, PassageSearchForm, RegisterForm
from corpus.kinds import document_label
from corpus.models import (
    Correspondent,
    Deletion,
    Document,
    Passage,
    Register,
    SubjectIdentity,
    Upload,
)
from corpus.parsers import ACCEPTED, display_safe
from corpus.services.deletions import (
    RestoreRefused,
    deletion_restore,
    document_delete,
    passage_delete,
    undo_window,
)
from corpus.services.documents import (
    correspondent_add,
    correspondent_remove,
    document_register_set,
    identity_add,
    identity_remove,
    upload_delete,
)
from corpus.services.ingest import upload_event_data
from corpus.services.uploads import upload_create, upload_retry
from corpus.uploading import CorpusUploadHandler, max_file_bytes
from memorials.models import Membership
from memorials.subject_pages import subject_pages

# What each id in a corpus URL names, and how it is found within the memorial.
_LOOKUPS: dict[str, tuple[str, Callable[[uuid.UUID, Any], Any]]] = {
    "upload_id": ("upload", lambda m, i: selectors.upload_get(memorial_id=m, upload_id=i)),
    "identity_id": ("identity", lambda m, i: selectors.identity_get(memorial_id=m, identity_id=i)),
    "correspondent_id": (
        "correspondent",
        lambda m, i: selectors.correspondent_get(memorial_id=m, correspondent_id=i),
    ),
    "document_id": ("document", lambda m, i: selectors.document_get(memorial_id=m, document_id=i)),
    "passage_id": ("passage", lambda m, i: selectors.passage_get(memorial_id=m, passage_id=i)),
    "deletion_id": ("deletion", lambda m, i: selectors.deletion_get(memorial_id=m, deletion_id=i)),
}


subject_page = subject_pages(_LOOKUPS)


def subject_action(
    *, back: str = "corpus:index", follow_next: bool = False
) -> Callable[..., Callable[..., HttpResponse]]:
    """A form's POST on a subject page (as `subject_page`), answered by a redirect to `back`
    (or, with `follow_next`, to the form's `next` when it is one of ours). A refusal for want
    of consent becomes an error message; the view returns nothing."""

    def decorate(view: Callable[..., None]) -> Callable[..., HttpResponse]:
        @subject_page(methods=["POST"])
        @wraps(view)
        def action(
            request: AuthenticatedHttpRequest, membership: Membership, **found: Any
        ) -> HttpResponse:
            try:
                view(request, membership, **found)
            except ConsentRequired as refusal:
                messages.error(request, refusal.to_subject)
            fallback = reverse(back, args=[membership.memorial_id])
            return redirect(_back(request, fallback) if follow_next else fallback)

        return action

    return decorate


def _back(request: HttpRequest, fallback: str) -> str:
    """The page the form came from (its `next`), if it is one of ours; else `fallback`."""
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    return fallback


def _index(memorial_id: uuid.UUID) -> HttpResponse:
    return redirect("corpus:index", memorial_id=memorial_id)


# --- pages ---------------------------------------------------------------------------------


@subject_page(methods=["GET"])
def corpus_index(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    memorial_id = membership.memorial_id
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
@subject_page(methods=["POST"])  # the subject is checked before a byte of the body is read
def upload_new(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    handler = CorpusUploadHandler(request)
    request.upload_handlers = [handler]
    return _upload_receive(request, membership.memorial_id, handler)


@csrf_protect
def _upload_receive(
    request: HttpRequest, memorial_id: uuid.UUID, handler: CorpusUploadHandler
) -> HttpResponse:
    wants_json = request.headers.get("x-requested-with") == "fetch"
    uploads: list[dict[str, Any]] = []
    files = request.FILES.getlist("files")  # reads the body, through the handler
    errors = [
        {
            "name": display_safe(name),
            "error": f"This file is larger than {max_file_bytes() // 1024**2} MB.",
        }
        for name in handler.too_large
    ]
    try:
        for file in files:
            try:
                upload, created = upload_create(
                    memorial_id=memorial_id, file=file, actor=request.user
                )
            except AllowanceExceeded as full:  # the plan's room: this file is not kept
                errors.append({"name": display_safe(file.name or ""), "error": str(full)})
                continue
            uploads.append({**upload_event_data(upload), "duplicate": not created})
    except ConsentRequired as refusal:
        if wants_json:
            return JsonResponse(
                {"uploads": uploads, "errors": [{"error": refusal.to_subject}]}, status=403
            )
        messages.error(request, refusal.to_subject)
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
        messages.success(
            request, f"{_count(len(uploads), 'file')} received. They are being read now."
        )
    return _index(memorial_id)


@subject_action()
def upload_remove(
    request: AuthenticatedHttpRequest, membership: Membership, upload: Upload
) -> None:
    name = selectors.upload_name(upload=upload)
    upload_delete(upload=upload, actor=request.user)  # deleting needs no consent
    messages.success(request, f"{name} and everything read from it are deleted.")


@subject_action()
def upload_again(request: AuthenticatedHttpRequest, membership: Membership, upload: Upload) -> None:
    upload_retry(upload=upload)


@subject_action()
def identity_new(request: AuthenticatedHttpRequest, membership: Membership) -> None:
    form = IdentityForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Please give a name, an email address or a username.")
        return
    identity_add(memorial_id=membership.memorial_id, actor=request.user, **form.cleaned_data)


@subject_action()
def identity_delete(
    request: AuthenticatedHttpRequest, membership: Membership, identity: SubjectIdentity
) -> None:
    identity_remove(identity=identity, actor=request.user)


@subject_action()
def correspondent_new(request: AuthenticatedHttpRequest, membership: Membership) -> None:
    form = CorrespondentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Please give who they are and where they belong.")
        return
    correspondent_add(memorial_id=membership.memorial_id, actor=request.user, **form.cleaned_data)


@subject_action()
def correspondent_delete(
    request: AuthenticatedHttpRequest, membership: Membership, correspondent: Correspondent
) -> None:
    correspondent_remove(correspondent=correspondent, actor=request.user)


@subject_page(methods=["GET"])
def document_list(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    register = request.GET.get("register", "")
    register = register if register in Register.values else ""
    page, rows = selectors.document_page(
        memorial_id=membership.memorial_id, page=_page_number(request), register=register
    )
    context = {
        "memorial": membership.memorial,
        "page": page,
        "rows": rows,
        "register": register,
        "registers": Register.choices,
        "saved": _uuid_or_none(request.GET.get("saved")),
        "deletions": selectors.deletion_list(memorial_id=membership.memorial_id),
    }
    return render(request, "corpus/documents.html", context)


@subject_page(methods=["POST"])
def document_register(
    request: AuthenticatedHttpRequest, membership: Membership, document: Document
) -> HttpResponse:
    """Saved, then back to the same place of the page the form was on (its anchor), where
    the document says it was saved: no jump to the top of a long list."""
    form = RegisterForm(request.POST)
    fallback = reverse("corpus:documents", args=[membership.memorial_id])
    back = _back(request, fallback).split("#")[0]
    if not form.is_valid():
        messages.error(request, "Please choose a part of your life.")
        return redirect(back)
    try:
        document_register_set(
            document=document, register=form.cleaned_data["register"], actor=request.user
        )
    except ConsentRequired as refusal:
        messages.error(request, refusal.to_subject)
        return redirect(back)
    return redirect(_with_query(back, saved=str(document.id)) + f"#document-{document.id}")


@subject_page(methods=["GET", "POST"])
def document_remove(
    request: AuthenticatedHttpRequest, membership: Membership, document: Document
) -> HttpResponse:
    if request.method == "POST":
        deletion = document_delete(document=document, actor=request.user)  # needs no consent
        messages.success(
            request,
            f"The document and its {_count(deletion.passages, 'passage')} are deleted. "
            f"You can put them back under “Recently deleted” until {_until(deletion)}.",
        )
        return redirect("corpus:documents", memorial_id=membership.memorial_id)
    title = selectors.document_title(document=document)
    context = {
        "memorial": membership.memorial,
        "document": document,
        "title": title,
        "label": document_label(kind=document.kind, source=document.source),
        "undo_for": _duration(undo_window()),
    }
    return render(request, "corpus/document_delete.html", context)


@subject_page(methods=["GET"])
def passage_list(request: AuthenticatedHttpRequest, membership: Membership) -> HttpResponse:
    """Browse newest first, or search (the same retrieval the twin uses); the filters hold
    either way, and a date jumps to where it falls."""
    memorial_id = membership.memorial_id
    form = PassageSearchForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    register = data.get("register") or ""
    since = _start_of(data.get("since"))
    until = _start_of(data.get("until"), next_day=True)
    context: dict[str, Any] = {
        "memorial": membership.memorial,
        "form": form,
        "page": None,
        "deletions": selectors.deletion_list(memorial_id=memorial_id),
        # Browsing needs none (they are the subject's own), but the page says it is missing.
        "consented": consent_is_granted(memorial_id=memorial_id, scope=ConsentScope.CORPUS),
    }
    document_id = _uuid_or_none(request.GET.get("document"))
    try:
        if data.get("q"):
            context["results"] = selectors.passage_search(
                memorial_id=memorial_id, query=data["q"], limit=20, register=register,
                since=since, until=until,
            )  # fmt: skip
        else:
            context["page"], context["rows"] = selectors.passage_page(
                memorial_id=memorial_id, page=_page_number(request), document_id=document_id,
                register=register, since=since, until=until,
                at=_start_of(data.get("at"), next_day=True),
            )  # fmt: skip
    except ConsentRequired as refusal:
        context["refusal"] = refusal
    context["document_id"] = document_id
    context["filtered"] = bool(register or since or until or document_id)
    return render(request, "corpus/passages.html", context)


@subject_action(back="corpus:passages", follow_next=True)
def passage_remove(
    request: AuthenticatedHttpRequest, membership: Membership, passage: Passage
) -> None:
    deletion = passage_delete(passage=passage, actor=request.user)  # deleting needs no consent
    messages.success(
        request,
        "The passage is deleted. You can put it back under “Recently deleted” until "
        f"{_until(deletion)}.",
    )


@subject_action(back="corpus:passages", follow_next=True)
def deletion_undo(
    request: AuthenticatedHttpRequest, membership: Membership, deletion: Deletion
) -> None:
    try:
        restored = deletion_restore(deletion=deletion, actor=request.user)
    except RestoreRefused as refusal:
        messages.error(request, str(refusal))
        return
    what = "The document" if deletion.document_row is not None else "The passage"
    messages.success(request, f"{what} is back, with {_count(restored, 'passage')}.")


def _count(number: int, word: str) -> str:
    """\"1 passage\", \"28,876 passages\"."""
    return f"{intcomma(number)} {word}{pluralize(number)}"


def _duration(span: dt.timedelta) -> str:
    """ "7 days", "1 day", "36 hours"."""
    hours = int(span.total_seconds() // 3600)
    return _count(hours // 24, "day") if hours % 24 == 0 else _count(hours, "hour")


def _until(deletion: Deletion) -> str:
    return date_format(timezone.localtime(deletion.created_at + undo_window()), "j F Y, H:i")


def _with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = QueryDict(parts.query, mutable=True)
    for key, value in params.items():
        query[key] = value
    return urlunsplit(parts._replace(query=query.urlencode()))


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


def _start_of(day: dt.date | None, *, next_day: bool = False) -> dt.datetime | None:
    if not day:
        return None
    moment = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
    return moment + dt.timedelta(days=1) if next_day else moment
