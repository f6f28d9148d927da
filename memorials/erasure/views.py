"""The subject's data rights: the kill switch (erasure) and the export.

The export holds everything decrypted, so its page and its download come only after allauth
re-authentication (password, or a two-factor code), as the kill switch does.

Kill switch, in three steps: a page that says what will be erased (counts per kind, from the
holders) and asks for the memorial's name; then re-authentication (allauth: password, or a
two-factor code) before any POST is acted on, after which the final confirmation; then the
erasure and its completion page, with the signed certificate to download.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from allauth.account.decorators import reauthentication_required
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from memorials.erasure.forms import ErasureConfirmForm, ErasureNameForm
from memorials.erasure.selectors import (
    erasure_certificate_get_for,
    erasure_inventory,
    erasure_membership_for,
)
from memorials.erasure.services import erasure_certificate_document, memorial_erase
from memorials.export import memorial_export_build
from memorials.models import Membership, Role
from memorials.selectors import memorial_get_for


@login_required
@reauthentication_required(allow_get=True)
@require_http_methods(["GET", "POST"])
def erasure_start(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    membership = erasure_membership_for(user=request.user, memorial_id=memorial_id)
    memorial = membership.memorial
    form = ErasureNameForm(request.POST or None, memorial_name=memorial.name)
    if request.method == "POST" and form.is_valid():
        confirm = ErasureConfirmForm(
            initial={"typed_name": form.cleaned_data["typed_name"]}, memorial_name=memorial.name
        )
        return render(
            request, "memorials/erasure/confirm.html", {"memorial": memorial, "form": confirm}
        )
    context = {
        "memorial": memorial,
        "membership": membership,
        "inventory": erasure_inventory(memorial_id=memorial.id),
        "form": form,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "memorials/erasure/start.html", context, status=status)


@login_required
@reauthentication_required
@require_POST
def erasure_confirm(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    membership = erasure_membership_for(user=request.user, memorial_id=memorial_id)
    form = ErasureConfirmForm(request.POST, memorial_name=membership.memorial.name)
    if not form.is_valid():
        context = {"memorial": membership.memorial, "form": form}
        return render(request, "memorials/erasure/confirm.html", context, status=400)
    certificate = memorial_erase(
        memorial=membership.memorial,
        actor=membership.user,
        reason=f"kill switch pulled by the {membership.get_role_display().lower()}",
    )
    return redirect("rights:erased", certificate_id=certificate.id)


@login_required
@require_GET
def erasure_done(request: HttpRequest, certificate_id: uuid.UUID) -> HttpResponse:
    certificate = erasure_certificate_get_for(user=request.user, certificate_id=certificate_id)
    body = certificate.body
    times = {
        key: datetime.fromisoformat(body[key])
        for key in ("requested_at", "key_destroyed_at", "completed_at")
    }
    return render(
        request,
        "memorials/erasure/done.html",
        {"certificate": certificate, "body": body, "times": times},
    )


@login_required
@require_GET
def erasure_certificate_download(request: HttpRequest, certificate_id: uuid.UUID) -> HttpResponse:
    certificate = erasure_certificate_get_for(user=request.user, certificate_id=certificate_id)
    document = erasure_certificate_document(certificate=certificate)
    response = HttpResponse(
        json.dumps(document, indent=2, ensure_ascii=False), content_type="application/json"
    )
    filename = f"legacy-erasure-certificate-{certificate.id}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def export_page(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=[Role.SUBJECT])
    return _export_page(request, membership=membership)


@reauthentication_required
def _export_page(request: HttpRequest, *, membership: Membership) -> HttpResponse:
    context = {
        "memorial": membership.memorial,
        "inventory": erasure_inventory(memorial_id=membership.memorial.id),
    }
    return render(request, "memorials/export.html", context)


@login_required
@require_POST
def export_download(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=[Role.SUBJECT])
    return _export_download(request, membership=membership)


@reauthentication_required
def _export_download(request: HttpRequest, *, membership: Membership) -> FileResponse:
    """Strangers get 404 above; the subject confirms it is them before the zip is built."""
    archive = memorial_export_build(memorial=membership.memorial, user=membership.user)
    filename = f"legacy-export-{timezone.now():%Y-%m-%d}.zip"
    return FileResponse(
        archive, as_attachment=True, filename=filename, content_type="application/zip"
    )
