"""Starting a firm and changing its details and brand: `firm_create`, `firm_settings_update`,
and the logo (`firm_logo_save`, read back by `firm_logo_bytes` for the public logo route).

The logo is checked with Pillow (PNG, JPEG or WebP only, within a size limit), shrunk to fit
and re-encoded as PNG, so what the site serves is never the uploaded bytes. It is kept in the
kernel's encrypted file store under the firm's own key (the key table holds it under the
firm's id, as the firm's mail does)."""

from __future__ import annotations

import io
import re
import uuid
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from PIL import Image, UnidentifiedImageError

from accounts.models import User
from core.files import memorial_file_chunks, memorial_file_delete, memorial_file_save
from firms.models import Firm, FirmRole, FirmStaff, hex_colour
from firms.trail import firm_audit_record

# Words a firm's address may not be: they are (or may become) pages of their own.
RESERVED_SLUGS = frozenset(
    {
        "new",
        "mine",
        "api",
        "invitations",
        "join",
        "static",
        "media",
        "admin",
        "accounts",
        "firms",
        "f",
        "settings",
        "staff",
        "logo",
        "help",
        "www",
    }
)
SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,58}[a-z0-9])$")

LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_MAX_PIXELS = 4000 * 4000  # larger is refused before decoding (a decompression bomb)
LOGO_FIT = (600, 200)  # the stored logo fits in this box
LOGO_FORMATS = {"PNG", "JPEG", "WEBP"}
LOGO_KIND = "firm_brand"

# The fields `firm_settings_update` may change, with their limits.
SETTINGS_FIELDS = (
    "name",
    "contact_email",
    "contact_phone",
    "website",
    "brand_colour",
    "sender_name",
)


class FirmSetupError(Exception):
    """Why a firm could not be started or changed; the message is shown to the person, beside
    `field` when it is about one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def firm_slug_check(slug: str) -> str:
    """The slug, lower-cased, if a firm may take it; FirmSetupError saying why not."""
    slug = slug.strip().lower()
    if not SLUG_PATTERN.match(slug) or "--" in slug:
        raise FirmSetupError(
            "A web address uses 3 to 60 lower-case letters, digits and single hyphens, "
            "starting and ending with a letter or digit.",
            field="slug",
        )
    if slug in RESERVED_SLUGS:
        raise FirmSetupError(
            f"“{slug}” is kept for Legacy's own pages. Please choose another.", field="slug"
        )
    if Firm.objects.filter(slug=slug).exists():
        raise FirmSetupError(f"“{slug}” is taken. Please choose another.", field="slug")
    return slug


def _colour_check(colour: str) -> str:
    colour = colour.strip().lower()
    if not colour:
        return ""
    try:
        hex_colour(colour)
    except ValidationError:
        raise FirmSetupError("A colour is written like #2f5d62.") from None
    return colour


def firm_create(
    *,
    owner: User,
    name: str,
    slug: str,
    contact_email: str = "",
    contact_phone: str = "",
    website: str = "",
) -> FirmStaff:
    """Start a firm; `owner` becomes its first owner. Returns the owner's staff row."""
    name = name.strip()
    if not name:
        raise FirmSetupError("Please give the firm's name.")
    slug = firm_slug_check(slug)
    try:
        with transaction.atomic():
            firm = Firm.objects.create(
                name=name,
                slug=slug,
                contact_email=contact_email.strip().lower(),
                contact_phone=contact_phone.strip(),
                website=website.strip(),
            )
            staff = FirmStaff.objects.create(firm=firm, user=owner, role=FirmRole.OWNER)
            firm_audit_record(
                firm=firm, action="firm.created", actor=owner, data={"slug": firm.slug}
            )
    except IntegrityError:  # two people took the same address at once
        raise FirmSetupError(f"“{slug}” is taken. Please choose another.", field="slug") from None
    return staff


