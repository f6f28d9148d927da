"""The subject's first steps on their memorial page: each ticked from the data itself."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conversations.models import Conversation
from corpus.models import SubjectIdentity, Upload
from memorials.models import MemorialState, MemorialWishes, Role
from memorials.onboarding import onboarding_for
from tests.consent.factories import grant_consent
from tests.memorials.factories import InvitationFactory, MembershipFactory, MemorialFactory
from twins.models import BuildStatus, Twin, TwinVersion

pytestmark = pytest.mark.django_db

STEPS = ["consents", "names", "upload", "wishes", "stewards", "family", "portrait", "preview"]


def detail(client, memorial) -> str:
    return client.get(reverse("memorials:detail", args=[memorial.id])).content.decode()


def ticked(page: str) -> list[str]:
    return re.findall(r'data-step="([a-z]+)"\s+data-done="true"', page)


def subject_membership(memorial):
    return memorial.memberships.get(role=Role.SUBJECT)


def do_everything(memorial) -> None:
    grant_consent(memorial, "corpus")
    SubjectIdentity.objects.create(
        memorial=memorial, kind="email", value_hash="h", value_encrypted=b""
    )
    Upload.objects.create(
        memorial=memorial, name_encrypted=b"", outcomes_encrypted=b"", size=1, sha256="1" * 64
    )
    MemorialWishes.objects.create(memorial=memorial)
    MembershipFactory(memorial=memorial, role=Role.STEWARD)
    MembershipFactory(memorial=memorial, role=Role.FAMILY)
    twin = Twin.objects.create(memorial=memorial)
    TwinVersion.objects.create(twin=twin, number=1, status=BuildStatus.READY)
    Conversation.objects.create(memorial=memorial, visitor=memorial.subject, last_seq=2)


def test_a_new_subject_sees_every_step_open_with_a_link_and_a_sentence(client):
    memorial = MemorialFactory()
    client.force_login(memorial.subject)
    page = detail(client, memorial)
    assert re.findall(r'data-step="([a-z]+)"', page) == STEPS
    assert ticked(page) == []
    assert "0 of 8 done" in page
    assert re.search(r"<details class=\"card onboarding\"[^>]*\bopen\b", page)
    assert reverse("memorials:wishes", args=[memorial.id]) in page
    assert 'id="invite"' in page  # where "Invite a steward" leads


# What each step's page must hold for the step to be done there.
STEP_PAGE_MARKS = {
    "consents": lambda m: f'action="{reverse("consent:sign", args=[m.id, "corpus"])}"',
    "names": lambda m: 'id="your-names"',
    "upload": lambda m: f'action="{reverse("corpus:upload", args=[m.id])}"',
    "wishes": lambda m: '<form method="post" class="wishes">',
    "stewards": lambda m: re.compile(r'value="steward"[^>]*\bchecked'),
    "family": lambda m: re.compile(r'value="family"[^>]*\bchecked'),
    "portrait": lambda m: f'action="{reverse("twins:build", args=[m.id])}"',
    "preview": lambda m: "data-composer",
}


def test_each_step_links_to_the_page_where_it_is_done(client):
    # given a new subject's checklist
    memorial = MemorialFactory()
    client.force_login(memorial.subject)
    page = detail(client, memorial)
    links = dict(re.findall(r'data-step="([a-z]+)".*?<a href="([^"]+)">', page, flags=re.DOTALL))
    assert list(links) == STEPS
    for name, url in links.items():
        # when they follow the step's link
        response = client.get(url.replace("&amp;", "&"))
        # then it is the page where that step is done
        assert response.status_code == 200, (name, url)
        mark = STEP_PAGE_MARKS[name](memorial)
        html = response.content.decode()
        found = mark.search(html) if isinstance(mark, re.Pattern) else mark in html
        assert found, (name, url, mark)
    # the preview is ticked by the subject's own conversation, where the link leads
    assert links["preview"] == reverse("conversations:page", args=[memorial.id])


def test_half_done_ticks_what_the_data_shows_and_a_waiting_invitation(client):
    memorial = MemorialFactory()
    grant_consent(memorial, "corpus")
    SubjectIdentity.objects.create(
        memorial=memorial, kind="email", value_hash="h", value_encrypted=b""
    )
    InvitationFactory(memorial=memorial, role=Role.STEWARD)
    InvitationFactory(  # withdrawn, and expired: neither counts
        memorial=memorial, role=Role.FAMILY, revoked_at=timezone.now()
    )
    InvitationFactory(
        memorial=memorial, role=Role.FAMILY, expires_at=timezone.now() - timedelta(days=1)
    )
    client.force_login(memorial.subject)
    page = detail(client, memorial)
    assert ticked(page) == ["consents", "names", "stewards"]
    assert "3 of 8 done" in page
    assert "Invited: waiting for your steward to accept." in page
    assert 'data-step="upload"' in page.split("onboarding-next")[1][:200]  # the next to do


def test_all_done_says_so_and_folds_away(client):
    memorial = MemorialFactory()
    do_everything(memorial)
    client.force_login(memorial.subject)
    page = detail(client, memorial)
    assert ticked(page) == STEPS
    assert "Your first steps are done" in page and "8 of 8 done" in page
    assert not re.search(r"<details class=\"card onboarding\"[^>]*\bopen\b", page)


def test_a_withdrawn_consent_unticks_its_step():
    memorial = MemorialFactory()
    do_everything(memorial)
    memorial.consents.update(revoked_at=timezone.now())
    onboarding = onboarding_for(membership=subject_membership(memorial))
    assert onboarding is not None
    assert [s.name for s in onboarding.steps if not s.done] == ["consents"]


@pytest.mark.parametrize("role", [Role.STEWARD, Role.FAMILY])
def test_only_the_subject_is_guided(client, role):
    memorial = MemorialFactory()
    member = MembershipFactory(memorial=memorial, role=role).user
    client.force_login(member)
    assert "data-onboarding" not in detail(client, memorial)


def test_nobody_is_guided_after_a_death_activation():
    memorial = MemorialFactory(state=MemorialState.ACTIVE)
    assert onboarding_for(membership=subject_membership(memorial)) is None


def test_the_subject_sees_plain_words_not_roles_and_sockets(client):
    memorial = MemorialFactory()
    client.force_login(memorial.subject)
    page = detail(client, memorial)
    assert "your own Legacy" in page
    assert "you are subject" not in page


@pytest.mark.parametrize("done", [False, True])
def test_the_subject_page_takes_the_same_queries_whatever_is_done(
    client, django_assert_num_queries, done
):
    memorial = MemorialFactory()
    if done:
        do_everything(memorial)
    client.force_login(memorial.subject)
    # the page as it was (21: the session, the memorial, its people, invitations, panels...)
    # and one query for each of the eight steps, done or not, and the plan's card (11: the
    # subscription, the plan and its allowances, the usage of each kind, the notices)
    # and the brand of a firm the subject joined through (1, firms.context_processors)
    # and the "Your firm" card (1, firms.panels), and whether a firm pays for the plan (1, the
    # plan's card asks billing.sponsors)
    with django_assert_num_queries(21 + 8 + 11 + 1 + 1 + 1):
        detail(client, memorial)
