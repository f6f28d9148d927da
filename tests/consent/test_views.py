"""The consent and audit pages, through the Django test client."""

import base64

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.core.cache import cache
from django.urls import reverse

from consent.gate import consent_is_granted
from consent.models import ConsentRecord
from consent.selectors import consent_document_latest
from consent.services import consent_revoke
from core.consent import ConsentScope
from memorials.models import Role
from tests.accounts.factories import PASSWORD, totp_code_now
from tests.consent.factories import ConsentRecordFactory, consent_document_publish
from tests.memorials.factories import MembershipFactory, MemorialFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def url(name, memorial, **kwargs):
    return reverse(f"consent:{name}", kwargs={"memorial_id": memorial.id, **kwargs})


def signed_in(client, user):
    client.force_login(user)
    return client


SECRET = base64.b32encode(b"0123456789abcdefghij").decode()


def current_code() -> str:
    return totp_code_now(SECRET)  # with a few seconds of its period left: allauth is strict


def sign_form(memorial, scope=ConsentScope.CORPUS, **overrides):
    document = consent_document_latest(scope=scope)
    return {"document_sha256": document.sha256, "typed_name": memorial.name} | overrides


def test_the_overview_shows_each_scope_with_its_status(client, consent_documents):
    memorial = MemorialFactory()
    ConsentRecordFactory(memorial=memorial, scope=ConsentScope.CORPUS)
    page = signed_in(client, memorial.subject).get(url("overview", memorial)).content.decode()
    for scope in ConsentScope:
        assert scope.label in page
    assert page.count("Given") == 1 and page.count("Not given") == 4
    assert url("sign", memorial, scope="voice") in page
    assert url("revoke", memorial, scope="corpus") in page


def test_stewards_read_but_cannot_sign_and_others_get_404(client, consent_documents):
    memorial = MemorialFactory()
    steward = MembershipFactory(memorial=memorial, role=Role.STEWARD).user
    page = signed_in(client, steward).get(url("overview", memorial))
    assert page.status_code == 200 and "Read and sign" not in page.content.decode()
    assert client.get(url("sign", memorial, scope="corpus")).status_code == 404
    assert client.get(url("revoke", memorial, scope="corpus")).status_code == 404
    family = MembershipFactory(memorial=memorial, role=Role.FAMILY).user
    for name in ("overview", "audit"):
        assert signed_in(client, family).get(url(name, memorial)).status_code == 404
    client.logout()
    assert client.get(url("overview", memorial)).status_code == 302  # to sign in


def test_the_sign_page_is_read_freely_and_signing_asks_who_it_is_first(client, consent_documents):
    memorial = MemorialFactory()
    document = consent_document_latest(scope=ConsentScope.VOICE)
    client = signed_in(client, memorial.subject)
    # the text and the form are there to read, without confirming anything
    page = client.get(url("sign", memorial, scope="voice")).content.decode()
    assert "What withdrawing does" in page and document.sha256 in page
    assert 'type="password"' not in page and "confirm it is you" in page
    # pressing Sign first asks them to re-authenticate (allauth's page)
    asked = client.post(
        url("sign", memorial, scope="voice"),
        sign_form(memorial, ConsentScope.VOICE),
        HTTP_USER_AGENT="Test browser",
        REMOTE_ADDR="192.0.2.9",
    )
    assert asked.status_code == 302
    assert asked["Location"].startswith(reverse("account_reauthenticate"))
    assert not ConsentRecord.objects.exists()
    # with their password, the kept POST is signed, as it was sent
    response = client.post(asked["Location"], {"password": PASSWORD})
    assert response.status_code == 302 and response.url == url("overview", memorial)
    record = ConsentRecord.objects.get(memorial=memorial, scope="voice")
    assert (record.user_agent, record.ip_address) == ("Test browser", "192.0.2.9")
    assert (record.typed_name, record.method) == (memorial.name, ConsentRecord.Method.PASSWORD)
    overview = client.get(response.url).content.decode()
    assert "Thank you. Your consent for “your voice” is signed." in overview


def test_a_wrong_password_is_said_plainly_and_signs_nothing(client, consent_documents):
    memorial = MemorialFactory()
    client = signed_in(client, memorial.subject)
    asked = client.post(url("sign", memorial, scope="corpus"), sign_form(memorial))
    response = client.post(asked["Location"], {"password": "no"})
    assert response.status_code == 200
    assert "Incorrect password." in response.content.decode()
    assert not ConsentRecord.objects.exists()


def test_a_two_factor_code_re_authenticates_and_is_recorded(client, consent_documents):
    memorial = MemorialFactory()
    TOTP.activate(memorial.subject, SECRET)
    client = signed_in(client, memorial.subject)
    asked = client.post(url("sign", memorial, scope="corpus"), sign_form(memorial))
    # allauth offers the password first; the two-factor page takes the same `next`
    next_url = asked["Location"].split("?", 1)[1]
    response = client.post(f"{reverse('mfa_reauthenticate')}?{next_url}", {"code": current_code()})
    assert response.status_code == 302 and response.url == url("overview", memorial)
    assert ConsentRecord.objects.get(memorial=memorial).method == ConsentRecord.Method.TOTP