def firm_settings_update(*, staff: FirmStaff, changes: dict[str, str]) -> list[str]:
    """Change the firm's details and brand (only `SETTINGS_FIELDS`). Returns the names of the
    fields that changed (audited by name only)."""
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise FirmSetupError(f"These cannot be changed here: {', '.join(sorted(unknown))}.")
    clean = {field: str(value).strip() for field, value in changes.items()}
    if "name" in clean and not clean["name"]:
        raise FirmSetupError("Please give the firm's name.")
    if "brand_colour" in clean:
        clean["brand_colour"] = _colour_check(clean["brand_colour"])
    if "contact_email" in clean:
        clean["contact_email"] = clean["contact_email"].lower()
    with transaction.atomic():
        firm = Firm.objects.select_for_update().get(pk=staff.firm_id)
        changed = [field for field, value in clean.items() if getattr(firm, field) != value]
        if not changed:
            return []
        for field in changed:
            setattr(firm, field, clean[field])
        firm.save(update_fields=changed)
        firm_audit_record(
            firm=firm, action="firm.settings_changed", actor=staff.user, data={"fields": changed}
        )
    staff.firm = firm
    return changed


def logo_png(source: BinaryIO) -> bytes:
    """The upload checked and re-encoded as a PNG fitting `LOGO_FIT`; FirmSetupError if it is
    not a PNG, JPEG or WebP image within the limits."""
    source.seek(0)
    data = source.read(LOGO_MAX_BYTES + 1)
    if len(data) > LOGO_MAX_BYTES:
        raise FirmSetupError("The logo is larger than 2 MB. Please upload a smaller file.")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in LOGO_FORMATS:
                raise FirmSetupError("A logo must be a PNG, JPEG or WebP image.")
            if probe.width * probe.height > LOGO_MAX_PIXELS:
                raise FirmSetupError("The logo has too many pixels. Please upload a smaller one.")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            converted = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise FirmSetupError("That file could not be read as an image.") from None
    converted.thumbnail(LOGO_FIT)
    out = io.BytesIO()
    converted.save(out, format="PNG", optimize=True)
    return out.getvalue()


def firm_logo_save(*, staff: FirmStaff, source: BinaryIO) -> Firm:
    """Replace the firm's logo with the upload (checked and re-encoded, see `logo_png`)."""
    png = logo_png(source)
    firm = staff.firm
    name = memorial_file_save(
        memorial_id=firm.id,
        kind=LOGO_KIND,
        name=f"logo-{uuid.uuid4().hex}.png",
        source=io.BytesIO(png),
    )
    with transaction.atomic():
        locked = Firm.objects.select_for_update().get(pk=firm.pk)
        previous = locked.brand_logo_path
        locked.brand_logo_path = name
        locked.brand_logo_type = "image/png"
        locked.save(update_fields=["brand_logo_path", "brand_logo_type"])
        firm_audit_record(
            firm=locked,
            action="firm.settings_changed",
            actor=staff.user,
            data={"fields": ["logo"], "bytes": len(png)},
        )
        transaction.on_commit(lambda: memorial_file_delete(name=previous))
    staff.firm = locked
    return locked


def firm_logo_remove(*, staff: FirmStaff) -> None:
    with transaction.atomic():
        firm = Firm.objects.select_for_update().get(pk=staff.firm_id)
        previous = firm.brand_logo_path
        if not previous:
            return
        firm.brand_logo_path = ""
        firm.brand_logo_type = ""
        firm.save(update_fields=["brand_logo_path", "brand_logo_type"])
        firm_audit_record(
            firm=firm,
            action="firm.settings_changed",
            actor=staff.user,
            data={"fields": ["logo_removed"]},
        )
        transaction.on_commit(lambda: memorial_file_delete(name=previous))
    staff.firm = firm


def firm_public_get(*, slug: str) -> Firm | None:
    """An open firm by its address, for its public brand (logo, colours): nothing else."""
    return Firm.objects.filter(slug=slug, closed_at__isnull=True).first()


def firm_logo_bytes(*, firm: Firm) -> bytes:
    """The stored logo, decrypted (a small PNG)."""
    return b"".join(memorial_file_chunks(memorial_id=firm.id, name=firm.brand_logo_path))
