import io

import pytest
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from core.models import AuditEvent
from firms.models import Firm, FirmRole, FirmStaff
from firms.setup import (
    LOGO_FIT,
    FirmSetupError,
    firm_create,
    firm_logo_save,
    firm_settings_update,
)
from tests.accounts.factories import PASSWORD, UserFactory, totp_code_now
from tests.firms.factories import firm_make, staff_make, user_with_two_factor

pytestmark = pytest.mark.django_db


def image_bytes(fmt: str, size: tuple[int, int] = (1200, 300)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (47, 93, 98)).save(out, format=fmt)
    return out.getvalue()


def test_the_creator_is_the_owner_and_it_is_on_the_trail():
    user = UserFactory()
    staff = firm_create(owner=user, name="Hart & Vale", slug="Hart-Vale", contact_email="A@B.org")
    assert staff.role == FirmRole.OWNER and staff.user == user
    assert staff.firm.slug == "hart-vale" and staff.firm.contact_email == "a@b.org"
    event = AuditEvent.objects.get(action="firm.created")
    assert event.data["firm"] == str(staff.firm.id) and event.actor_ref == str(user.pk)


@pytest.mark.parametrize("slug", ["new", "mine", "api", "invitations", "join", "static"])
def test_reserved_words_are_refused_as_a_firm_address(slug):
    with pytest.raises(FirmSetupError, match="kept for Legacy"):
        firm_create(owner=UserFactory(), name="A firm", slug=slug)
    assert not Firm.objects.exists()


@pytest.mark.parametrize("slug", ["a", "-hart", "hart-", "hart--vale", "hart vale", "hârt"])
def test_malformed_addresses_are_refused(slug):
    with pytest.raises(FirmSetupError) as caught:
        firm_create(owner=UserFactory(), name="A firm", slug=slug)
    assert caught.value.field == "slug"


def test_a_taken_address_is_refused():
    firm_make(slug="hart-vale")
    with pytest.raises(FirmSetupError, match="taken"):
        firm_create(owner=UserFactory(), name="Another", slug="hart-vale")


