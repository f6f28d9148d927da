"""The firm's own pages: your firms, starting one, its settings and brand, its staff, the
staff invitation, and the public logo and brand colours its clients' pages and mail use."""

from __future__ import annotations

from allauth.account.adapter import get_adapter as get_account_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.selectors import signed_in_user
from firms.access import FirmPower
from firms.branding import firm_brand
from firms.forms import (
    FirmLogoForm,
    FirmNewForm,
    FirmSettingsForm,
    StaffInviteForm,
    StaffRoleForm,
)
from firms.models import FirmRole, FirmStaff
from firms.setup import (
    FirmSetupError,
    firm_create,
    firm_logo_bytes,
    firm_logo_remove,
    firm_logo_save,
    firm_public_get,
    firm_settings_update,
)
from firms.staff import (
    StaffError,
    firms_for_user,
    staff_invitation_accept,
    staff_invitation_check,
    staff_invitation_revoke,
    staff_invitation_usable,
    staff_invitations_pending,
    staff_invite,
    staff_list,
    staff_member_get,
    staff_remove,
    staff_role_change,
)
from firms.views_common import firm_view


@login_required
@require_GET
def firms_mine(request: HttpRequest) -> HttpResponse:
    memberships = firms_for_user(user=signed_in_user(user=request.user))
    return render(request, "firms/mine.html", {"memberships": memberships})


@login_required
@require_http_methods(["GET", "POST"])
def firm_new(request: HttpRequest) -> HttpResponse:
    form = FirmNewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            staff = firm_create(owner=signed_in_user(user=request.user), **form.cleaned_data)
        except FirmSetupError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(
                request,
                f"{staff.firm.name} is ready. Next: your brand, then invite your colleagues.",
            )
            return redirect("firms:settings", slug=staff.firm.slug)
    return render(request, "firms/new.html", {"form": form}, status=400 if form.errors else 200)


def _settings_initial(staff: FirmStaff) -> dict[str, str]:
    firm = staff.firm
    return {
        "name": firm.name,
        "contact_email": firm.contact_email,
        "contact_phone": firm.contact_phone,
        "website": firm.website,
        "sender_name": firm.sender_name,
        "brand_colour": firm.brand_colour or "#4f6344",
    }


@firm_view(FirmPower.SETTINGS)
@require_http_methods(["GET", "POST"])
def firm_settings(request: HttpRequest, staff: FirmStaff) -> HttpResponse:
    form = FirmSettingsForm(initial=_settings_initial(staff))
    logo_form = FirmLogoForm()
    if request.method == "POST":
        action = request.POST.get("action", "details")
        try:
            if action == "logo":
                logo_form = FirmLogoForm(request.POST, request.FILES)
                if logo_form.is_valid():
                    firm_logo_save(staff=staff, source=logo_form.cleaned_data["logo"])
                    messages.success(request, "The new logo is in place.")
                    return redirect("firms:settings", slug=staff.firm.slug)
            elif action == "logo_remove":
                firm_logo_remove(staff=staff)
                messages.success(request, "The logo was removed.")
                return redirect("firms:settings", slug=staff.firm.slug)
            else:
                form = FirmSettingsForm(request.POST)
                if form.is_valid():
                    changed = firm_settings_update(staff=staff, changes=form.cleaned_data)
                    messages.success(
                        request,
                        "Saved." if changed else "Nothing had changed, so nothing was saved.",
                    )
                    return redirect("firms:settings", slug=staff.firm.slug)
        except FirmSetupError as error:
            (logo_form if action == "logo" else form).add_error(None, str(error))
    context = {
        "staff": staff,
        "form": form,
        "logo_form": logo_form,
        "brand": firm_brand(staff.firm),
        "join_url": request.build_absolute_uri(f"/f/{staff.firm.slug}/join"),
    }
    status = 400 if form.errors or logo_form.errors else 200
    return render(request, "firms/settings.html", context, status=status)


@firm_view(FirmPower.STAFF)
@require_http_methods(["GET", "POST"])
def firm_staff(request: HttpRequest, staff: FirmStaff) -> HttpResponse:
    form = StaffInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = staff_invite(
                staff=staff,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                base_url=request.build_absolute_uri("/"),
            )
        except StaffError as error:
            form.add_error("email", str(error))
        else:
            messages.success(request, f"An invitation is on its way to {invitation.email}.")
            return redirect("firms:staff", slug=staff.firm.slug)
    context = {
        "staff": staff,
        "form": form,
        "members": staff_list(firm=staff.firm),
        "pending": staff_invitations_pending(firm=staff.firm),
        "role_form": StaffRoleForm(),
        "is_owner": staff.role == FirmRole.OWNER,
    }
    return render(request, "firms/staff.html", context, status=400 if form.errors else 200)


