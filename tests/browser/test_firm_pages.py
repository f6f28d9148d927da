"""Every firm page the walk does not reach, in a real browser at a phone's and a desktop's
size (no page wider than the screen): the firm's billing (with its plan and seats), statement,
trail, API, steward and close pages, a client's page on the firm's side; and on the client's
side, their plan page paid by the firm and the page where they take over paying. With
LEGACY_SHOTS_DIR set, each is kept there."""

from __future__ import annotations

import pytest
from django.urls import reverse

from billing.models import SubscriptionStatus
from firms.models import ClientStage, FirmRole, FirmSubscription
from firms.seats import firm_seats_sync
from firms.signals import client_joined
from firms.stewardship import professional_steward_name
from tests.billing import stripe_fixtures
from tests.browser.test_firm_clients import sign_in_as
from tests.browser.test_firm_staff import shoot
from tests.firms.factories import client_make, firm_make, staff_make

plans_seeded = stripe_fixtures.plans_seeded
fake_stripe = stripe_fixtures.fake_stripe
stripe_prices = stripe_fixtures.stripe_prices
pytestmark = pytest.mark.slow


def look(page, name: str) -> None:  # type: ignore[no-untyped-def]
    for width, height in ((390, 844), (1280, 900)):
        page.set_viewport_size({"width": width, "height": height})
        wide = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert wide, f"{name} is wider than {width}px"
    shoot(page, name)


def test_every_firm_page_fits_a_phone_and_a_desktop(page, live_server):
    # given a firm with an owner, and clients at several stages on its plan
    firm = firm_make(name="Hart & Vale Estate Planning", brand_colour="#2f5d62")
    owner = staff_make(firm=firm, role=FirmRole.OWNER)
    advisor = staff_make(firm=firm, role=FirmRole.ADVISOR)
    ada = client_make(firm=firm, advisor=advisor, joined=True, name="Ada Lovelace")
    client_joined.send(sender=type(ada), client=ada)
    client_make(firm=firm, name="Mary Somerville", stage=ClientStage.INVITED)
    professional_steward_name(client=ada, actor=ada.user)
    firm_seats_sync(firm=firm)
    base = live_server.url
    slug = {"slug": firm.slug}

    # the firm's pages, as its owner
    sign_in_as(page, live_server, owner.user)
    pages = {
        "pages-dashboard": reverse("firms:dashboard", kwargs=slug),
        "pages-client": reverse("firms:client", kwargs={**slug, "client_id": ada.id}),
        "pages-billing": reverse("firms:billing", kwargs=slug),
        "pages-statement": reverse("firms:statement", kwargs=slug),
        "pages-trail": reverse("firms:trail", kwargs=slug),
        "pages-api": reverse("firms:api", kwargs=slug),
        "pages-steward": reverse("firms:steward", kwargs={**slug, "client_id": ada.id}),
        "pages-close": reverse("firms:close", kwargs=slug),
        "pages-import": reverse("firms:clients_import", kwargs=slug),
    }
    for name, path in pages.items():
        response = page.goto(base + path)
        assert response is not None and response.status == 200, name
        look(page, name)
    page.goto(base + pages["pages-billing"])
    page.get_by_text("Ask Legacy to set up the firm plan").wait_for()

    # the client's side: their plan page, paid by the firm, and taking it over
    sign_in_as(page, live_server, ada.user)
    page.goto(base + reverse("billing:memorial", args=[ada.memorial_id]))
    page.locator("[data-sponsor]").get_by_role("link", name="Pay for it myself").click()
    page.get_by_role("heading", name="Pay for your own Legacy?").wait_for()
    look(page, "pages-client-pay-self")
    page.goto(base + reverse("billing:memorial", args=[ada.memorial_id]))
    look(page, "pages-client-plan")
    page.goto(base + ada.memorial.get_absolute_url())
    page.locator("[data-firm-pays]").wait_for()
    look(page, "pages-client-memorial")


def test_the_firm_billing_page_with_stripe_before_and_after_the_plan_starts(
    page, live_server, fake_stripe, stripe_prices
):
    # given a firm with one client on a seat, and Stripe as the provider
    firm = firm_make(name="Hart & Vale Estate Planning")
    owner = staff_make(firm=firm, role=FirmRole.OWNER)
    ada = client_make(firm=firm, joined=True, name="Ada Lovelace")
    client_joined.send(sender=type(ada), client=ada)
    sign_in_as(page, live_server, owner.user)
    billing = live_server.url + reverse("firms:billing", kwargs={"slug": firm.slug})
    # before: the way to Stripe's checkout, with the seat count
    page.goto(billing)
    page.locator("[data-checkout-summary]").wait_for()
    look(page, "pages-billing-stripe-start")
    # after Stripe holds the firm's plan: the seats follow, the count may be sent, the portal
    made = fake_stripe.subscription_make(
        memorial_id=f"firm:{firm.pk}", price_id="price_firm-client_month"
    )
    FirmSubscription.objects.filter(firm=firm).update(
        provider="stripe",
        provider_subscription_id=made["id"],
        provider_customer_id=made["customer"],
        status=SubscriptionStatus.ACTIVE,
    )
    page.goto(billing)
    page.get_by_role("button", name="Send the seat count (1) now").click()
    page.get_by_text("The payment provider now has 1 seat.").wait_for()
    look(page, "pages-billing-stripe-live")