def test_starting_a_firm_through_its_page_lists_it_under_your_firms(client):
    user = user_with_two_factor()
    client.force_login(user)
    assert "Start a firm" in client.get(reverse("memorials:list")).content.decode()
    response = client.post(
        reverse("firms:new"), {"name": "Hart & Vale", "slug": "hart-vale", "contact_email": ""}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("firms:settings", kwargs={"slug": "hart-vale"})
    assert "Hart &amp; Vale" in client.get(reverse("firms:mine")).content.decode()
    refused = client.post(reverse("firms:new"), {"name": "Other", "slug": "join"})
    assert refused.status_code == 400 and "kept for Legacy" in refused.content.decode()


def test_settings_change_what_changed_only_and_refuse_a_bad_colour(client):
    owner = staff_make(firm=firm_make(), role=FirmRole.OWNER)
    changed = firm_settings_update(
        staff=owner, changes={"name": owner.firm.name, "brand_colour": "#2F5D62"}
    )
    assert changed == ["brand_colour"]
    assert Firm.objects.get(pk=owner.firm.pk).brand_colour == "#2f5d62"
    event = AuditEvent.objects.get(action="firm.settings_changed")
    assert event.data["fields"] == ["brand_colour"]
    with pytest.raises(FirmSetupError, match="#2f5d62"):
        firm_settings_update(staff=owner, changes={"brand_colour": "teal"})
    with pytest.raises(FirmSetupError):
        firm_settings_update(staff=owner, changes={"slug": "elsewhere"})
    client.force_login(owner.user)
    url = reverse("firms:settings", kwargs={"slug": owner.firm.slug})
    page = client.post(url, {"action": "details", "name": "", "brand_colour": "#123456"})
    assert page.status_code == 400 and Firm.objects.get(pk=owner.firm.pk).name == owner.firm.name


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_a_logo_is_re_encoded_as_a_png_that_fits_and_is_served_publicly(client, fmt):
    owner = staff_make(firm=firm_make(), role=FirmRole.OWNER)
    client.force_login(owner.user)
    upload = SimpleUploadedFile(f"logo.{fmt.lower()}", image_bytes(fmt))
    response = client.post(
        reverse("firms:settings", kwargs={"slug": owner.firm.slug}),
        {"action": "logo", "logo": upload},
    )
    assert response.status_code == 302
    firm = Firm.objects.get(pk=owner.firm.pk)
    assert firm.brand_logo_path and firm.brand_logo_type == "image/png"
    client.logout()
    served = client.get(reverse("firms:logo", kwargs={"slug": firm.slug}))
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    body = b"".join(served.streaming_content) if served.streaming else served.content
    with Image.open(io.BytesIO(body)) as logo:
        assert logo.format == "PNG"
        assert logo.width <= LOGO_FIT[0] and logo.height <= LOGO_FIT[1]


def test_other_files_are_refused_and_the_old_logo_stays(client):
    owner = staff_make(firm=firm_make(), role=FirmRole.OWNER)
    firm_logo_save(staff=owner, source=io.BytesIO(image_bytes("PNG")))
    before = Firm.objects.get(pk=owner.firm.pk).brand_logo_path
    for data in (image_bytes("GIF"), b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"\x89PNG junk"):
        with pytest.raises(FirmSetupError):
            firm_logo_save(staff=owner, source=io.BytesIO(data))
    with pytest.raises(FirmSetupError, match="2 MB"):
        firm_logo_save(staff=owner, source=io.BytesIO(b"\0" * (2 * 1024 * 1024 + 1)))
    assert Firm.objects.get(pk=owner.firm.pk).brand_logo_path == before
    client.force_login(owner.user)
    page = client.post(
        reverse("firms:settings", kwargs={"slug": owner.firm.slug}),
        {"action": "logo", "logo": SimpleUploadedFile("logo.gif", image_bytes("GIF"))},
    )
    assert page.status_code == 400 and "PNG, JPEG or WebP" in page.content.decode()


def test_no_logo_and_a_closed_firm_serve_nothing(client):
    firm = firm_make(brand_colour="#2f5d62")
    assert client.get(reverse("firms:logo", kwargs={"slug": firm.slug})).status_code == 404
    css = client.get(reverse("firms:brand_css", kwargs={"slug": firm.slug}))
    assert css["Content-Type"].startswith("text/css") and b"#2f5d62" in css.content


def test_staff_without_two_factor_are_sent_to_set_it_up_and_come_back(client):
    # given an owner without two-factor
    firm = firm_make()
    owner = staff_make(firm=firm, role=FirmRole.OWNER, two_factor=False)
    signed_in = client.post(
        reverse("account_login"), {"login": owner.user.email, "password": PASSWORD}
    )
    assert signed_in.status_code == 302
    staff_url = reverse("firms:staff", kwargs={"slug": firm.slug})
    # then no firm page shows; each sends them to set up two-factor, with the way back
    for url in (staff_url, reverse("firms:settings", kwargs={"slug": firm.slug})):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("mfa_activate_totp"))
    # when they set up an authenticator from there
    setup_url = client.get(staff_url)["Location"]
    asked = client.get(setup_url)  # allauth asks for the password again first
    if asked.status_code == 302 and "/reauthenticate/" in asked["Location"]:
        confirmed = client.post(asked["Location"], {"password": PASSWORD})
        assert confirmed.status_code == 302 and confirmed["Location"] == setup_url
    setup = client.get(setup_url)
    assert setup.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    code = totp_code_now(secret)
    done = client.post(reverse("mfa_activate_totp"), {"code": code})
    # then after their recovery codes they are offered the way back, and the page opens
    assert done.status_code == 302
    codes = client.get(done["Location"]).content.decode()
    assert f'href="{staff_url}"' in codes
    assert client.get(staff_url).status_code == 200


def test_an_outside_next_is_not_kept(client):
    client.force_login(UserFactory())
    client.get(reverse("mfa_activate_totp") + "?next=https://evil.example/")
    assert "two_factor_next" not in client.session


def test_strangers_and_assistants_get_not_found_on_settings():
    firm = firm_make()
    assistant = staff_make(firm=firm, role=FirmRole.ASSISTANT)
    assert FirmStaff.objects.filter(firm=firm).count() == 1
    from django.test import Client

    for user in (assistant.user, user_with_two_factor()):
        browser = Client()
        browser.force_login(user)
        assert browser.get(reverse("firms:settings", kwargs={"slug": firm.slug})).status_code == 404