def test_a_recovery_code_is_recorded_as_such(client, consent_documents):
    memorial = MemorialFactory()
    TOTP.activate(memorial.subject, SECRET)
    code = RecoveryCodes.activate(memorial.subject).get_unused_codes()[0]
    client = signed_in(client, memorial.subject)
    client.post(reverse("mfa_reauthenticate"), {"code": code})
    response = client.post(url("sign", memorial, scope="corpus"), sign_form(memorial))
    assert response.status_code == 302 and response.url == url("overview", memorial)
    method = ConsentRecord.objects.get(memorial=memorial).method
    assert method == ConsentRecord.Method.RECOVERY_CODE


def test_a_recent_re_authentication_is_not_asked_again(client, consent_documents):
    memorial = MemorialFactory()
    client = signed_in(client, memorial.subject)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    for scope in (ConsentScope.CORPUS, ConsentScope.VOICE):
        response = client.post(url("sign", memorial, scope=scope), sign_form(memorial, scope))
        assert response.status_code == 302 and response.url == url("overview", memorial)
    assert ConsentRecord.objects.filter(memorial=memorial).count() == 2


def test_a_wrong_name_after_re_authenticating_shows_the_form_again(client, consent_documents):
    memorial = MemorialFactory(name="Ada Lovelace")
    client = signed_in(client, memorial.subject)
    asked = client.post(
        url("sign", memorial, scope="corpus"), sign_form(memorial, typed_name="Someone")
    )
    page = client.post(asked["Location"], {"password": PASSWORD}).content.decode()
    assert "Please type your full name as “Ada Lovelace”." in page
    # shown at the re-authentication page's address, the form still posts to the sign page
    assert f'action="{url("sign", memorial, scope="corpus")}"' in page
    assert not ConsentRecord.objects.exists()


def test_a_text_changed_while_reading_is_shown_again_before_signing(client, consent_documents):
    memorial = MemorialFactory()
    old = consent_document_latest(scope=ConsentScope.CORPUS)
    newer = consent_document_publish(ConsentScope.CORPUS, 2, body="The second text.")
    client = signed_in(client, memorial.subject)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.post(
        url("sign", memorial, scope="corpus"),
        {"document_sha256": old.sha256, "typed_name": memorial.name},
        follow=True,
    )
    page = response.content.decode()
    assert "updated since you opened it" in page and "The second text." in page
    assert newer.sha256 in page
    assert not ConsentRecord.objects.exists()


def test_withdrawing_asks_for_confirmation_first(client, consent_documents):
    memorial = MemorialFactory()
    ConsentRecordFactory(memorial=memorial, scope=ConsentScope.CORPUS)
    client = signed_in(client, memorial.subject)
    page = client.get(url("revoke", memorial, scope="corpus")).content.decode()
    assert "again at any time" in page and "Withdraw my consent" in page
    assert consent_is_granted(memorial_id=memorial.id, scope="corpus")  # nothing yet
    response = client.post(url("revoke", memorial, scope="corpus"), follow=True)
    assert "is withdrawn, as of now" in response.content.decode()
    assert not consent_is_granted(memorial_id=memorial.id, scope="corpus")
    # nothing left to withdraw: back to the overview
    assert client.get(url("revoke", memorial, scope="corpus")).status_code == 302


def test_an_unknown_scope_is_404(client, consent_documents):
    memorial = MemorialFactory()
    client = signed_in(client, memorial.subject)
    assert client.get(url("sign", memorial, scope="nonsense")).status_code == 404
    assert client.get(url("document", memorial, scope="corpus", version=9)).status_code == 404
    assert client.get(url("document", memorial, scope="corpus", version=1)).status_code == 200


def test_the_audit_page_lists_newest_first_for_subject_and_steward(
    client, consent_documents, django_assert_num_queries
):
    memorial = MemorialFactory()
    ConsentRecordFactory(memorial=memorial, scope=ConsentScope.CORPUS)
    consent_revoke(user=memorial.subject, memorial_id=memorial.id, scope=ConsentScope.CORPUS)
    from core.audit import audit_record

    audit_record(action="consent.signed", memorial_id=memorial.id, actor=memorial.subject,
                 data={"scope": "voice", "document_version": 1, "method": "password"})  # fmt: skip
    audit_record(action="consent.signed", memorial_id=MemorialFactory().id)  # another memorial
    steward = MembershipFactory(memorial=memorial, role=Role.STEWARD).user
    client = signed_in(client, steward)
    # session, user, membership, the people in the log (the filter), the count and the page
    # of events, the memorial's key (its name is encrypted), and whether it is the fictional
    # demo (its banner), and the brand of a firm its subject joined through
    # (firms.context_processors)
    with django_assert_num_queries(9):
        page = client.get(url("audit", memorial)).content.decode()
    assert page.count("<tr data-action") == 3  # with the memorial's creation
    assert page.index("Signed a consent") < page.index("Withdrew a consent")
    assert "Your voice · version 1 · typed name and password" in page
    assert str(memorial.subject) in page


def test_the_memorial_page_links_to_consent_and_audit(client, consent_documents):
    memorial = MemorialFactory()
    page = signed_in(client, memorial.subject).get(memorial.get_absolute_url()).content.decode()
    assert url("overview", memorial) in page and url("audit", memorial) in page
