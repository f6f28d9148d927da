import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from firms.branding import firm_brand, firm_brand_for_memorial
from firms.models import FirmRole
from firms.setup import firm_logo_save
from memorials.models import Membership, Role
from tests.accounts.factories import UserFactory
from tests.firms.factories import client_make, firm_make, staff_make
from tests.memorials.factories import MemorialFactory

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def test_the_brand_of_the_firm_attached_to_a_memorial():
    firm = firm_make(name="Hart & Vale", brand_colour="#2f5d62")
    client = client_make(firm=firm, joined=True)
    brand = firm_brand_for_memorial(client.memorial_id)
    assert brand is not None and brand.name == "Hart & Vale" and brand.colour == "#2f5d62"
    assert brand.css_url.startswith(reverse("firms:brand_css", kwargs={"slug": firm.slug}) + "?v=")
    assert firm_brand_for_memorial(client.memorial_id, user_id=client.user_id) == brand
    assert firm_brand_for_memorial(client.memorial_id, user_id=UserFactory().pk) is None
    assert firm_brand_for_memorial(MemorialFactory().id) is None


def test_no_brand_once_the_client_left_or_the_firm_closed():
    left = client_make(firm=firm_make(), joined=True, detached_at=timezone.now())
    assert firm_brand_for_memorial(left.memorial_id) is None
    firm = firm_make()
    closed = client_make(firm=firm, joined=True)
    firm.closed_at = timezone.now()
    firm.save(update_fields=["closed_at"])
    assert firm_brand_for_memorial(closed.memorial_id) is None


def test_the_clients_own_memorial_page_shows_the_firm_beside_legacy():
    firm = firm_make(name="Hart & Vale", brand_colour="#2f5d62")
    owner = staff_make(firm=firm, role=FirmRole.OWNER)
    out = io.BytesIO()
    Image.new("RGB", (300, 100), (47, 93, 98)).save(out, format="PNG")
    firm_logo_save(staff=owner, source=out)
    client = client_make(firm=firm, joined=True)
    url = reverse("memorials:detail", args=[client.memorial_id])
    html = signed_in(client.user).get(url).content.decode()
    assert 'class="firm-brand firm-brand-client"' in html
    assert f'src="{reverse("firms:logo", kwargs={"slug": firm.slug})}?v=' in html
    assert 'alt="Hart &amp; Vale"' in html
    assert f'href="{reverse("firms:brand_css", kwargs={"slug": firm.slug})}?v=' in html
    # the memorial list (no memorial in its address) and a page of another memorial show none
    assert (
        "firm-brand-client"
        not in signed_in(client.user).get(reverse("memorials:list")).content.decode()
    )
    own = MemorialFactory()
    assert (
        "firm-brand-client"
        not in signed_in(own.subject).get(own.get_absolute_url()).content.decode()
    )


def test_family_of_the_client_do_not_see_the_firm():
    client = client_make(firm=firm_make(name="Hart & Vale"), joined=True)
    sister = UserFactory()
    Membership.objects.create(memorial_id=client.memorial_id, user=sister, role=Role.FAMILY)
    html = (
        signed_in(sister)
        .get(reverse("memorials:detail", args=[client.memorial_id]))
        .content.decode()
    )
    assert "firm-brand-client" not in html


def test_the_brand_costs_one_query_on_a_memorial_page(django_assert_num_queries):
    firm = firm_make(name="Hart & Vale")
    client = client_make(firm=firm, joined=True)
    browser = signed_in(client.user)
    url = reverse("memorials:detail", args=[client.memorial_id])
    browser.get(url)  # warm
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as seen:
        browser.get(url)
    firm_queries = [q["sql"] for q in seen.captured_queries if '"firms_firmclient"' in q["sql"]]
    assert len(firm_queries) == 1


def test_the_brand_addresses_change_when_the_brand_does():
    firm = firm_make(brand_colour="#2f5d62")
    before = firm_brand(firm).css_url
    firm.brand_colour = "#123456"
    assert firm_brand(firm).css_url != before
