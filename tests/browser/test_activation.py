"""A steward, in a real phone-sized browser: takes their key once, later asks to activate."""

from __future__ import annotations

import re

from memorials.models import ActivationRequest, ActivationStatus, Role
from tests.accounts.factories import PASSWORD
from tests.memorials.factories import MembershipFactory, MemorialFactory


def test_a_steward_takes_the_key_once_and_asks_to_activate(page, live_server, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    memorial = MemorialFactory(name="Ada Lovelace")
    steward = MembershipFactory(memorial=memorial, role=Role.STEWARD).user
    # given the steward, signed in
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(steward.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.goto(live_server.url + memorial.get_absolute_url())
    # when they take their key
    page.get_by_role("link", name="Your activation key").click()
    page.get_by_role("button", name="Show my key now").click()
    key = page.locator("[data-activation-key]").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{5}(-[0-9A-Z]{5}){4}", key)
    page.get_by_role("link", name="I have kept it safe").click()
    # then, later, they ask to activate with it and the certificate
    page.get_by_role("link", name="Activation after a death").click()
    page.get_by_label("Your activation key").fill(key)
    certificate = tmp_path / "certificate.pdf"
    certificate.write_bytes(b"%PDF-1.4\n" + b"x" * 100)
    page.get_by_label("The death certificate").set_input_files(str(certificate))
    page.get_by_role("button", name="Ask to activate the memorial").click()
    page.get_by_text("A request is waiting").wait_for()
    assert ActivationRequest.objects.get(memorial=memorial).status == ActivationStatus.PENDING
