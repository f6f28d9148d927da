import pytest
from django.core import mail

from core.models import AuditEvent
from firms.imports import (
    IMPORT_INLINE_ROWS,
    Fate,
    ImportFileError,
    import_apply,
    import_file_read,
    import_file_save,
    import_plan,
    import_progress,
)
from firms.models import FirmClient, FirmRole
from firms.tasks import firm_client_import
from tests.firms.factories import client_make, firm_make, staff_make

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def firm():
    return firm_make()


def csv_of(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode()


def test_the_dry_run_shows_each_rows_fate_and_writes_nothing(firm):
    # given staff, one existing client, and a file with every kind of row
    advisor = staff_make(firm=firm, user=None)
    advisor.user.email = "Grace@HartVale.example"
    advisor.user.save(update_fields=["email"])
    client_make(firm=firm, email="old@example.org")
    data = csv_of(
        "Full Name, E-mail Address ,Adviser",
        "Ada Byron,ada@example.org,grace@hartvale.example",
        "Old Friend,OLD@example.org,",
        ",nameless@example.org,",
        "Bad Mail,not-an-address,",
        "Lost,lost@example.org,nobody@hartvale.example",
        "Ada Again,Ada@Example.org,",
        "",
    )
    # when the firm asks for a dry run
    plan = import_plan(firm=firm, data=data)
    # then each row says what would happen, in plain words
    fates = [(row.line, row.fate, row.reason) for row in plan.rows]
    assert fates == [
        (2, Fate.ADD, ""),
        (3, Fate.UNCHANGED, ""),
        (4, Fate.ERROR, "The name is missing."),
        (5, Fate.ERROR, "“not-an-address” is not an email address."),
        (6, Fate.ERROR, "No one on the firm's staff has the address nobody@hartvale.example."),
        (7, Fate.ERROR, "The same address is on line 2 already."),
    ]
    assert plan.rows[0].advisor == advisor
    assert FirmClient.objects.filter(firm=firm).count() == 1


def test_importing_adds_the_good_rows_and_again_changes_nothing(
    firm, django_capture_on_commit_callbacks
):
    owner = staff_make(firm=firm, role=FirmRole.OWNER)
    data = csv_of(
        "name,email,advisor",
        "Ada Byron,ada@example.org,",
        "Bad Mail,nope,",
        "Alan Turing,alan@example.org,",
    )
    with django_capture_on_commit_callbacks(execute=True):
        counts = import_apply(firm=firm, actor=owner.user, data=data)
    assert counts == {"added": 2, "unchanged": 0, "errors": 1}
    assert sorted(FirmClient.objects.filter(firm=firm).values_list("email", flat=True)) == [
        "ada@example.org",
        "alan@example.org",
    ]
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.org", "alan@example.org"]
    # when the same file is imported again
    with django_capture_on_commit_callbacks(execute=True):
        again = import_apply(firm=firm, actor=owner.user, data=data)
    # then nothing changes and no one is mailed twice
    assert again == {"added": 0, "unchanged": 2, "errors": 1}
    assert FirmClient.objects.filter(firm=firm).count() == 2
    assert len(mail.outbox) == 2
    imported = AuditEvent.objects.filter(action="firm.client_imported").order_by("id")
    assert [event.data["added"] for event in imported] == [2, 0]


def test_a_utf8_file_with_a_bom_and_accents_reads(firm):
    data = "\ufeffname,email\nZoë Ça,zoe@example.org\n".encode()
    plan = import_plan(firm=firm, data=data)
    assert [(row.name, row.fate) for row in plan.rows] == [("Zoë Ça", Fate.ADD)]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"who,where\nAda,ada@example.org\n", "No name or email column"),
        ("name,email\nZoë,zoe@example.org\n".encode("latin-1"), "not UTF-8"),
        (b"name,email\n" + b"x" * (2 * 1024 * 1024), "larger than 2 MB"),
    ],
)
def test_a_file_that_cannot_be_read_says_why(firm, data, reason):
    with pytest.raises(ImportFileError, match=reason):
        import_plan(firm=firm, data=data)


def test_a_large_import_runs_as_a_task_with_progress(firm, django_capture_on_commit_callbacks):
    # given a file of more rows than are applied inline, kept between dry run and import
    owner = staff_make(firm=firm, role=FirmRole.OWNER)
    rows = [f"Client {n},client{n}@example.org," for n in range(IMPORT_INLINE_ROWS + 5)]
    data = csv_of("name,email,advisor", *rows)
    import_id = import_file_save(firm=firm, data=data)
    assert import_file_read(firm=firm, import_id=import_id) == data
    # when the task runs (twice: it is safe to)
    with django_capture_on_commit_callbacks(execute=True):
        kwargs = {"firm_id": str(firm.id), "actor_id": str(owner.user.id), "import_id": import_id}
        counts = firm_client_import.apply(kwargs=kwargs).get()
        again = firm_client_import.apply(kwargs=kwargs).get()
    # then every client is added once, its progress says so, and the file is gone
    assert counts == {"added": IMPORT_INLINE_ROWS + 5, "unchanged": 0, "errors": 0}
    assert again == counts
    assert FirmClient.objects.filter(firm=firm).count() == IMPORT_INLINE_ROWS + 5
    progress = import_progress(import_id=import_id)
    assert progress["done"] == progress["total"] == IMPORT_INLINE_ROWS + 5
    assert progress["result"] == counts
    with pytest.raises(ImportFileError):
        import_file_read(firm=firm, import_id=import_id)
