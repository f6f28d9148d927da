"""Memorial pages. Each view fetches through `memorial_get_for` and calls a service."""

from __future__ import annotations

import uuid

from allauth.account.adapter import get_adapter as get_account_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.selectors import signed_in_user
from memorials.activation.selectors import activation_pending_get
from memorials.erasure.selectors import erasure_certificate_list_for, steward_may_erase
from memorials.forms import AgeGroupForm, InvitationForm, MemorialCreateForm
from memorials.lifecycle import InvalidTransition
from memorials.models import Invitation, Membership, MemorialState, Role
from memorials.onboarding import onboarding_for
from memorials.panels import memorial_panels
from memorials.selectors import (
    invitation_list_pending,
    invitation_words,
    membership_list,
    memorial_get_for,
    memorial_list_for_user,
)
from memorials.services import (
    InvitationError,
    MembershipError,
    invitation_accept,
    invitation_check,
    invitation_create,
    invitation_resend,
    invitation_revoke,
    invitation_usable,
    membership_remove,
    memorial_create,
    memorial_transition,
)

# What the subject may do to their own memorial's state from its page. Activation,
# closing and erasure have their own flows (stewards, death certificates, the kill switch).
SUBJECT_STATE_ACTIONS = {"seal": MemorialState.SEALED, "reopen": MemorialState.PRESERVING}


@login_required
@require_GET
def memorial_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(user=request.user)
    context = {
        "memberships": memorial_list_for_user(user=user),
        # A tombstone line for each memorial they erased: its certificate, to download again.
        "erased": erasure_certificate_list_for(user=user),
    }
    return render(request, "memorials/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def memorial_new(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(user=request.user)
    form = MemorialCreateForm(request.POST or None, initial={"name": user.full_name})
    if request.method == "POST" and form.is_valid():
        memorial = memorial_create(subject=user, name=form.cleaned_data["name"])
        messages.success(request, "Your Legacy is started. Take your time with it.")
        return redirect(memorial)
    return render(request, "memorials/new.html", {"form": form})


@login_required
@require_GET
def memorial_detail(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id)
    is_subject = membership.role == Role.SUBJECT
    context = {
        "membership": membership,
        "memorial": membership.memorial,
        "is_subject": is_subject,
        "members": (
            membership_list(memorial_id=memorial_id)
            if membership.role in (Role.SUBJECT, Role.STEWARD)
            else None
        ),
        "invitations": invitation_list_pending(memorial_id=memorial_id) if is_subject else None,
        "invitation_form": (
            InvitationForm.with_role(request.GET.get("role")) if is_subject else None
        ),
        # The subject, alive, must see an activation waiting, with the way to cancel it.
        "pending_activation": (
            activation_pending_get(memorial_id=memorial_id)
            if membership.role in (Role.SUBJECT, Role.STEWARD)
            else None
        ),
        "is_steward": membership.role == Role.STEWARD,
        "now": timezone.now(),  # whether a waiting activation's notice period still runs
        "panels": memorial_panels(membership=membership),
        "onboarding": onboarding_for(membership=membership),
        "steward_may_erase": (
            membership.role == Role.STEWARD and steward_may_erase(memorial=membership.memorial)
        ),
    }
    return render(request, "memorials/detail.html", context)


@login_required
@require_POST
def memorial_state(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=[Role.SUBJECT])
    target = SUBJECT_STATE_ACTIONS.get(request.POST.get("action", ""))
    if target is None:
        messages.error(request, "That is not something this page can do.")
    else:
        try:
            memorial_transition(memorial=membership.memorial, to=target, actor=membership.user)
            messages.success(request, f"Your memorial is now {target.label.lower()}.")
        except InvalidTransition as error:
            messages.error(request, str(error))
    return redirect(membership.memorial)


@login_required
@require_POST
def invitation_new(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=[Role.SUBJECT])
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation = invitation_create(
                memorial=membership.memorial,
                invited_by=membership.user,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                base_url=request.build_absolute_uri("/"),
            )
            messages.success(request, f"An invitation is on its way to {invitation.email}.")
        except InvitationError as error:
            messages.error(request, str(error))
    else:
        messages.error(request, "Please give a valid email address and a role.")
    return redirect(membership.memorial)


@login_required
@require_POST
def invitation_cancel(
    request: HttpRequest, memorial_id: uuid.UUID, invitation_id: uuid.UUID
) -> HttpResponse:
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=[Role.SUBJECT])
    invitation = get_object_or_404(
        Invitation, pk=invitation_id, memorial=membership.memorial, accepted_at__isnull=True
    )
    invitation_revoke(invitation=invitation, actor=membership.user)
    messages.success(request, f"The invitation to {invitation.email} is withdrawn.")
    return redirect(membership.memorial)


