"""The subject's wishes: who may talk with the twin, what it must not discuss, whether it may
talk while they live, when it ends and what is left then.

Reads (`wishes_get`, `forbidden_topics`, `visitor_talk_refusal`, `visitor_may_talk`) are what
the conversation and guardrail code calls; the one write is `wishes_update`, the subject's
own, audited as "wishes.changed" with the names of the fields that changed, never their values.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.audit import audit_record
from core.consent import ConsentRequired, ConsentScope, consent_gate
from core.crypto import memorial_cipher
from memorials.activation.selectors import activation_is_approved
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
    "sunset",
    "sunset_years",
    "sunset_on",
    "ending",
]


class WishesError(Exception):
    """Why these wishes cannot be saved; the message is shown to the subject."""


# --- Reads -----------------------------------------------------------------------------


def wishes_get(*, memorial_id: uuid.UUID | str) -> MemorialWishes:
    """The memorial's wishes; an unsaved row holding the defaults when none were set."""
    wishes = MemorialWishes.objects.filter(memorial_id=memorial_id).first()
    return wishes if wishes is not None else MemorialWishes(memorial_id=memorial_id)


def forbidden_topics(*, memorial_id: uuid.UUID | str) -> list[str]:
    """Topics the twin must not discuss, as the subject wrote them (decrypted)."""
    return wishes_get(memorial_id=memorial_id).forbidden_topics


@dataclass(frozen=True)
class VisitorChoice:
    email: str
    label: str


def wishes_visitor_choices(*, memorial_id: uuid.UUID | str) -> list[VisitorChoice]:
    """The people the subject may name: family and stewards, joined or invited."""
    choices: dict[str, VisitorChoice] = {}
    memberships = Membership.objects.select_related("user").filter(
        memorial_id=memorial_id, role__in=[Role.FAMILY, Role.STEWARD]
    )
    for membership in memberships:
        email = membership.user.email.lower()
        label = f"{membership.user} ({membership.get_role_display().lower()})"
        choices[email] = VisitorChoice(email=email, label=label)
    invitations = Invitation.objects.filter(memorial_id=memorial_id, revoked_at__isnull=True)
    for invitation in invitations.order_by("created_at"):  # sorted by label below
        email = invitation.email.lower()
        if email not in choices:
            label = f"{email} (invited as {invitation.get_role_display().lower()})"
            choices[email] = VisitorChoice(email=email, label=label)
    return sorted(choices.values(), key=lambda choice: choice.label.lower())


def visitor_talk_refusal(*, memorial: Memorial, user: User | AnonymousUser | None) -> str | None:
    """Why `user` may not talk with the twin now, or None when they may.

    Covers membership, the lifecycle, the subject's wishes and the conversation consent
    (living or posthumous). The subject may always preview their own twin until it closes.
    """

    if user is None or not user.is_authenticated:
        return "Please sign in."
    if memorial.state in (MemorialState.CLOSED, MemorialState.ERASED):
        return "This memorial is closed."
    membership = Membership.objects.filter(memorial=memorial, user=user).first()
    if membership is None:
        return "You are not among this memorial's visitors."
    if membership.role == Role.SUBJECT:
        return None
    if memorial.state != MemorialState.ACTIVE:
        return "This memorial is not open to visitors yet."
    wishes = wishes_get(memorial_id=memorial.id)
    if wishes.visitors == VisitorRule.NAMED and user.email.lower() not in wishes.named_visitors:
        return f"{memorial.name} asked that only the people they named talk with their memorial."
    if activation_is_approved(memorial_id=memorial.id):
        scope = ConsentScope.CONVERSATION_POSTHUMOUS
    elif wishes.talk_while_living:
        scope = ConsentScope.CONVERSATION_LIVING
    else:
        return f"{memorial.name} asked that nobody talks with their memorial while they live."
    try:
        consent_gate().require(memorial_id=memorial.id, scope=scope)
    except ConsentRequired:
        return f"{memorial.name} has not given (or has withdrawn) consent for these conversations."
    return None


def visitor_may_talk(*, memorial: Memorial, user: User | AnonymousUser | None) -> bool:
    return visitor_talk_refusal(memorial=memorial, user=user) is None


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
    *, memorial: Memorial, visitors: str, named: list[str], current: list[str]
) -> list[str]:
    if visitors != VisitorRule.NAMED:
        return []
    allowed = {choice.email for choice in wishes_visitor_choices(memorial_id=memorial.id)}
    allowed |= set(current)  # someone named before stays nameable after they leave
    cleaned = sorted({email.strip().lower() for email in named if email.strip()})
    if unknown := [email for email in cleaned if email not in allowed]:
        raise WishesError(
            f"{', '.join(unknown)} is not among your family or stewards. Invite them first."
        )
    return cleaned


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
    named_visitors: list[str],
    forbidden_topics: list[str],
    talk_while_living: bool,
    sunset: str,
    sunset_years: int | None,
    sunset_on: date | None,
    ending: str,
) -> MemorialWishes:
    """Save the subject's wishes. Only the subject sets them, and only while the memorial
    is theirs to shape (not closed, not erased)."""
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
        new = {
            "visitors": visitors,
            "named_visitors": _clean_named(
                memorial=memorial,
                visitors=visitors,
                named=named_visitors,
                current=list(wishes.named_visitors),
            ),
            "forbidden_topics": _clean_topics(forbidden_topics),
            "talk_while_living": bool(talk_while_living),
            "sunset": sunset,
            "sunset_years": years,
            "sunset_on": on,
            "ending": ending,
        }
        changed = [field for field in WISH_FIELDS if getattr(wishes, field) != new[field]]
        if not changed:
            return wishes
        columns = []
        for field in changed:
            if field == "forbidden_topics":  # stored encrypted with the memorial's key
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
    return wishes
