"""How close the twin writes to the person, against a generic baseline (twins.fidelity).

A file of dated letters (the Keats letters in ../shared/data/demo by default; layout in its
README) becomes one memorial: each letter is written as one email from the subject to its
recipient, in an mbox uploaded through the real upload service and ingest task; the
subject's address is their identity, and each recipient is placed in family or friends
(`FAMILY` below; everyone else is a friend). Then `twins.fidelity.fidelity_measure` holds
out the latest letters of each register, has the twin (the configured provider with the
portrait of the training letters and passages retrieved from them) and the generic
baseline answer the question derived from each, and scores them. Prints per-register
figures and ends with `style_gain <value>`.

    .venv/bin/python bench/twin_fidelity.py [PATH]
"""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path

from benchdb import REPO, bench_memorial, bench_setup

TITLE = "LETTERS OF JOHN KEATS TO HIS FAMILY AND FRIENDS"  # the letters start at its 2nd
HEADING = re.compile(r"^([IVXLC]+)\.?--TO (.+)\.$")
CONTENTS_ROW = re.compile(r"^\s+(\d+)\.\s+(?:TO .+?|\".*?\")\s{2,}(\S.*)$")
FOOTNOTE = re.compile(r"\[\d+\]")
FAMILY = ("GEORGE", "TOM", "THOMAS KEATS", "FANNY KEATS", "GEORGIANA", "MRS. BRAWNE", "MRS BRAWNE")
MONTHS = {
    month: number
    for number, month in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
SUBJECT = ("John Keats", "john.keats@letters.example.org")


@dataclass(frozen=True)
class Letter:
    number: int
    recipient: str
    date: datetime
    body: str

    @property
    def register(self) -> str:
        return "family" if any(name in self.recipient.upper() for name in FAMILY) else "friends"


def roman(text: str) -> int:
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
    total = 0
    for a, b in zip(text, text[1:] + " ", strict=True):
        total += -values[a] if values.get(b, 0) > values[a] else values[a]
    return total


def contents_dates(lines: list[str]) -> dict[int, datetime]:
    """Letter number -> date, from the CONTENTS table: its first month, day and year (a
    range or a "?" gives its first day; a wrapped row its next lines' year; a row with no
    date at all the date of the letter before, as the letters are in order)."""
    dates: dict[int, datetime] = {}
    previous = datetime(1816, 1, 1)
    for index, line in enumerate(lines):
        row = CONTENTS_ROW.match(line)
        if not row:
            continue
        text = " ".join([row.group(2), *lines[index + 1 : index + 3]])
        months = [m[:3].lower() for m in re.findall(r"[A-Z][a-z]+", text)]
        month = next((MONTHS[m] for m in months if m in MONTHS), None)
        year = re.search(r"\b(18[12]\d)\b", text)
        day = re.search(r"[A-Z][a-z]+\.? (\d{1,2})\b", text)
        if month and year:
            previous = datetime(int(year.group(1)), month, int(day.group(1)) if day else 1)
        dates[int(row.group(1))] = previous
    return dates


def letters_read(path: Path) -> list[Letter]:
    lines = path.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n").split("\n")
    starts = [
        i
        for i, line in enumerate(lines)
        if line.strip() == "LETTERS OF JOHN KEATS TO HIS FAMILY AND FRIENDS"
    ]
    body_start = starts[1] if len(starts) > 1 else 0
    # The letters end where the book's index (or, failing that, its footnotes) begins.
    end = next(
        (i for i, line in enumerate(lines) if line.strip() == "INDEX" and i > body_start),
        next((i for i, line in enumerate(lines) if line.startswith("FOOTNOTES:")), len(lines)),
    )
    dates = contents_dates(lines[:body_start])
    headings = [i for i in range(body_start, end) if HEADING.match(lines[i])]
    letters = []
    for n, start in enumerate(headings):
        stop = headings[n + 1] if n + 1 < len(headings) else end
        match = HEADING.match(lines[start])
        assert match is not None
        number = roman(match.group(1))
        # The place-and-date line (3 below the heading) is the editor's; the body follows.
        body = "\n".join(lines[start + 4 : stop]).strip()
        body = FOOTNOTE.sub("", body)
        if number in dates and body:
            letters.append(Letter(number, match.group(2).title(), dates[number], body))
    return letters


def mbox_of(letters: list[Letter]) -> bytes:
    name, address = SUBJECT
    parts = []
    for letter in letters:
        to = re.sub(r"[^a-z]+", ".", letter.recipient.lower()).strip(".")
        when = letter.date.replace(hour=12)
        body = "\n".join(
            ">" + line if line.startswith("From ") else line for line in letter.body.split("\n")
        )
        parts.append(
            f"From {address} {when:%a %b %d %H:%M:%S %Y}\n"
            f"From: {name} <{address}>\nTo: {letter.recipient} <{to}@letters.example.org>\n"
            f"Subject: To {letter.recipient}\nDate: {format_datetime(when)}\n"
            f"Message-ID: <letter-{letter.number}@letters.example.org>\n"
            f"Content-Type: text/plain; charset=utf-8\n\n{body}\n"
        )
    return "\n".join(parts).encode("utf-8")


def main() -> None:
    path = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else REPO.parent / "shared/data/demo/keats_letters_pg35698.txt"
    )
    letters = letters_read(path)
    counts = {r: sum(1 for x in letters if x.register == r) for r in ("family", "friends")}
    print(f"{len(letters)} letters read: {counts['family']} family, {counts['friends']} friends")
    bench_setup("legacy_bench_fidelity")
    from django.core.files.uploadedfile import SimpleUploadedFile

    from corpus.models import IdentityKind, Upload
    from corpus.services.documents import correspondent_add, identity_add
    from corpus.services.uploads import upload_create
    from twins.fidelity import fidelity_measure

    memorial = bench_memorial(SUBJECT[0])
    identity_add(memorial_id=memorial.id, kind=IdentityKind.EMAIL, value=SUBJECT[1])
    for recipient in sorted({x.recipient for x in letters}):
        to = re.sub(r"[^a-z]+", ".", recipient.lower()).strip(".")
        register = next(x.register for x in letters if x.recipient == recipient)
        correspondent_add(
            memorial_id=memorial.id, value=f"{to}@letters.example.org", register=register
        )
    started = time.perf_counter()
    upload, _ = upload_create(
        memorial_id=memorial.id, file=SimpleUploadedFile("letters.mbox", mbox_of(letters))
    )  # the task runs inline (eager) on commit
    upload = Upload.objects.get(id=upload.id)
    assert upload.status == "done", upload.error
    print(f"ingested {upload.passages_count} passages in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    report = fidelity_measure(memorial_id=memorial.id)
    print(f"measured in {time.perf_counter() - started:.1f} s; twin: {report['twin_label']}; "
          f"baseline: {report['baseline_label']}")  # fmt: skip
    for row in report["registers"]:
        print(
            f"{row['register']}: trained on {row['training_messages']} letters, "
            f"{row['held_out']} held out ({row['held_out_words']} words); "
            f"style distance twin {row['twin_distance']:.3f} baseline "
            f"{row['baseline_distance']:.3f} (gain {row['style_gain']:.2f}); "
            f"content cosine twin {row['twin_content']:.3f} baseline {row['baseline_content']:.3f}"
        )
    print(f"style_gain {report['style_gain']:.3f}")


if __name__ == "__main__":
    main()
