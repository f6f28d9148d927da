"""Consent and audit pages. Each view fetches through `memorial_get_for` and calls a
service; signing and withdrawing are the subject's alone."""

from __future__ import annotations

import uuid

from allauth.account.decorators import reauthentication_required
from allauth.core.exceptions import ReauthenticationRequired
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import AuthenticatedHttpRequest
from accounts.reauthentication import reauthentication_method
from consent.forms import AuditFilterForm, ConsentSignForm
from consent.selectors import (
    AuditFilter,
    audit_actors_for,
    audit_page_for,
    consent_document_get,
    consent_document_latest,
    consent_overview_for,
    consent_record_live,
)
from consent.services import ConsentDocumentChanged, ConsentError, consent_revoke, consent_sign
from core.audit_labels import KINDS as AUDIT_KINDS
from core.consent import ConsentScope
from memorials.models import Role
from memorials.selectors import memorial_get_for

READERS = [Role.SUBJECT, Role.STEWARD]  # who may see consents and the audit log


def _scope_or_404(scope: str) -> ConsentScope:
    if scope not in ConsentScope.values:
        raise Http404("No such consent.")
    return ConsentScope(scope)


def _overview_url(memorial_id: uuid.UUID) -> str:
    return reverse("consent:overview", kwargs={"memorial_id": memorial_id})


@login_required
@require_GET
def consent_overview(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=READERS)
    context = {
        "memorial": membership.memorial,
        "is_subject": membership.role == Role.SUBJECT,
        "standings": consent_overview_for(memorial_id=memorial_id),
    }
    return render(request, "consent/overview.html", context)


@login_required
@reauthentication_required(allow_get=True)
@require_http_methods(["GET", "POST"])
def consent_sign_page(
    request: AuthenticatedHttpRequest, memorial_id: uuid.UUID, scope: str
) -> HttpResponse:
    """The text, then the signature. The POST that signs comes only after allauth's
    re-authentication (password, emailed code or two-factor code; a recent one counts), which
    keeps the POST and replays it here once the person has confirmed it is them."""
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=[Role.SUBJECT])
    memorial, scope = membership.memorial, _scope_or_404(scope)
    document = consent_document_latest(scope=scope)
    initial = {"document_sha256": document.sha256}
    form = ConsentSignForm(request.POST or None, initial=initial, expected_name=memorial.name)
    if request.method == "POST" and form.is_valid():
        method = reauthentication_method(request=request)
        if method is None:  # the decorator lets no POST through without one
            raise ReauthenticationRequired()
        try:
            consent_sign(
                user=request.user,
                memorial_id=memorial.id,
                scope=scope,
                document_sha256=form.cleaned_data["document_sha256"],
                typed_name=form.cleaned_data["typed_name"],
                method=method,
                ip_address=request.META.get("REMOTE_ADDR"),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
        except ConsentDocumentChanged as error:
            messages.warning(request, str(error))
            form = ConsentSignForm(initial=initial, expected_name=memorial.name)
        except ConsentError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, f"Thank you. Your consent for “{scope.label.lower()}” is signed."
            )
            return redirect(_overview_url(memorial.id))
    context = {
        "memorial": memorial,
        "scope": scope,
        "document": document,
        "live": consent_record_live(memorial_id=memorial.id, scope=scope),
        "form": form,
    }
    return render(request, "consent/sign.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def consent_revoke_page(
    request: AuthenticatedHttpRequest, memorial_id: uuid.UUID, scope: str
) -> HttpResponse:
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=[Role.SUBJECT])
    memorial, scope = membership.memorial, _scope_or_404(scope)
    live = consent_record_live(memorial_id=memorial.id, scope=scope)
    if live is None:
        messages.info(request, f"There is no consent for “{scope.label.lower()}” to withdraw.")
        return redirect(_overview_url(memorial.id))
    if request.method == "POST":
        try:
            consent_revoke(user=request.user, memorial_id=memorial.id, scope=scope)
        except ConsentError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                f"Your consent for “{scope.label.lower()}” is withdrawn, as of now. "
                "You can sign it again here whenever you wish.",
            )
        return redirect(_overview_url(memorial.id))
    return render(
        request, "consent/revoke.html", {"memorial": memorial, "scope": scope, "live": live}
    )


@login_required
@require_GET
def consent_document_page(
    request: HttpRequest, memorial_id: uuid.UUID, scope: str, version: int
) -> HttpResponse:
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=READERS)
    document = consent_document_get(scope=_scope_or_404(scope), version=version)
    if document is None:
        raise Http404("No such version.")
    return render(
        request, "consent/document.html", {"memorial": membership.memorial, "document": document}
    )


@login_required
@require_GET
def audit_log_page(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=READERS)
    form = AuditFilterForm(
        request.GET or None,
        kinds=[(kind.key, kind.label) for kind in AUDIT_KINDS],
        people=[(a.key, a.label) for a in audit_actors_for(memorial_id=memorial_id)],
    )
    narrow = AuditFilter()
    if form.is_bound and form.is_valid():
        narrow = AuditFilter(**form.cleaned_data)
    page, entries = audit_page_for(
        memorial_id=memorial_id, narrow=narrow, page=request.GET.get("page", 1)
    )
    context = {
        "memorial": membership.memorial,
        "form": form,
        "page": page,
        "entries": entries,
        "filtered": narrow != AuditFilter(),
    }
    return render(request, "consent/audit.html", context)
