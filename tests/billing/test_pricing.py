"""The public pricing page: plans and prices from the data, in the currency setting, what
each includes in words, which provider is in use; and where it is linked from."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from billing.models import Plan, Price
from billing.pricing import allowance_words, money
from billing.providers import payment_provider
from memorials.models import MemorialState
from tests.billing import stripe_fixtures as fixtures

# the fixtures this module uses
fake_stripe = fixtures.fake_stripe
family = fixtures.family
memorial = fixtures.memorial
plans_seeded = fixtures.plans_seeded
subject = fixtures.subject

pytestmark = pytest.mark.django_db


def test_the_page_shows_every_public_plan_with_its_prices_and_what_it_includes(client):
    page = client.get("/pricing/").content.decode()
    for name in ("Free", "Preserve", "Interactive", "Firm client"):
        assert f">{name}<" in page or f": {name}<" in page
    assert "$99 a year" in page.replace("</span>", "") and "$9.90 a month" in page.replace(
        "</span>", ""
    )
    assert "$999 a year" in page.replace("</span>", "")
    assert "$9 a month per client" in page.replace("</span>", "")
    assert "Your twin speaks in your own voice" in page
    assert "Spoken conversations: 600 minutes a month" in page
    assert "Up to 10 family members" in page
    assert "No payment account: Legacy&#x27;s staff mark a plan paid" in page
    assert "Create your account to begin" in page


def test_plans_and_prices_come_from_the_data(client, settings):
    interactive = Plan.objects.get(code="interactive")
    Price.objects.filter(plan=interactive, interval="year").update(amount_minor=120000)
    Plan.objects.filter(code="preserve").update(public=False)
    page = client.get("/pricing/").content.decode().replace("</span>", "")
    assert "$1,200 a year" in page
    assert ">Preserve<" not in page


def test_the_currency_is_the_setting(client, settings):
    settings.BILLING_CURRENCY = "eur"
    Price.objects.filter(currency="usd").update(active=False)
    preserve = Plan.objects.get(code="preserve")
    Price.objects.create(plan=preserve, interval="year", amount_minor=8900, currency="eur")
    page = client.get("/pricing/").content.decode().replace("</span>", "")
    assert "€89 a year" in page
    assert "$" not in page.split("<main", 1)[1]
    assert "Prices are in EUR" in page


def test_with_stripe_the_page_says_so_and_calls_nobody(client, fake_stripe):
    page = client.get("/pricing/").content.decode()
    assert "Stripe: you pay on Stripe&#x27;s own secure pages" in page
    assert fake_stripe.requests == []


def test_a_subject_sees_choices_for_their_memorial(client, memorial, subject):
    client.force_login(subject)
    page = client.get("/pricing/").content.decode()
    assert f'name="memorial" value="{memorial.pk}"' in page
    assert "Choose Interactive yearly" in page and "Choose Preserve monthly" in page


def test_family_of_a_living_subject_is_told_who_chooses(client, memorial, family):
    client.force_login(family)
    page = client.get("/pricing/").content.decode()
    assert "Choose Preserve" not in page
    assert "chooses its plan while they live" in page


def test_after_death_a_steward_or_family_member_may_choose(client, memorial, family):
    memorial.state = MemorialState.ACTIVE
    memorial.save(update_fields=["state"])
    client.force_login(family)
    assert "Choose Preserve yearly" in client.get("/pricing/").content.decode()


def test_the_page_reads_the_plans_in_a_fixed_number_of_queries(
    client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        client.get("/pricing/")


def test_linked_from_the_home_page_the_nav_and_the_footer(client):
    home = client.get("/").content.decode()
    assert home.count(f'href="{reverse("billing:pricing")}"') == 3


def test_money_and_words():
    assert money(9900, "usd") == "$99"
    assert money(990, "usd") == "$9.90"
    assert money(99900, "chf") == "999 CHF"
    assert allowance_words("voice_minutes", 0) == ""
    assert (
        allowance_words("family_messages", None)
        == "Your family talks with your twin by text, without limit"
    )
    assert allowance_words("corpus_mb", 2000) == "Up to 2 GB of your writing kept"
    payment_provider.cache_clear()


def test_its_forms_may_end_on_stripes_hosted_pages_only_with_stripe(client, settings, fake_stripe):
    policy = client.get("/pricing/")["Content-Security-Policy"]
    form_action = next(d for d in policy.split(";") if d.strip().startswith("form-action"))
    assert "https://checkout.stripe.com" in form_action and fake_stripe.url in form_action
    settings.LEGACY_PAYMENT_PROVIDER = "manual"
    payment_provider.cache_clear()
    policy = client.get("/pricing/")["Content-Security-Policy"]
    assert "stripe" not in policy


def test_yearly_says_what_it_saves(client):
    page = client.get("/pricing/").content.decode()
    assert "(2 months free)" in page  # Preserve: $99 against 12 x $9.90
    assert "(about 2 months free)" in page  # Interactive: $999 against 12 x $99


def test_the_seeded_plans_read_true_to_the_family_keeping_a_memorial_going(
    client, memorial, family
):
    """The plan page after death is read by a son or daughter: no "your twin" there."""
    memorial.state = MemorialState.ACTIVE
    memorial.save(update_fields=["state"])
    client.force_login(family)
    page = client.get(reverse("billing:memorial", args=[memorial.id])).content.decode()
    for plan in Plan.objects.filter(code__in=["free", "preserve", "interactive"]):
        assert plan.code == "free" or escape(plan.summary) in page  # Free: the plan it is on
        assert not set(re.findall(r"[a-z']+", plan.summary.lower())) & {"you", "your", "yours"}


def test_the_firm_card_names_its_audience_once(client):
    page = client.get("/pricing/").content.decode()
    assert page.count("For estate-planning firms") == 1
    assert "Each client&#x27;s memorial with the twin by text, billed per client seat." in page
