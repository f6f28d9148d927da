"""Each person's first hour, walked in a real browser at a phone's size (390x844) and a
desktop's (1280x900), every page scanned by axe-core on the way (tests/browser/conftest.py):

- the subject signs up, confirms their address, starts preserving themselves, signs the
  consent for their writing, lists their names, uploads a first file, saves their wishes,
  invites a daughter and a steward, builds their twin, reads its portrait and tries it;
- her father, living, signs the consent to conversations while he lives, allows them in his
  wishes and opens his Legacy to his family, all from his own pages; then the daughter opens
  the invitation from her mail, creates her account, lands on the welcome and has a first
  conversation with the twin;
- the steward opens theirs, accepts, sees their page and takes their activation key.

Each step is checked for anything clipped or out of reach (`page_clipped`: sideways
scrolling, an element past the window's edge, a box hiding its own content) and
photographed; the key pages also at the narrowest phone (320 px) and at 200 % zoom (a
1280 px window zoomed twice lays a page out in 640 CSS px). The screenshots go to
LEGACY_SCREENSHOTS_DIR when it is set, else under the pytest basetemp
(walks/<person>-<size>/); the folder is printed. The LLM is the offline one and the upload
is a few of Keats's letters from ../shared/data."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import Page

from core.consent import ConsentScope
from corpus.models import Upload, UploadStatus
from memorials.models import Invitation, Memorial, Role
from memorials.services import invitation_create
from tests.accounts.factories import PASSWORD
from tests.browser.conftest import DESKTOP, PHONE, page_clipped
from tests.browser.test_first_conversation import JOURNAL
from tests.conftest import SHARED_DATA
from tests.consent.factories import consent_documents_install, grant_consent
from tests.memorials.factories import MemorialFactory
from twins.models import BuildStatus, TwinVersion

# a walk is many pages, each scanned and photographed, some at three sizes
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900), pytest.mark.django_db(transaction=True)]

SIZES = {"phone": PHONE, "desktop": DESKTOP}
NARROWEST = {"width": 320, "height": 640}
ZOOMED = {"width": 640, "height": 450}  # 1280x900 at 200 %
PASSPHRASE = "a calm and long passphrase"  # the newcomers' own
KEATS = SHARED_DATA / "demo" / "keats_letters_pg35698.txt"


class Walk:
    """One person's walk at one size: each step scanned by axe-core, checked for sideways
    scrolling and saved as a screenshot, numbered in order."""

    def __init__(self, page: Page, folder: Path, size: dict[str, int]) -> None:
        self.page, self.folder, self.size, self.steps = page, folder, size, 0
        folder.mkdir(parents=True, exist_ok=True)
        print(f"\nscreenshots of this walk: {folder}")
        page.set_viewport_size(size)

    def step(self, name: str, *, reflow: bool = False) -> None:
        """The page in view, at this walk's size; with `reflow`, at 320 px and 200 % zoom
        too (then back to this walk's size)."""
        self.page.wait_for_load_state()
        self.steps += 1
        # the page in view was scanned by axe-core before the walk goes on (a scan that a
        # quick navigation cut short would check nothing); what it found fails the test
        scans = self.page.axe_scans  # type: ignore[attr-defined]
        scans.settle(self.page)
        assert self.page.url in scans.checked, f"{name}: axe-core did not check {self.page.url}"
        sizes = [self.size, NARROWEST, ZOOMED] if reflow else [self.size]
        for size in sizes:
            self.page.set_viewport_size(size)
            clipped = page_clipped(self.page)
            assert clipped == [], f"{name} at {size['width']} px: {clipped}"
            self.page.screenshot(
                path=self.folder / f"{self.steps:02d}-{name}-{size['width']}.png", full_page=True
            )
        self.page.set_viewport_size(self.size)


@pytest.fixture
def shots(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    base = os.environ.get("LEGACY_SCREENSHOTS_DIR")
    root = Path(base) if base else tmp_path_factory.getbasetemp() / "walks"
    person = request.node.originalname.removeprefix("test_the_").removesuffix("_first_hour")
    return root / f"{person}-{request.node.callspec.id}"


def _mail_link(pattern: str, to: str) -> str:
    mine = [m for m in mail.outbox if m.to == [to]]
    assert mine, f"no mail to {to}"
    return re.search(pattern, mine[-1].body).group(0)


def _sign_up(page: Page) -> None:
    page.get_by_label("Password:", exact=True).fill(PASSPHRASE)
    page.get_by_label("Password (again):").fill(PASSPHRASE)
    page.get_by_role("button", name=re.compile("sign up", re.I)).click()


def _letters(count: int = 3) -> bytes:
    """The first few of Keats's letters, as one small text file of his own writing."""
    text = KEATS.read_text(encoding="utf-8")
    body = text.split("LETTERS OF JOHN KEATS TO HIS FAMILY AND FRIENDS")[2]
    start = re.search(r"^[IVXLC]+\.?--TO ", body, re.M).start()
    return body[start : start + 2500 * count].encode()


@pytest.mark.parametrize("size", SIZES)
def test_the_subjects_first_hour(
    page, live_server, asgi_server, celery_worker_process, shots, size
):
    consent_documents_install()
    walk = Walk(page, shots, SIZES[size])
    # signing up is served here, so that its mail reaches this process's outbox; the rest by
    # the real ASGI application (the session's cookie is the same: cookies ignore the port),
    # whose pages update live over their socket
    base = live_server.url
    # a newcomer reads the home page and signs up
    page.goto(base + "/")
    walk.step("home", reflow=True)
    page.goto(base + "/accounts/signup/")
    # an address of its own for each size: allauth sends one confirmation per address
    # every three minutes, and the walk at the other size may be quicker than that
    john = f"john-{size}@example.org"
    page.get_by_label("Email").fill(john)
    _sign_up(page)
    walk.step("check-your-mail")
    # and confirms the address from the mail
    page.goto(_mail_link(r"http://\S+/accounts/confirm-email/\S+/", john))
    walk.step("confirm-address")
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("button", name="Sign out").wait_for()
    base = asgi_server
    # they start preserving themselves
    page.goto(base + "/memorials/new/")
    page.get_by_label("Your name, as your family knows you").fill("John Keats")
    walk.step("new-memorial")
    page.get_by_role("button", name="Create my Legacy").click()
    page.get_by_role("heading", name="John Keats", exact=True).wait_for()
    memorial = Memorial.objects.get(subject__email=john)
    home = base + memorial.get_absolute_url()
    page.locator("[data-live-status]").get_by_text("updates as they happen").wait_for()
    walk.step("memorial", reflow=True)
    # they read and sign the consent for their writing
    page.goto(home + "consent/")
    walk.step("consents")
    page.locator("[data-scope=corpus]").get_by_role("link", name="Read and sign").click()
    page.get_by_label("Type your full name to sign").fill("John Keats")
    walk.step("consent-document")
    page.get_by_role("button", name="Sign this consent").click()
    page.get_by_label("Password").fill(PASSPHRASE)
    walk.step("confirm-it-is-you")
    page.get_by_role("button", name="Confirm").click()
    page.locator("[data-scope=corpus]").get_by_text("Given", exact=True).wait_for()
    walk.step("consent-signed")
    # they list the names they write under, then upload a first file
    page.goto(home + "corpus/")
    page.get_by_label("Name, email address or username").fill("John Keats")
    page.get_by_role("button", name="Add").first.click()
    page.get_by_text("None listed yet.").wait_for(state="detached")
    page.locator("#corpus-files").set_input_files(
        {"name": "letters.txt", "mimeType": "text/plain", "buffer": _letters()}
    )
    page.get_by_role("button", name="Upload").click()
    _wait_until(lambda: Upload.objects.filter(memorial=memorial, status=UploadStatus.DONE))
    page.goto(home + "corpus/")
    page.locator("[data-upload-status]").get_by_text("Done", exact=True).wait_for()
    walk.step("writing", reflow=True)
    # they say what they wish for
    page.goto(home + "wishes/")
    walk.step("wishes")
    page.get_by_role("button", name="Save my wishes").click()
    page.wait_for_load_state()
    walk.step("wishes-saved")
    # they invite their daughter as family and a friend as steward
    for email, role in (("rose@example.org", "Family"), ("charles@example.org", "Steward")):
        page.goto(home)
        page.get_by_label("Their email address").fill(email)
        page.get_by_label(re.compile(rf"\b{role}: ")).check()
        page.get_by_role("button", name="Send invitation").click()
        page.get_by_text(f"An invitation is on its way to {email}").wait_for()
    walk.step("invited")
    assert {i.role for i in Invitation.objects.filter(memorial=memorial)} == {
        Role.FAMILY,
        Role.STEWARD,
    }
    # they build their twin and read its portrait of how they write
    page.goto(home + "twin/")
    walk.step("twin")
    page.get_by_role("button", name="Build my twin").click()
    _wait_until(
        lambda: TwinVersion.objects.filter(
            twin__memorial=memorial, status=BuildStatus.READY
        ).exists(),
        seconds=180,
    )
    page.goto(home + "twin/portrait/")
    page.get_by_role("heading", name="How you write").wait_for()
    walk.step("portrait", reflow=True)
    # and try it for the first time
    page.goto(home + "twin/preview/")
    page.get_by_label("Ask your twin something").fill("What did you write to your brothers?")
    page.get_by_role("button", name="Ask").click()
    page.locator("#preview-answer").wait_for()
    walk.step("preview", reflow=True)


@pytest.mark.parametrize("size", SIZES)
def test_the_invited_daughters_first_hour(page, asgi_server, celery_worker_process, shots, size):
    memorial = _memorial_with_writing()
    walk = Walk(page, shots, SIZES[size])
    # John, living, opens his Legacy to his family through his own pages
    _subject_opens_to_family(page, walk, asgi_server, memorial)
    # and invites Rose (the page that does it is walked in his own first hour: here the mail
    # must reach this process's outbox)
    invitation_create(
        memorial=memorial, invited_by=memorial.subject, email="rose@example.org",
        role=Role.FAMILY, base_url=asgi_server,
    )  # fmt: skip
    # Rose opens the link in her mail
    page.goto(_mail_link(r"http://\S+/invitations/\S+/", "rose@example.org"))
    page.get_by_role("heading", name=re.compile("John Keats")).first.wait_for()
    walk.step("invitation", reflow=True)
    # creates her account, the address already filled in
    page.locator("main").get_by_role("link", name="Create your account").click()
    assert page.get_by_label("Email").input_value() == "rose@example.org"
    walk.step("create-account")
    _sign_up(page)
    # accepts, and lands on the welcome
    page.get_by_label("18 or over").check()
    walk.step("accept")
    page.get_by_role("button", name="Accept the invitation").click()
    page.get_by_text(re.compile("Welcome")).first.wait_for()
    walk.step("welcome", reflow=True)
    # and has her first conversation with the twin
    page.goto(asgi_server + memorial.get_absolute_url())
    page.get_by_role("link", name="Open the conversation").click()
    page.get_by_role("heading", name="Talking with John Keats").wait_for()
    page.locator("[data-live-status]").get_by_text("live", exact=True).wait_for()
    walk.step("conversation")
    page.get_by_label("Your message").fill("Do you remember sailing to Falmouth?")
    page.get_by_role("button", name="Send").click()
    page.locator('li.turn-twin[data-seq="2"][data-status="complete"]').wait_for(timeout=90_000)
    walk.step("first-reply", reflow=True)


@pytest.mark.parametrize("size", SIZES)
def test_the_stewards_first_hour(page, asgi_server, shots, size):
    memorial = MemorialFactory(name="John Keats", subject__full_name="John Keats")
    invitation_create(
        memorial=memorial, invited_by=memorial.subject, email="charles@example.org",
        role=Role.STEWARD, base_url=asgi_server,
    )  # fmt: skip
    walk = Walk(page, shots, SIZES[size])
    # Charles opens the link in his mail, creates his account and accepts
    page.goto(_mail_link(r"http://\S+/invitations/\S+/", "charles@example.org"))
    page.get_by_role("heading", name=re.compile("John Keats")).first.wait_for()
    walk.step("invitation", reflow=True)
    page.locator("main").get_by_role("link", name="Create your account").click()
    _sign_up(page)
    page.get_by_label("18 or over").check()
    page.get_by_role("button", name="Accept the invitation").click()
    page.get_by_text(re.compile("Welcome")).first.wait_for()
    walk.step("welcome", reflow=True)
    # he sees his page as a steward, and takes his activation key
    page.goto(asgi_server + memorial.get_absolute_url())
    page.get_by_role("heading", name="As a steward").wait_for()
    page.locator("[data-live-status]").get_by_text("updates as they happen").wait_for()
    walk.step("steward-page", reflow=True)
    page.get_by_role("link", name="Your activation key").click()
    walk.step("activation-key-before")
    page.get_by_role("button", name="Show my key now").click()
    page.locator("[data-activation-key]").wait_for()
    walk.step("activation-key", reflow=True)


def _memorial_with_writing() -> Memorial:
    """A living subject's memorial with a little of their writing and its consent (their
    own upload is walked in the subject's first hour)."""
    from core.crypto import memorial_cipher
    from corpus.parsers.base import ParsedDocument, ParsedMessage
    from corpus.services.ingest import corpus_people
    from corpus.services.passages_store import document_ingest

    memorial = MemorialFactory(name="John Keats", subject__full_name="John Keats")
    grant_consent(memorial, ConsentScope.CORPUS)
    cipher = memorial_cipher(memorial_id=memorial.id)
    document_ingest(
        memorial_id=memorial.id, upload=None, cipher=cipher,
        people=corpus_people(memorial_id=memorial.id, cipher=cipher),
        parsed=ParsedDocument(kind="journal", source="text", title="Falmouth",
                              messages=[ParsedMessage(author="", text=JOURNAL)]),
    )  # fmt: skip
    return memorial


def _subject_opens_to_family(page: Page, walk: Walk, base: str, memorial: Memorial) -> None:
    """As the living subject would: sign in, sign the consent to conversations while they
    live, allow it in their wishes, open their Legacy to their family from its page, and
    sign out."""
    consent_documents_install()
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email").fill(memorial.subject.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("button", name="Sign out").wait_for()
    home = base + memorial.get_absolute_url()
    # the consent to conversations while he lives
    page.goto(home + "consent/")
    living = page.locator(f"[data-scope={ConsentScope.CONVERSATION_LIVING.value}]")
    living.get_by_role("link", name="Read and sign").click()
    page.get_by_label("Type your full name to sign").fill("John Keats")
    page.get_by_role("button", name="Sign this consent").click()
    given = living.get_by_text("Given", exact=True)
    password = page.get_by_label("Password")
    given.or_(password).first.wait_for()
    if password.is_visible():  # asked to confirm it is him, unless he just signed in
        password.fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
    given.wait_for()
    # his wishes allow it
    page.goto(home + "wishes/")
    page.get_by_label("My family may talk with my twin while I am still alive").check()
    page.get_by_role("button", name="Save my wishes").click()
    page.wait_for_load_state()
    # he opens it from his page, after reading what that means
    page.goto(home)
    page.get_by_role("link", name="Open it to your family").click()
    walk.step("subject-opens")
    page.get_by_role("button", name="Open my Legacy to my family").click()
    page.get_by_text("Your Legacy is open to your family.").wait_for()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    memorial.refresh_from_db()
    assert memorial.opened_while_living_at is not None


def _wait_until(found, seconds: float = 90) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not found():
        assert time.monotonic() < deadline, "waited too long"
        time.sleep(0.5)
