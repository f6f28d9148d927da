"""Deleting one's own account. The account itself is accounts' (accounts.services
.account_close); it lives here because a subject's account cannot go before their memorials
do: the kill switch is pulled on every memorial they are the subject of, first, each leaving
its tombstone and signed certificate, and the page says so before anything is done.

The page is open to anyone signed in; the deletion (a POST) comes only after allauth
re-authentication (password, or a two-factor code), as the kill switch does."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

from allauth.account.decorators import reauthentication_required
from django import forms
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from accounts.models import User
from accounts.selectors import signed_in_user
from accounts.services import account_close
from memorials.erasure.services import erasure_certificate_document, memorial_erase
from memorials.models import ErasureCertificate, Membership, Memorial, MemorialState, Role

ERASE_REASON = "kill switch pulled by the subject, deleting their account"


@dataclass(frozen=True)
class AccountEnding:
    """What deleting this account would do: the memorials erased through the kill switch
    (they are its subject), and the memberships that end (steward or family)."""

    memorials_erased: list[Memorial]
    memberships_ending: list[Membership]


def account_ending(*, user: User) -> AccountEnding:
    memorials = list(
        Memorial.objects.filter(subject=user)
        .exclude(state=MemorialState.ERASED)
        .order_by("created_at")
    )
    memberships = list(
        Membership.objects.filter(user=user)
        .exclude(role=Role.SUBJECT)
        .exclude(memorial__state=MemorialState.ERASED)
        .select_related("memorial")
        .order_by("created_at")
    )
    return AccountEnding(memorials_erased=memorials, memberships_ending=memberships)


def account_delete(*, user: User) -> list[ErasureCertificate]:
    """Pull the kill switch on every memorial `user` is the subject of, then close their
    account (accounts.services.account_close: deleted, or emptied when a tombstone must keep
    pointing at it). Returns the certificates of the memorials erased now."""
    certificates = [
        memorial_erase(memorial=memorial, actor=user, reason=ERASE_REASON)
        for memorial in account_ending(user=user).memorials_erased
    ]
    account_close(user=user)
    return certificates


class AccountDeleteForm(forms.Form):
    understood = forms.BooleanField(
        label="I understand that this cannot be undone.",
        error_messages={"required": "Please tick the box to say you understand."},
    )


def _certificate_link(certificate: ErasureCertificate) -> str:
    """The certificate as a link the page can offer for download after the account (and so
    the way to download it from the site) is gone."""
    document = json.dumps(erasure_certificate_document(certificate=certificate), indent=2)
    return "data:application/json;base64," + base64.b64encode(document.encode()).decode()


@login_required
@reauthentication_required(allow_get=True)
@require_http_methods(["GET", "POST"])
def account_delete_page(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(user=request.user)
    form = AccountDeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        certificates = account_delete(user=user)
        logout(request)
        downloads = [
            {"certificate": certificate, "href": _certificate_link(certificate)}
            for certificate in certificates
        ]
        return render(request, "account/deleted.html", {"downloads": downloads})
    context = {"form": form, "ending": account_ending(user=user)}
    status = 400 if request.method == "POST" else 200
    return render(request, "account/delete.html", context, status=status)