@login_required
@require_POST
def invitation_send_again(
    request: HttpRequest, memorial_id: uuid.UUID, invitation_id: uuid.UUID
) -> HttpResponse:
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=[Role.SUBJECT])
    invitation = get_object_or_404(Invitation, pk=invitation_id, memorial=membership.memorial)
    try:
        invitation_resend(
            invitation=invitation, base_url=request.build_absolute_uri("/"), actor=membership.user
        )
        messages.success(request, f"A new invitation is on its way to {invitation.email}.")
    except InvitationError as error:
        messages.error(request, str(error))
    return redirect(membership.memorial)


@login_required
@require_http_methods(["GET", "POST"])
def membership_remove_view(
    request: HttpRequest, memorial_id: uuid.UUID, user_id: uuid.UUID
) -> HttpResponse:
    """The subject asks to remove a steward or family member (GET), then confirms (POST)."""
    own = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=[Role.SUBJECT])
    member = get_object_or_404(
        Membership.objects.select_related("user"),
        user_id=user_id,
        memorial=own.memorial,
        role__in=[Role.STEWARD, Role.FAMILY],
    )
    if request.method == "POST":
        try:
            membership_remove(memorial=own.memorial, membership=member, actor=own.user)
            messages.success(request, f"{member.user} is no longer part of your memorial.")
        except MembershipError as error:
            messages.error(request, str(error))
        return redirect(own.memorial)
    context = {"memorial": own.memorial, "member": member}
    return render(request, "memorials/membership_remove.html", context)


@require_http_methods(["GET", "POST"])
def invitation_show(request: HttpRequest, token: str) -> HttpResponse:
    """Anyone with the link sees who invited them and what it means; accepting needs an
    account with the invited address. The link itself proves that address (it was mailed
    there), so an account made with it after opening the link needs no second confirmation
    (allauth's stashed verified email)."""
    try:
        invitation = invitation_usable(token=token)
    except InvitationError as error:
        return render(request, "memorials/invitation.html", {"error": str(error)}, status=400)
    words = invitation_words(invitation=invitation)
    if not request.user.is_authenticated:
        get_account_adapter(request).stash_verified_email(request, invitation.email)
        context = {"anonymous": True, "invitation": invitation, "words": words}
        return render(request, "memorials/invitation.html", context)
    form = AgeGroupForm(request.POST if request.method == "POST" else None)
    try:
        invitation = invitation_check(token=token, user=request.user)
        if request.method == "POST" and form.is_valid():
            membership = invitation_accept(
                token=token, user=request.user, age_group=form.cleaned_data["age_group"]
            )
            messages.success(
                request,
                f"Welcome. {words.who} invited you as "
                f"{'a steward' if membership.role == Role.STEWARD else 'family'}: "
                "here is what you can do now.",
            )
            if membership.role == Role.STEWARD:  # a steward takes their activation key now
                return redirect("memorials:activation_key", memorial_id=membership.memorial_id)
            return redirect(membership.memorial)
    except InvitationError as error:
        context = {"error": str(error), "invitation": invitation, "words": words}
        return render(request, "memorials/invitation.html", context, status=400)
    context = {"invitation": invitation, "form": form, "words": words}
    return render(request, "memorials/invitation.html", context, status=400 if form.errors else 200)