@firm_view(FirmPower.STAFF)
@require_POST
def firm_staff_invitation_revoke(
    request: HttpRequest, staff: FirmStaff, invitation_id: str
) -> HttpResponse:
    try:
        invitation = staff_invitation_revoke(staff=staff, invitation_id=invitation_id)
    except StaffError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"The invitation to {invitation.email} was withdrawn.")
    return redirect("firms:staff", slug=staff.firm.slug)


@firm_view(FirmPower.STAFF)
@require_POST
def firm_staff_role(request: HttpRequest, staff: FirmStaff, member_id: int) -> HttpResponse:
    form = StaffRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Please choose owner, advisor or assistant.")
        return redirect("firms:staff", slug=staff.firm.slug)
    try:
        member = staff_role_change(staff=staff, member_id=member_id, role=form.cleaned_data["role"])
    except StaffError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"{member.user.email} is now {FirmRole(member.role).label.lower()}."
        )
    return redirect("firms:staff", slug=staff.firm.slug)


@firm_view(FirmPower.STAFF)
@require_http_methods(["GET", "POST"])
def firm_staff_remove(request: HttpRequest, staff: FirmStaff, member_id: int) -> HttpResponse:
    """Asks first: removing someone takes away everything they could do, at once."""
    member = staff_member_get(staff=staff, member_id=member_id)
    if member is None:
        raise Http404
    if request.method == "POST":
        try:
            staff_remove(staff=staff, member_id=member_id)
        except StaffError as error:
            messages.error(request, str(error))
            return redirect("firms:staff", slug=staff.firm.slug)
        messages.success(request, f"{member.user.email} is no longer on the staff.")
        if member.pk == staff.pk:
            return redirect("firms:mine")
        return redirect("firms:staff", slug=staff.firm.slug)
    context = {"staff": staff, "member": member, "is_self": member.pk == staff.pk}
    return render(request, "firms/staff_remove.html", context)


@require_http_methods(["GET", "POST"])
def firm_staff_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Anyone with the link sees which firm invites them and as what; joining needs an
    account with the invited address (the link proves it, as for family invitations)."""
    try:
        invitation = staff_invitation_usable(token=token)
    except StaffError as error:
        return render(request, "firms/staff_accept.html", {"error": str(error)}, status=400)
    context = {"invitation": invitation, "firm": invitation.firm}
    if not request.user.is_authenticated:
        get_account_adapter(request).stash_verified_email(request, invitation.email)
        return render(request, "firms/staff_accept.html", {**context, "anonymous": True})
    user = signed_in_user(user=request.user)
    try:
        staff_invitation_check(token=token, user=user)
        if request.method == "POST":
            joined = staff_invitation_accept(token=token, user=user)
            messages.success(request, f"Welcome to {joined.firm.name}.")
            return redirect("firms:mine")
    except StaffError as error:
        return render(
            request, "firms/staff_accept.html", {**context, "error": str(error)}, status=400
        )
    return render(request, "firms/staff_accept.html", context)


@require_GET
@cache_control(public=True, max_age=300)
def firm_logo(request: HttpRequest, slug: str) -> HttpResponse:
    """The firm's logo, public (it appears in mail and on clients' pages): a PNG Legacy made."""
    firm = firm_public_get(slug=slug)
    if firm is None or not firm.brand_logo_path:
        raise Http404
    response = HttpResponse(firm_logo_bytes(firm=firm), content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@cache_control(public=True, max_age=300)
def firm_brand_css(request: HttpRequest, slug: str) -> HttpResponse:
    """The firm's colour as a stylesheet (the pages allow no inline styles)."""
    firm = firm_public_get(slug=slug)
    if firm is None:
        raise Http404
    colour = firm.brand_colour or "#4f6344"  # validated "#rrggbb" (firms.setup)
    css = f".firm-brand {{ --firm-colour: {colour}; }}\n"
    return HttpResponse(css, content_type="text/css")
