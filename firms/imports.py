"""Importing a firm's clients from a CSV file (columns name, email, advisor: the advisor by
their staff email). A dry run (`import_plan`) shows each row's fate: will be added, already
a client (unchanged), or an error with a plain reason. Applying (`import_apply`) adds only
the rows the dry run would add, so importing the same file again changes nothing.

Between the dry run and "Import", the file is kept encrypted under the firm's own key
(`import_file_save`); an import of more than IMPORT_INLINE_ROWS rows is applied by a task
(`firms.tasks.firm_client_import`) whose progress the page shows (`import_progress`)."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import User
from core.files import (
    memorial_file_chunks,
    memorial_file_delete,
    memorial_file_save,
    memorial_folder,
)
from firms.clients import ClientError, client_create
from firms.models import Firm, FirmClient, FirmStaff
from firms.trail import firm_audit_record

IMPORT_MAX_BYTES = 2 * 1024 * 1024
IMPORT_MAX_ROWS = 10_000
# More rows than this are applied in the background, with progress shown.
IMPORT_INLINE_ROWS = 50
IMPORT_FILE_KIND = "client-imports"
_PROGRESS_SECONDS = 24 * 3600

# Header names people use, each folded (lower case, letters only) to the column it means.
_HEADERS = {
    "name": "name",
    "fullname": "name",
    "clientname": "name",
    "client": "name",
    "email": "email",
    "emailaddress": "email",
    "mail": "email",
    "clientemail": "email",
    "advisor": "advisor",
    "adviser": "advisor",
    "advisoremail": "advisor",
    "adviseremail": "advisor",
}


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message says why, in plain words."""


class Fate:
    ADD = "add"
    UNCHANGED = "unchanged"
    ERROR = "error"


@dataclass
class ImportRow:
    line: int  # the line in the file, the header being line 1
    name: str
    email: str
    advisor_email: str
    fate: str
    reason: str = ""
    advisor: FirmStaff | None = None


@dataclass
class ImportPlan:
    rows: list[ImportRow] = field(default_factory=list)

    def count(self, fate: str) -> int:
        return sum(1 for row in self.rows if row.fate == fate)

    @property
    def to_add(self) -> list[ImportRow]:
        return [row for row in self.rows if row.fate == Fate.ADD]


class ImportRowForm(forms.Form):
    """One row's fields, checked as a form checks them."""

    name = forms.CharField(max_length=200)
    email = forms.EmailField(max_length=254)
    advisor = forms.EmailField(required=False)


def _fold(header: str) -> str:
    return "".join(char for char in header.lower() if char.isalpha())


def _text(data: bytes) -> str:
    if len(data) > IMPORT_MAX_BYTES:
        raise ImportFileError(
            f"The file is larger than {IMPORT_MAX_BYTES // (1024 * 1024)} MB. Split it in parts."
        )
    try:
        return data.decode("utf-8-sig")  # a BOM (as spreadsheet programs write) is dropped
    except UnicodeDecodeError:
        raise ImportFileError(
            "The file is not UTF-8 text. Save it from your spreadsheet as “CSV UTF-8”."
        ) from None


