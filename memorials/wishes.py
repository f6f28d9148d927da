"""The subject's wishes: who may talk with the twin, what it must not discuss, whether it may
talk while they live, when it ends and what is left then.

Reads (`wishes_get`, `forbidden_topics`, `wishes_share_between_family`,
`wishes_name_membership`) are what the conversation
and guardrail code calls (who may talk is decided in `conversations.access`); the one write is
`wishes_update`, the subject's own, audited as "wishes.changed" with the names of the fields
that changed, never their values. Named people are memberships, or invitations still waiting
(`invitation_accept` turns a named invitation into the membership it makes).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from core.audit import audit_record
from core.crypto import memorial_cipher
from core.events import EventKind, event_send_on_commit
from core.queries import compiled_row, model_from_row
from memorials.models import (
    EndingRule,
    Invitation,
    Membership,
    Memorial,
    MemorialState,
    MemorialWishes,
    Role,
    SunsetRule,
    VisitorRule,
)

MAX_TOPICS = 50
MAX_TOPIC_CHARS = 200
MAX_SUNSET_YEARS = 100
WISH_FIELDS = [
    "visitors",
    "named_visitors",
    "forbidden_topics",
    "talk_while_living",
    "share_between_family",
    "sunset",
    "sunset_years",
    "sunset_on",
    "ending",
]


class WishesError(Exception):
    """Why these wishes cannot be saved; the message is shown to the subject."""


# --- Reads -----------------------------------------------------------------------------


def _wishes_of(memorial_id: uuid.UUID) -> QuerySet[MemorialWishes]:
    return MemorialWishes.objects.filter(memorial_id=memorial_id).order_by("pk")[:1]


def wishes_get(*, memorial_id: uuid.UUID | str) -> MemorialWishes:
    """The memorial's wishes; an unsaved row holding the defaults when none were set. (Read
    on every message of a conversation: its query compiled once, `core.queries`.)"""
    memorial = uuid.UUID(str(memorial_id))
    row = compiled_row(_wishes_of, (uuid.UUID(int=0),), [memorial])
    if row is None:
        return MemorialWishes(memorial_id=memorial)
    return model_from_row(MemorialWishes, row)


def forbidden_topics(*, memorial_id: uuid.UUID | str) -> list[str]:
    """Topics the twin must not discuss, as the subject wrote them (decrypted)."""
    return wishes_get(memorial_id=memorial_id).forbidden_topics


def wishes_share_between_family(*, memorial_id: uuid.UUID | str) -> bool:
    """Whether the twin may tell one family member what the subject wrote privately to
    another (off unless the subject allowed it)."""
    return MemorialWishes.objects.filter(
        memorial_id=memorial_id, share_between_family=True
    ).exists()


MEMBER_KEY, INVITATION_KEY = "member", "invitation"


@dataclass(frozen=True)
class VisitorChoice:
    """Someone the subject may name: `key` is what the wishes form posts ("member:<id>" or
    "invitation:<id>"), `label` what the subject reads."""

    key: str
    label: str


def _member_label(membership: Membership) -> str:
    return f"{membership.user} ({membership.get_role_display().lower()})"


def _invitation_label(invitation: Invitation) -> str:
    return f"{invitation.email} (invited as {invitation.get_role_display().lower()})"


def wishes_visitor_choices(*, memorial_id: uuid.UUID | str) -> list[VisitorChoice]:
    """The people the subject may name: family and stewards who joined, and people invited
    as such whose invitation is still waiting."""
    choices = [
        VisitorChoice(key=f"{MEMBER_KEY}:{membership.pk}", label=_member_label(membership))
        for membership in Membership.objects.select_related("user").filter(
            memorial_id=memorial_id, role__in=[Role.FAMILY, Role.STEWARD]
        )
    ]
    invitations = Invitation.objects.filter(
        memorial_id=memorial_id,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    choices += [
        VisitorChoice(key=f"{INVITATION_KEY}:{invitation.pk}", label=_invitation_label(invitation))
        for invitation in invitations
    ]
    return sorted(choices, key=lambda choice: choice.label.lower())


def wishes_named_keys(*, wishes: MemorialWishes) -> list[str]:
    """The choice keys of the people these wishes name (none for unsaved wishes)."""
    if wishes.pk is None:
        return []
    keys = [f"{MEMBER_KEY}:{pk}" for pk in wishes.named_visitors.values_list("pk", flat=True)]
    keys += [
        f"{INVITATION_KEY}:{pk}" for pk in wishes.named_invitations.values_list("pk", flat=True)
    ]
    return sorted(keys)


def wishes_named_labels(*, wishes: MemorialWishes) -> list[str]:
    """The people these wishes name, as the subject and stewards read them."""
    if wishes.pk is None:
        return []
    labels = [_member_label(m) for m in wishes.named_visitors.select_related("user")]
    labels += [_invitation_label(i) for i in wishes.named_invitations.all()]
    return sorted(labels, key=str.lower)


def wishes_name_membership(*, wishes: MemorialWishes, membership: Membership) -> bool:
    """Whether these wishes name this member (by membership, never by address)."""
    return wishes.pk is not None and wishes.named_visitors.filter(pk=membership.pk).exists()


# --- Writes ----------------------------------------------------------------------------


def _clean_topics(topics: list[str]) -> list[str]:
    cleaned: list[str] = []
    seen: set[str] = set()
    for topic in topics:
        topic = " ".join(topic.split())
        if not topic or topic.lower() in seen:
            continue
        if len(topic) > MAX_TOPIC_CHARS:
            raise WishesError(f"Please keep each topic under {MAX_TOPIC_CHARS} characters.")
        seen.add(topic.lower())
        cleaned.append(topic)
    if len(cleaned) > MAX_TOPICS:
        raise WishesError(f"Please name at most {MAX_TOPICS} topics.")
    return cleaned


def _clean_named(
    *, memorial: Memorial, visitors: str, named: Iterable[str]
) -> tuple[list[str], list[int], list[uuid.UUID]]:
    """The keys named, and the memberships and invitations they stand for."""
    if visitors != VisitorRule.NAMED:
        return [], [], []
    allowed = {choice.key for choice in wishes_visitor_choices(memorial_id=memorial.id)}
    keys = sorted({key.strip() for key in named if key.strip()})
    if any(key not in allowed for key in keys):
        raise WishesError(
            "Someone you named is no longer among your family or stewards, or their "
            "invitation has ended. Please look at the list again."
        )
    members = [int(key.split(":", 1)[1]) for key in keys if key.startswith(f"{MEMBER_KEY}:")]
    invitations = [
        uuid.UUID(key.split(":", 1)[1]) for key in keys if key.startswith(f"{INVITATION_KEY}:")
    ]
    return keys, members, invitations


def _clean_sunset(
    *, sunset: str, years: int | None, on: date | None, today: date
) -> tuple[int | None, date | None]:
    if sunset == SunsetRule.YEARS:
        if years is None or not 1 <= years <= MAX_SUNSET_YEARS:
            raise WishesError(f"Please give a number of years from 1 to {MAX_SUNSET_YEARS}.")
        return years, None
    if sunset == SunsetRule.DATE:
        if on is None or on <= today:
            raise WishesError("Please give a date in the future.")
        return None, on
    if sunset != SunsetRule.NONE:
        raise WishesError("Please choose when your memorial should end.")
    return None, None


def wishes_update(
    *,
    memorial: Memorial,
    actor: User,
    visitors: str,
    named_visitors: Iterable[str],
    forbidden_topics: list[str],
    talk_while_living: bool,
    share_between_family: bool | None = None,
    sunset: str,
    sunset_years: int | None,
    sunset_on: date | None,
    ending: str,
) -> MemorialWishes:
    """Save the subject's wishes. Only the subject sets them, and only while the memorial
    is theirs to shape (not closed, not erased). `named_visitors` are keys of
    `wishes_visitor_choices` (members, or invitations still waiting);
    `share_between_family` None leaves that wish as it was."""
    if actor.pk != memorial.subject_id:
        raise WishesError("Only the person whose memorial this is can set its wishes.")
    if memorial.state in (MemorialState.CLOSED, MemorialState.ERASED):
        raise WishesError("This memorial is closed; its wishes can no longer change.")
    if visitors not in VisitorRule.values or ending not in EndingRule.values:
        raise WishesError("Please choose among the options given.")
    with transaction.atomic():
        wishes, _ = MemorialWishes.objects.select_for_update().get_or_create(memorial=memorial)
        years, on = _clean_sunset(
            sunset=sunset, years=sunset_years, on=sunset_on, today=timezone.localdate()
        )
        named_keys, named_members, named_invitations = _clean_named(
            memorial=memorial, visitors=visitors, named=named_visitors
        )
        current = {field: getattr(wishes, field) for field in WISH_FIELDS}
        current["named_visitors"] = wishes_named_keys(wishes=wishes)
        new = {
            "visitors": visitors,
            "named_visitors": named_keys,
            "forbidden_topics": _clean_topics(forbidden_topics),
            "talk_while_living": bool(talk_while_living),
            "share_between_family": (
                wishes.share_between_family
                if share_between_family is None
                else bool(share_between_family)
            ),
            "sunset": sunset,
            "sunset_years": years,
            "sunset_on": on,
            "ending": ending,
        }
        changed = [field for field in WISH_FIELDS if current[field] != new[field]]
        if not changed:
            return wishes
        columns = []
        for field in changed:
            if field == "named_visitors":  # rows of their own, not columns
                own = {"memorial_id": memorial.id}
                wishes.named_visitors.set(Membership.objects.filter(pk__in=named_members, **own))
                wishes.named_invitations.set(
                    Invitation.objects.filter(pk__in=named_invitations, **own)
                )
            elif field == "forbidden_topics":  # stored encrypted with the memorial's key
                cipher = memorial_cipher(memorial_id=memorial.id)
                wishes.forbidden_topics_encrypted = cipher.encrypt_text(json.dumps(new[field]))
                columns.append("forbidden_topics_encrypted")
            else:
                setattr(wishes, field, new[field])
                columns.append(field)
        wishes.updated_by = actor
        wishes.save(update_fields=[*columns, "updated_by", "updated_at"])
        audit_record(
            action="wishes.changed",
            memorial_id=memorial.id,
            actor=actor,
            data={"fields": changed},
        )
        if {"visitors", "named_visitors", "talk_while_living"} & set(changed):
            # Who may talk changed: open conversation sockets decide their access again.
            event_send_on_commit(
                memorial_id=memorial.id, kind=EventKind.STATE, data={"state": memorial.state}
            )
    return wishes
