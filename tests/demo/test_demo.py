"""The fictional demo: its writing (deterministic, three registers, hundreds of messages over
years, her habits per register), the memorial made from it through the real pipeline, its
banner, and its removal through the kill switch."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse

from consent.models import ConsentRecord
from corpus.models import Passage, UploadStatus
from demo.models import DemoMemorial
from demo.person import MEMORIAL_NAME, NAME, WORK_SIGNATURE
from demo.selectors import memorial_is_demo
from demo.services import NotADemo, demo_create, demo_remove
from demo.writing import SEED, demo_writing
from memorials.models import ErasureCertificate, MemorialState
from tests.memorials.factories import MemorialFactory
from twins.models import BuildStatus, PersonaFact, StylePortrait

HEDGES = re.compile(r"\b(I think|perhaps|may be|I wonder|If I am not mistaken|I suspect)\b")


# --- the writing -----------------------------------------------------------------------


def test_the_writing_is_the_same_every_time_and_changes_with_the_seed():
    first, again = demo_writing(), demo_writing()

    assert first.files == again.files
    assert first.messages == again.messages
    assert demo_writing(SEED + 1).files != first.files


def test_the_writing_spans_three_registers_hundreds_of_messages_and_several_years():
    writing = demo_writing()
    hers = [message for message in writing.messages if message.is_hers]

    assert {"family", "friends", "professional"} <= writing.registers()
    assert len(writing.messages) >= 300 and len(hers) >= 300
    dates = [message.sent_at for message in writing.messages]
    assert max(dates) - min(dates) >= timedelta(days=3 * 365)
    assert set(writing.files) >= {
        "greta-mail.mbox",
        "WhatsApp Chat with Dot Pryce.txt",
        "journal.md",
        "letters-to-alfie.txt",
    }


def test_her_habits_differ_by_register():
    hers = [message for message in demo_writing().messages if message.is_hers]

    def share(register: str, test) -> float:  # type: ignore[no-untyped-def]
        texts = [m.text for m in hers if m.register == register]
        return sum(1 for text in texts if test(text)) / len(texts)

    # warm short notes signed off to family, hedged formal mail at work, jokes with Dot
    assert share("family", lambda t: t.rstrip().endswith("x")) > 0.9
    assert share("professional", lambda t: bool(HEDGES.search(t))) > 0.8
    assert share("friends", lambda t: bool(HEDGES.search(t))) < 0.1
    assert share("professional", lambda t: t.endswith(WORK_SIGNATURE)) > 0.9
    assert share("family", lambda t: t.endswith(WORK_SIGNATURE)) == 0
    assert share("family", lambda t: len(t) < 400) > share("professional", lambda t: len(t) < 400)
    assert share("friends", lambda t: "😂" in t or "🙈" in t) > 0.1


# --- the memorial ----------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def demo(db):
    return demo_create()


def test_the_demo_is_a_memorial_of_a_fictional_person_with_all_her_writing_read(demo, client):
    memorial = demo.memorial

    assert memorial.name == MEMORIAL_NAME == f"{NAME} (fictional demo)"
    assert memorial.state == MemorialState.PRESERVING and memorial_is_demo(memorial_id=memorial.id)
    assert len(demo.uploads) == len(demo_writing().files)
    assert demo.uploads_failed == [] and {u.status for u in demo.uploads} == {UploadStatus.DONE}
    own = Passage.objects.filter(memorial=memorial, is_subject=True)
    assert own.count() >= 300
    assert {"family", "friends", "professional"} <= set(own.values_list("register", flat=True))
    assert demo.version is not None and demo.version.status == BuildStatus.READY
    # built for real: a portrait of each register and a persona pack, ready to look at
    portraits = set(
        StylePortrait.objects.filter(version=demo.version).values_list("register", flat=True)
    )
    assert {"family", "friends", "professional"} <= portraits
    assert PersonaFact.objects.filter(version=demo.version).count() >= 10
    # the newcomer signs in with what was printed
    assert client.login(email=demo.email, password=demo.password)


def test_its_consent_is_recorded_as_the_project_s_for_a_fictional_person(demo):
    record = ConsentRecord.objects.get(memorial=demo.memorial, scope="corpus")

    assert record.method == ConsentRecord.Method.DEMO
    assert "fictional" in record.get_method_display()
    assert "fictional" in record.user_agent


def test_the_command_prints_how_to_sign_in(db):
    out = io.StringIO()

    call_command("demo_create", stdout=out, stderr=io.StringIO())

    demo = DemoMemorial.objects.get().memorial
    assert re.search(r"Sign in as demo@legacy\.invalid with the password \S{12,}", out.getvalue())
    assert f"/memorials/{demo.id}/twin/preview/" in out.getvalue()


def test_every_page_of_the_demo_says_it_is_fictional_and_a_real_memorial_s_does_not(demo, client):
    client.force_login(demo.memorial.subject)
    memorial_id = demo.memorial.id
    pages = [
        reverse("memorials:detail", args=[memorial_id]),
        reverse("twins:overview", args=[memorial_id]),
        reverse("twins:preview", args=[memorial_id]),
        reverse("corpus:index", args=[memorial_id]),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert "A fictional demo." in html, url
        assert reverse("demo:remove", args=[memorial_id]) in html, url

    real = MemorialFactory()
    client.force_login(real.subject)
    assert "A fictional demo." not in client.get(real.get_absolute_url()).content.decode()


def test_the_demo_twin_answers_a_question_in_her_words(demo, client):
    client.force_login(demo.memorial.subject)

    page = client.post(
        reverse("twins:preview", args=[demo.memorial.id]), {"question": "Where did you grow up?"}
    )

    assert "I grew up in Saltmarsh Staithe" in page.content.decode()


def test_removing_it_asks_first_then_erases_it_for_real_and_closes_the_account(demo, client):
    user = demo.memorial.subject
    client.force_login(user)
    url = reverse("demo:remove", args=[demo.memorial.id])

    confirm = client.get(url)
    assert "Remove the fictional demo?" in confirm.content.decode()
    assert not ErasureCertificate.objects.filter(memorial_id=demo.memorial.id).exists()

    done = client.post(url, follow=True)

    demo.memorial.refresh_from_db()
    user.refresh_from_db()
    assert demo.memorial.state == MemorialState.ERASED
    assert ErasureCertificate.objects.filter(memorial_id=demo.memorial.id).exists()
    assert not Passage.objects.filter(memorial=demo.memorial).exists()
    assert not DemoMemorial.objects.exists()
    assert not user.is_active and not user.has_usable_password()
    assert "The fictional demo was erased" in done.content.decode()
    assert not client.login(email=demo.email, password=demo.password)


def test_a_real_memorial_cannot_be_removed_as_a_demo(db, client):
    real = MemorialFactory()
    client.force_login(real.subject)

    assert client.post(reverse("demo:remove", args=[real.id])).status_code == 404
    with pytest.raises(NotADemo):
        demo_remove(user=real.subject, memorial_id=real.id)
    real.refresh_from_db()
    assert real.state == MemorialState.PRESERVING


def test_nobody_else_can_remove_the_demo(demo, client):
    client.force_login(MemorialFactory().subject)

    assert client.post(reverse("demo:remove", args=[demo.memorial.id])).status_code == 404
    demo.memorial.refresh_from_db()
    assert demo.memorial.state == MemorialState.PRESERVING


# --- the offer -------------------------------------------------------------------------


def test_an_empty_install_offers_the_demo_on_the_home_page_and_a_used_one_does_not(db, client):
    assert "manage.py demo_create" in client.get("/").content.decode()

    MemorialFactory()

    assert "manage.py demo_create" not in client.get("/").content.decode()


def test_make_run_s_offer_says_how_on_an_empty_install_and_nothing_once_used(db, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal: no question asked
    out, err = io.StringIO(), io.StringIO()

    call_command("demo_offer", stdout=out, stderr=err)

    assert "no memorials here yet" in err.getvalue()
    assert "manage.py demo_create" in err.getvalue()
    assert out.getvalue() == "" and not DemoMemorial.objects.exists()

    MemorialFactory()
    err = io.StringIO()
    call_command("demo_offer", stdout=out, stderr=err)
    assert err.getvalue() == ""


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_at_a_terminal_it_asks_and_a_no_makes_nothing(db, monkeypatch):
    monkeypatch.setattr("sys.stdin", Terminal("n\n"))
    err = io.StringIO()

    call_command("demo_offer", stdout=io.StringIO(), stderr=err)

    assert "Make the demo now? [y/N]" in err.getvalue()
    assert not DemoMemorial.objects.exists()


def test_at_a_terminal_a_yes_makes_it(db, monkeypatch):
    monkeypatch.setattr("sys.stdin", Terminal("y\n"))
    out = io.StringIO()

    call_command("demo_offer", stdout=out, stderr=io.StringIO())

    assert DemoMemorial.objects.count() == 1
    assert "Sign in as demo@legacy.invalid" in out.getvalue()


def test_make_run_makes_it_without_asking_when_told_to(db, monkeypatch):
    monkeypatch.setenv("LEGACY_DEMO", "yes")
    out = io.StringIO()

    call_command("demo_offer", stdout=out, stderr=io.StringIO())

    assert DemoMemorial.objects.count() == 1
    assert "Sign in as demo@legacy.invalid" in out.getvalue()
