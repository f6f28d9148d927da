import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.consent import ConsentScope
from firms.imports import IMPORT_INLINE_ROWS, import_file_save, import_progress_set
from firms.models import FirmClient, FirmRole
from firms.tasks import firm_client_import
from tests.consent.factories import grant_consent
from tests.firms.factories import client_make, firm_make, staff_make

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_an_assistant_adds_a_client_and_sees_their_page(client, django_capture_on_commit_callbacks):
    firm = firm_make()
    assistant = staff_make(firm=firm, role=FirmRole.ASSISTANT)
    client.force_login(assistant.user)
    url = reverse("firms:clients_add", kwargs={"slug": firm.slug})
    assert client.get(url).status_code == 200
    # a bad address keeps what was typed and says why
    response = client.post(url, {"name": "Ada Byron", "email": "ada-at-example"})
    assert response.status_code == 400 and "Ada Byron" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"name": "Ada Byron", "email": "ada@example.org", "advisor": assistant.pk}
        )
    added = FirmClient.objects.get(firm=firm)
    assert response["Location"] == reverse(
        "firms:client", kwargs={"slug": firm.slug, "client_id": added.id}
    )
    assert mail.outbox[-1].to == ["ada@example.org"]
    page = client.get(response["Location"]).content.decode()
    assert "Ada Byron" in page and "Invited" in page and "Send the invitation again" in page


def test_the_client_page_shows_status_never_content(client, django_capture_on_commit_callbacks):
    firm = firm_make()
    advisor = staff_make(firm=firm)
    joined = client_make(firm=firm, joined=True, name="Ada Byron")
    with django_capture_on_commit_callbacks(execute=True):
        grant_consent(joined.memorial, ConsentScope.CORPUS)
    client.force_login(advisor.user)
    url = reverse("firms:client", kwargs={"slug": firm.slug, "client_id": joined.id})
    page = client.get(url).content.decode()
    assert "Your writing" in page  # the scope's name, not the document
    assert "Consents signed" in page and "Send the invitation again" not in page
    assert reverse("consent:overview", kwargs={"memorial_id": joined.memorial_id}) not in page
    assert joined.memorial.get_absolute_url() not in page


def test_other_firms_and_strangers_get_404(client):
    firm, other = firm_make(), firm_make()
    theirs = client_make(firm=other)
    client.force_login(staff_make(firm=firm).user)
    for url in (
        reverse("firms:client", kwargs={"slug": firm.slug, "client_id": theirs.id}),
        reverse("firms:client", kwargs={"slug": other.slug, "client_id": theirs.id}),
        reverse("firms:clients_add", kwargs={"slug": other.slug}),
        reverse("firms:clients_import", kwargs={"slug": other.slug}),
    ):
        assert client.get(url).status_code == 404, url
    invite = reverse("firms:client_invite", kwargs={"slug": firm.slug, "client_id": theirs.id})
    assert client.post(invite).status_code == 404


def test_send_again_mails_a_new_link(client, django_capture_on_commit_callbacks):
    firm = firm_make()
    advisor = staff_make(firm=firm)
    invited = client_make(firm=firm, email="ada@example.org")
    client.force_login(advisor.user)
    url = reverse("firms:client_invite", kwargs={"slug": firm.slug, "client_id": invited.id})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    assert mail.outbox[-1].to == ["ada@example.org"]
    invited.refresh_from_db()
    assert invited.invitation_token_hash


def test_importing_through_the_pages_shows_the_dry_run_first(
    client, django_capture_on_commit_callbacks
):
    firm = firm_make()
    owner = staff_make(firm=firm, role=FirmRole.OWNER)
    client.force_login(owner.user)
    url = reverse("firms:clients_import", kwargs={"slug": firm.slug})
    data = b"name,email\nAda Byron,ada@example.org\nBad,nope\n"
    response = client.post(url, {"file": SimpleUploadedFile("c.csv", data, "text/csv")})
    page = response.content.decode()
    assert "Will be added and invited" in page and "is not an email address" in page
    assert not FirmClient.objects.filter(firm=firm).exists()
    import_id = response.context["import_id"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"import_id": import_id}, follow=True)
    assert "1 added and invited" in response.content.decode()
    assert list(FirmClient.objects.filter(firm=firm).values_list("email", flat=True)) == [
        "ada@example.org"
    ]
    # the same file again: nothing new to add
    response = client.post(url, {"file": SimpleUploadedFile("c.csv", data, "text/csv")})
    assert "There is no one new to add" in response.content.decode()


def test_the_join_link_invites_under_the_firm_and_is_rate_limited(
    client, settings, django_capture_on_commit_callbacks
):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "firm_join": "2/h/key"}
    firm = firm_make(name="Hart & Vale")
    url = reverse("firms:join", kwargs={"slug": firm.slug})
    assert url == f"/f/{firm.slug}/join"
    assert "Join Hart &amp; Vale on Legacy" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"name": "Ada Byron", "email": "ada@example.org"})
    assert response.status_code == 302
    joined = FirmClient.objects.get(firm=firm)
    assert joined.advisor is None and joined.invitation_token_hash
    assert mail.outbox[-1].to == ["ada@example.org"]
    assert "Hart & Vale" in mail.outbox[-1].subject
    client.post(url, {"name": "Ada Byron", "email": "ada@example.org"})
    response = client.post(url, {"name": "Ada Byron", "email": "ada@example.org"})
    assert response.status_code == 429
    assert FirmClient.objects.filter(firm=firm).count() == 1
    closed = firm_make(closed_at=joined.created_at)
    assert client.get(reverse("firms:join", kwargs={"slug": closed.slug})).status_code == 404


def test_a_large_import_shows_its_progress(client, monkeypatch):
    firm = firm_make()
    owner = staff_make(firm=firm, role=FirmRole.OWNER)
    client.force_login(owner.user)
    queued = []
    monkeypatch.setattr(firm_client_import, "delay", lambda **kwargs: queued.append(kwargs))
    rows = "".join(f"Client {n},client{n}@example.org\n" for n in range(IMPORT_INLINE_ROWS + 1))
    import_id = import_file_save(firm=firm, data=("name,email\n" + rows).encode())
    url = reverse("firms:clients_import", kwargs={"slug": firm.slug})
    response = client.post(url, {"import_id": import_id})
    progress_url = reverse(
        "firms:clients_import_progress", kwargs={"slug": firm.slug, "import_id": import_id}
    )
    assert response["Location"] == progress_url
    assert queued == [
        {"firm_id": str(firm.id), "actor_id": str(owner.user.id), "import_id": import_id}
    ]
    assert not FirmClient.objects.filter(firm=firm).exists()  # the task does the work
    assert client.get(progress_url + "?format=json").json()["finished"] is False
    import_progress_set(import_id=import_id, done=20, total=51)
    assert "20 of 51 clients added so far" in client.get(progress_url).content.decode()
    import_progress_set(
        import_id=import_id, done=51, total=51, result={"added": 51, "unchanged": 0, "errors": 0}
    )
    assert client.get(progress_url + "?format=json").json()["finished"] is True
    assert "51 added and invited" in client.get(progress_url).content.decode()
