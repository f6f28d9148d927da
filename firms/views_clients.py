"""The firm's clients pages: adding a client, importing a roster, one client's status, and
the pages a client (or a would-be client) sees: the invitation and the firm's join link."""

from __future__ import annotations

from allauth.account.adapter import get_adapter as get_account_adapter
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from firms.branding import firm_brand
from firms.clients import (
    ClientError,
    client_invitation_accept,
    client_invitation_check,
    client_invitation_usable,
)


@require_http_methods(["GET", "POST"])
def client_accept(request: HttpRequest, token: str) -> HttpResponse:
    """A client's invitation from their firm. Anyone with the link sees which firm invited
    them; accepting needs an account with the invited address (the link, mailed there,
    proves it, as for family invitations). Accepting makes their own memorial."""
    try:
        client = client_invitation_usable(token=token)
    except ClientError as error:
        return render(request, "firms/clients/accept.html", {"error": str(error)}, status=400)
    context = {"client": client, "firm": client.firm, "brand": firm_brand(client.firm)}
    if not request.user.is_authenticated:
        get_account_adapter(request).stash_verified_email(request, client.email)
        return render(request, "firms/clients/accept.html", {**context, "anonymous": True})
    try:
        client_invitation_check(token=token, user=request.user)  # type: ignore[arg-type]
        if request.method == "POST":
            client = client_invitation_accept(token=token, user=request.user)  # type: ignore[arg-type]
            messages.success(
                request,
                f"Welcome. This is your own memorial, with {client.firm.name} beside you. "
                "Nothing is kept until you sign the consents: start there.",
            )
            return redirect("consent:overview", memorial_id=client.memorial_id)
    except ClientError as error:
        return render(
            request, "firms/clients/accept.html", {**context, "error": str(error)}, status=400
        )
    return render(request, "firms/clients/accept.html", context)
