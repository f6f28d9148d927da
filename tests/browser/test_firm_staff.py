"""An owner, in a real browser, starts a firm (setting up two-factor on the way), gives it a
brand, invites an advisor and an assistant, and each of them joins from the mailed link.
With LEGACY_SHOTS_DIR set, each firm page is kept there at phone and desktop sizes."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from PIL import Image

from firms.models import Firm, FirmRole, FirmStaff
from tests.accounts.factories import PASSWORD, UserFactory, totp_code_now
from tests.browser.conftest import DESKTOP, PHONE
from tests.firms.factories import client_make, firm_make, staff_make

SHOTS = os.environ.get("LEGACY_SHOTS_DIR", "")


def shoot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    if not SHOTS:
        return
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        page.screenshot(path=f"{SHOTS}/{name}-{size['width']}x{size['height']}.png", full_page=True)
    page.set_viewport_size(PHONE)


def sign_in(page, base: str, email: str, next_path: str = "") -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/accounts/login/" + (f"?next={next_path}" if next_path else ""))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def sign_out(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name="Sign out").click()


def two_factor_set_up(page) -> None:  # type: ignore[no-untyped-def]
    """On the way to a firm page: confirm the password if asked, set up an authenticator with
    a code from its secret, and follow the way back."""
    if "/reauthenticate/" in page.url:
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/2fa/totp/activate/**")
    secret = page.locator("#authenticator_secret").input_value()
    code = totp_code_now(secret)
    page.locator("input[name=code]").fill(code)
    page.locator("input[name=code]").press("Enter")
    page.get_by_role("link", name="Carry on where you were").click()


def link_for(email: str) -> str:
    sent = [m for m in mail.outbox if m.to == [email]][-1]
    match = re.search(r"/firms/invitations/\S+/", sent.body)
    assert match, sent.body
    return match.group(0)


def test_an_owner_starts_a_firm_and_invites_an_advisor_and_an_assistant(
    page, live_server, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    base = live_server.url
    owner = UserFactory(email="olive@hartvale.example", full_name="Olive Hart")
    advisor = UserFactory(email="ann@hartvale.example", full_name="Ann Vale")
    UserFactory(email="sam@hartvale.example", full_name="Sam Reed")

    # given the owner, signed in, starting a firm from the memorial list
    sign_in(page, base, owner.email)
    page.goto(base + "/memorials/")
    page.get_by_role("link", name="Start a firm").click()
    shoot(page, "firm-new")
    page.get_by_label("The firm's name").fill("Hart & Vale Estate Planning")
    page.get_by_label("Its web address").fill("hart-vale")
    page.get_by_role("button", name="Start the firm").click()

    # then the firm's pages first ask for two-factor, and come back once it is set up
    two_factor_set_up(page)
    page.wait_for_url("**/firms/hart-vale/settings/")

    # when the owner gives the firm its colour and logo
    page.get_by_label("Brand colour").fill("#2f5d62")
    page.get_by_role("button", name="Save").click()
    logo = tmp_path / "logo.png"
    image = Image.new("RGB", (480, 160), (47, 93, 98))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    logo.write_bytes(buffer.getvalue())
    page.get_by_label("Logo").set_input_files(str(logo))
    page.get_by_role("button", name="Upload the logo").click()
    page.get_by_text("The new logo is in place.").wait_for()
    shoot(page, "firm-settings")
    firm = Firm.objects.get(slug="hart-vale")
    assert firm.brand_colour == "#2f5d62" and firm.brand_logo_path

    # and invites an advisor and an assistant
    page.get_by_role("link", name="Staff").click()
    for email, role in (("ann@hartvale.example", "Advisor"), ("sam@hartvale.example", "Assistant")):
        page.get_by_label("Their email address").fill(email)
        page.locator("#id_role").select_option(role.lower())
        page.get_by_role("button", name="Send the invitation").click()
        page.get_by_text(f"An invitation is on its way to {email}.").wait_for()
    shoot(page, "firm-staff")
    sign_out(page)

    # then each opens their link, signs in with the invited address and joins
    for email in ("ann@hartvale.example", "sam@hartvale.example"):
        link = link_for(email)
        page.goto(base + link)
        page.get_by_text("Hart & Vale Estate Planning has invited you").wait_for()
        if email.startswith("ann"):
            shoot(page, "firm-staff-accept")
        page.get_by_role("link", name="I already have an account").click()
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign In").click()
        page.get_by_role("button", name="Join Hart & Vale Estate Planning").click()
        page.get_by_text("Welcome to Hart & Vale Estate Planning.").wait_for()
        if email.startswith("ann"):
            shoot(page, "firm-mine")
        sign_out(page)
    roles = dict(FirmStaff.objects.filter(firm=firm).values_list("user__email", "role"))
    assert roles == {
        "olive@hartvale.example": FirmRole.OWNER,
        "ann@hartvale.example": FirmRole.ADVISOR,
        "sam@hartvale.example": FirmRole.ASSISTANT,
    }
    assert advisor.pk in FirmStaff.objects.filter(firm=firm).values_list("user_id", flat=True)

    # and a client of the firm sees its brand beside Legacy's on their own memorial
    client = client_make(firm=firm, joined=True)
    client.user.set_password(PASSWORD)
    client.user.save()
    sign_in(page, base, client.user.email)
    page.goto(base + client.memorial.get_absolute_url())
    page.get_by_role("img", name="Hart & Vale Estate Planning").wait_for()
    shoot(page, "firm-client-memorial")


def test_an_owner_is_asked_before_removing_someone(page, live_server, settings):
    base = live_server.url
    secret = generate_totp_secret()
    owner_user = UserFactory(email="olive@hartvale.example")
    TOTP.activate(owner_user, secret)
    firm = firm_make(name="Hart & Vale Estate Planning")
    staff_make(firm=firm, role=FirmRole.OWNER, user=owner_user)
    sam = staff_make(firm=firm, role=FirmRole.ASSISTANT, user=UserFactory(full_name="Sam Reed"))
    # given the owner, signed in with their password and a code from their app
    sign_in(page, base, owner_user.email)
    code = totp_code_now(secret)
    page.locator("input[name=code]").fill(code)
    page.locator("input[name=code]").press("Enter")
    page.wait_for_url(lambda url: "/2fa/" not in url)
    # when they choose to remove Sam, they are asked first, and keeping Sam changes nothing
    page.goto(base + f"/firms/{firm.slug}/staff/")
    page.locator("li", has_text="Sam Reed").get_by_role("link", name="Remove…").click()
    page.get_by_role("heading", name="Remove Sam Reed?").wait_for()
    shoot(page, "firm-staff-remove")
    page.get_by_role("link", name="Keep them").click()
    assert FirmStaff.objects.get(pk=sam.pk).removed_at is None
    # then removing them takes them off the list
    page.locator("li", has_text="Sam Reed").get_by_role("link", name="Remove…").click()
    page.get_by_role("button", name="Remove them").click()
    page.get_by_text(f"{sam.user.email} is no longer on the staff.").wait_for()
    assert FirmStaff.objects.get(pk=sam.pk).removed_at is not None
