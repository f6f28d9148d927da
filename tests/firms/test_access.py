import pytest
from django.http import Http404

from firms.access import FirmNotFound, FirmPower, firm_client_get_for, firm_get_for
from firms.models import FirmRole
from tests.accounts.factories import UserFactory
from tests.firms.factories import client_make, firm_make, staff_make

pytestmark = pytest.mark.django_db


def test_only_current_staff_with_the_power_pass():
    firm = firm_make()
    owner = staff_make(firm=firm, role=FirmRole.OWNER)
    assistant = staff_make(firm=firm, role=FirmRole.ASSISTANT)
    assert firm_get_for(user=owner.user, slug=firm.slug, power=FirmPower.STAFF) == owner
    assert firm_get_for(user=assistant.user, slug=firm.slug) == assistant
    for power in (FirmPower.SETTINGS, FirmPower.STAFF, FirmPower.BILLING):
        with pytest.raises(FirmNotFound):
            firm_get_for(user=assistant.user, slug=firm.slug, power=power)
    with pytest.raises(Http404):
        firm_get_for(user=UserFactory(), slug=firm.slug)
    with pytest.raises(FirmNotFound):
        firm_get_for(user=None, slug=firm.slug)


def test_a_client_of_another_firm_is_not_found():
    firm, other = firm_make(), firm_make()
    staff = staff_make(firm=firm)
    mine = client_make(firm=firm, joined=True)
    theirs = client_make(firm=other, joined=True)
    assert firm_client_get_for(staff=staff, client_id=mine.id) == mine
    with pytest.raises(FirmNotFound):
        firm_client_get_for(staff=staff, client_id=theirs.id)
