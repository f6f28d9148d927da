"""The firm's clients pages: adding a client, importing a roster, one client's status, and
the pages a client (or a would-be client) sees: the invitation and the firm's join link."""

from __future__ import annotations

import uuid

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.core import ratelimit
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from core.consent import ConsentScope
from firms.access import firm_client_get_for
from firms.branding import firm_brand
from firms.clients import (
    ClientError,
    client_create,
    client_invitation_accept,
    client_invitation_check,
    client_invitation_send,
    client_invitation_usable,
)
from firms.dashboard import plan_name_for
from firms.forms_clients import ClientAddForm, ClientImportForm, JoinForm
from firms.imports import (
    IMPORT_INLINE_ROWS,
    Fate,
    ImportFileError,
    import_apply,
    import_file_discard,
    import_file_read,
    import_file_save,
    import_plan,
    import_progress,
    import_progress_set,
)
from firms.models import Firm, FirmStaff
from firms.status import ACTIVATION_REQUESTED
from firms.tasks import firm_client_import
from firms.views_common import firm_view
from memorials.models import MemorialState

# The activation column in words (a memorial's state, or a request waiting for approval).
ACTIVATION_LABELS = {
    MemorialState.PRESERVING: "Not activated (the client is living and preserving)",
    MemorialState.SEALED: "Not activated (sealed by the client)",
    ACTIVATION_REQUESTED: "Activation requested, waiting for a second approval",
    MemorialState.ACTIVE: "Active: the family may visit",
    MemorialState.CLOSED: "Closed",
}


@firm_view()
@require_http_methods(["GET", "POST"])
def clients_add(request: HttpRequest, staff: FirmStaff) -> HttpResponse:
    form = ClientAddForm(request.POST or None, firm_id=staff.firm_id)
    if request.method == "POST" and form.is_valid():
        try:
            client = client_create(
                firm=staff.firm,
                actor=staff.user,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                advisor=form.cleaned_data["advisor"],
            )
        except ClientError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{client.name} is on the roster, invited by mail.")
            return redirect("firms:client", slug=staff.firm.slug, client_id=client.id)
    status = 400 if form.errors else 200
    return render(request, "firms/clients/add.html", {"staff": staff, "form": form}, status=status)


@firm_view()
@require_http_methods(["GET", "POST"])
def clients_import(request: HttpRequest, staff: FirmStaff) -> HttpResponse:
    """Choose a file (POST with `file`): the dry run. "Import" (POST with `import_id`):
    applied now, or in the background for a large file."""
    if request.method == "POST" and "import_id" in request.POST:
        return _import_apply(request, staff, import_id=request.POST["import_id"])
    form = ClientImportForm(request.POST or None, request.FILES or None)
    context: dict = {"staff": staff, "form": form}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        try:
            plan = import_plan(firm=staff.firm, data=data)
        except ImportFileError as error:
            form.add_error("file", str(error))
        else:
            import_id = import_file_save(firm=staff.firm, data=data) if plan.to_add else ""
            context.update(
                plan=plan,
                import_id=import_id,
                unchanged=plan.count(Fate.UNCHANGED),
                errors=plan.count(Fate.ERROR),
            )
    return render(request, "firms/clients/import.html", context, status=400 if form.errors else 200)


def _import_apply(request: HttpRequest, staff: FirmStaff, *, import_id: str) -> HttpResponse:
    firm = staff.firm
    try:
        data = import_file_read(firm=firm, import_id=import_id)
        if len(import_plan(firm=firm, data=data).to_add) > IMPORT_INLINE_ROWS:
            import_progress_set(import_id=import_id, done=0, total=0)
            firm_client_import.delay(
                firm_id=str(firm.id), actor_id=str(staff.user_id), import_id=import_id
            )
            return redirect("firms:clients_import_progress", slug=firm.slug, import_id=import_id)
        counts = import_apply(firm=firm, actor=staff.user, data=data)
        import_file_discard(firm=firm, import_id=import_id)
    except ImportFileError as error:
        messages.error(request, str(error))
        return redirect("firms:clients_import", slug=firm.slug)
    messages.success(request, _import_summary(counts))
    return redirect("firms:clients_import", slug=firm.slug)