def _columns(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        column = _HEADERS.get(_fold(name))
        if column and column not in columns:
            columns[column] = index
    missing = [column for column in ("name", "email") if column not in columns]
    if missing:
        raise ImportFileError(
            "The first line must name the columns: name, email and (if you like) advisor. "
            f"No {' or '.join(missing)} column was found."
        )
    return columns


def _reason(form: ImportRowForm) -> str:
    if "name" in form.errors:
        return "The name is missing." if not form.data.get("name") else "The name is too long."
    if "email" in form.errors:
        email = form.data.get("email")
        return (
            "The email address is missing." if not email else f"“{email}” is not an email address."
        )
    return f"The advisor “{form.data.get('advisor')}” is not an email address."


def import_plan(*, firm: Firm, data: bytes) -> ImportPlan:
    """What importing `data` would do, row by row (nothing is written). ImportFileError when
    the file as a whole cannot be read (too large, not UTF-8, no header, too many rows)."""
    reader = csv.reader(io.StringIO(_text(data), newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError("The file is empty.") from None
    except csv.Error as error:
        raise ImportFileError(f"The file is not readable as CSV ({error}).") from None
    columns = _columns(header)
    staff = {
        member.user.email.lower(): member
        for member in FirmStaff.objects.select_related("user").filter(
            firm=firm, removed_at__isnull=True
        )
    }
    plan = ImportPlan()
    seen: dict[str, int] = {}
    raw_rows: list[tuple[int, dict[str, str]]] = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # blank lines are skipped, as people leave them
            values = {
                column: (cells[index].strip() if index < len(cells) else "")
                for column, index in columns.items()
            }
            raw_rows.append((reader.line_num, values))
            if len(raw_rows) > IMPORT_MAX_ROWS:
                raise ImportFileError(
                    f"The file has more than {IMPORT_MAX_ROWS:,} clients. Split it in parts."
                )
    except csv.Error as error:
        raise ImportFileError(f"Line {reader.line_num} is not readable as CSV ({error}).") from None
    emails = {values.get("email", "").lower() for _, values in raw_rows}
    existing = set(
        FirmClient.objects.filter(
            firm=firm, email__in=emails, detached_at__isnull=True
        ).values_list("email", flat=True)
    )
    for line, values in raw_rows:
        plan.rows.append(
            _row_fate(line=line, values=values, staff=staff, seen=seen, existing=existing)
        )
    return plan


def _row_fate(
    *,
    line: int,
    values: dict[str, str],
    staff: dict[str, FirmStaff],
    seen: dict[str, int],
    existing: set[str],
) -> ImportRow:
    form = ImportRowForm(data=values)
    row = ImportRow(
        line=line,
        name=values.get("name", ""),
        email=values.get("email", ""),
        advisor_email=values.get("advisor", ""),
        fate=Fate.ERROR,
    )
    if not form.is_valid():
        row.reason = _reason(form)
        return row
    email = form.cleaned_data["email"].lower()
    row.name, row.email = " ".join(form.cleaned_data["name"].split()), email
    advisor_email = form.cleaned_data["advisor"].lower()
    if advisor_email:
        row.advisor = staff.get(advisor_email)
        if row.advisor is None:
            row.reason = f"No one on the firm's staff has the address {advisor_email}."
            return row
    if email in seen:
        row.reason = f"The same address is on line {seen[email]} already."
        return row
    seen[email] = line
    row.fate = Fate.UNCHANGED if email in existing else Fate.ADD
    return row


def import_apply(
    *,
    firm: Firm,
    actor: User | None,
    data: bytes,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Add (and invite) each client the dry run of `data` would add, now; the others are left
    as they are. Audited once, "firm.client_imported", with the counts. Counts by fate (a
    row added meanwhile by someone else counts as unchanged)."""
    plan = import_plan(firm=firm, data=data)
    to_add = plan.to_add
    started = timezone.now()
    added = 0
    for done, row in enumerate(to_add, start=1):
        try:
            client = client_create(
                firm=firm, actor=actor, name=row.name, email=row.email, advisor=row.advisor
            )
        except ClientError:
            continue  # the dry run checked it; a name core.names refuses is left out
        added += client.created_at >= started  # not one someone else added meanwhile
        if progress is not None:
            progress(done, len(to_add))
    counts = {
        "added": added,
        "unchanged": plan.count(Fate.UNCHANGED) + (len(to_add) - added),
        "errors": plan.count(Fate.ERROR),
    }
    firm_audit_record(firm=firm, action="firm.client_imported", actor=actor, data=counts)
    return counts


def import_file_save(*, firm: Firm, data: bytes) -> str:
    """Keep the file between the dry run and "Import", encrypted under the firm's own key.
    The import's id (its file's name)."""
    import_id = uuid.uuid4().hex
    memorial_file_save(
        memorial_id=firm.id,
        kind=IMPORT_FILE_KIND,
        name=f"{import_id}.csv",
        source=ContentFile(data),
    )
    return import_id


def _import_file_name(*, firm: Firm, import_id: str) -> str:
    if not import_id.isalnum() or len(import_id) != 32:
        raise ImportFileError("That import is not known. Choose the file again.")
    return f"{memorial_folder(memorial_id=firm.id, kind=IMPORT_FILE_KIND)}/{import_id}.csv"


def import_file_read(*, firm: Firm, import_id: str) -> bytes:
    name = _import_file_name(firm=firm, import_id=import_id)
    try:
        return b"".join(memorial_file_chunks(memorial_id=firm.id, name=name))
    except FileNotFoundError:
        raise ImportFileError("That import is not known. Choose the file again.") from None


def import_file_discard(*, firm: Firm, import_id: str) -> None:
    memorial_file_delete(name=_import_file_name(firm=firm, import_id=import_id))


def _progress_key(import_id: str) -> str:
    return f"firms:import:{import_id}"


def import_progress_set(
    *, import_id: str, done: int, total: int, result: dict | None = None
) -> None:
    cache.set(
        _progress_key(import_id),
        {"done": done, "total": total, "result": result},
        _PROGRESS_SECONDS,
    )


def import_progress(*, import_id: str) -> dict | None:
    """{"done", "total", "result"} of a background import (result set once it finished)."""
    return cache.get(_progress_key(import_id))