def _import_summary(counts: dict[str, int]) -> str:
    return (
        f"Imported: {counts['added']:,} added and invited, {counts['unchanged']:,} already "
        f"clients (unchanged), {counts['errors']:,} rows with errors left out."
    )


@firm_view()
def clients_import_progress(request: HttpRequest, staff: FirmStaff, import_id: str) -> HttpResponse:
    progress = import_progress(import_id=import_id)
    if progress is None:
        messages.error(request, "That import is not known. Choose the file again.")
        return redirect("firms:clients_import", slug=staff.firm.slug)
    if request.GET.get("format") == "json":
        return JsonResponse({**progress, "finished": progress["result"] is not None})
    context = {
        "staff": staff,
        "import_id": import_id,
        "progress": progress,
        "summary": _import_summary(progress["result"]) if progress["result"] else "",
    }
    return render(request, "firms/clients/import_progress.html", context)


@firm_view()
def client_detail(request: HttpRequest, staff: FirmStaff, client_id: uuid.UUID) -> HttpResponse:
    """One client's status: counts and states only (firms.status), never their content."""
    client = firm_client_get_for(staff=staff, client_id=client_id)
    context = {
        "staff": staff,
        "client": client,
        "now": timezone.now(),
        "consent_labels": [
            ConsentScope(code).label for code in client.consents_signed if code in ConsentScope
        ],
        "activation_label": ACTIVATION_LABELS.get(client.activation_state, "—"),
        "plan_name": plan_name_for(code=client.plan_code),
    }
    return render(request, "firms/clients/detail.html", context)


@firm_view()
@require_POST
def client_invite(request: HttpRequest, staff: FirmStaff, client_id: uuid.UUID) -> HttpResponse:
    client = firm_client_get_for(staff=staff, client_id=client_id)
    try:
        client_invitation_send(client=client, actor=staff.user)
    except ClientError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"A new invitation is on its way to {client.email}.")
    return redirect("firms:client", slug=staff.firm.slug, client_id=client.id)


@require_http_methods(["GET", "POST"])
def firm_join(request: HttpRequest, slug: str) -> HttpResponse:
    """The firm's own join link: a person gives their name and address and is invited by
    mail under the firm (the mail proves the address). Rate limited per address and place."""
    firm = get_object_or_404(Firm, slug=slug, closed_at__isnull=True)
    form = JoinForm(request.POST or None)
    context = {"firm": firm, "brand": firm_brand(firm), "form": form}
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].lower()
        if not ratelimit.consume(request, action="firm_join", key=f"{firm.id}:{email}"):
            context["limited"] = True
            return render(request, "firms/clients/join.html", context, status=429)
        try:
            client = client_create(
                firm=firm, actor=None, name=form.cleaned_data["name"], email=email
            )
            expired = (
                client.invitation_expires_at is None
                or client.invitation_expires_at <= timezone.now()
            )
            if client.accepted_at is None and expired:  # a waiting link is not sent twice
                client_invitation_send(client=client, actor=None)
        except ClientError as error:
            form.add_error(None, str(error))
        else:
            # The same words whether or not they were already a client: the page tells a
            # stranger nothing about the firm's roster.
            return redirect(reverse("firms:join", kwargs={"slug": firm.slug}) + "?sent=1")
    context["sent"] = request.GET.get("sent") == "1" and request.method == "GET"
    return render(request, "firms/clients/join.html", context, status=400 if form.errors else 200)


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
        context["error"] = str(error)
        return render(request, "firms/clients/accept.html", context, status=400)
    return render(request, "firms/clients/accept.html", context)
