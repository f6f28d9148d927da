"""The gentle mail that tells a memorial's stewards and family it was erased.

Who is told, and the names the mail uses, are read before anything is erased
(`erasure_audience`): the memberships go with the memorial. The mail goes out through the
outbox (`core.mail`), which keeps every waiting mail encrypted; the memorial's own key is
destroyed by then, so these mails are kept under a key of their own, named by the erasure
certificate's id (that key's row stays after delivery, though it then opens nothing:
the mails are deleted once sent). They say whose it was and who erased it,
in people's display names, and nothing the memorial held beyond its name. An erasure resumed
after a crash past the key's destruction finds the memberships already erased: nobody is
told then.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.urls import reverse

from accounts.adapter import person_name
from accounts.models import User
from core.mail import mail_send_on_commit
from memorials.models import Membership, Memorial, Role


class ErasedBy(StrEnum):
    SUBJECT = "subject"  # they pulled the kill switch (or deleted their account)
    STEWARD = "steward"  # after their death, as their wishes allowed
    WISHES = "wishes"  # nobody: the end they chose came (a sunset that erases)


@dataclass(frozen=True)
class ErasureAudience:
    """Who is told of an erasure, and the names the mail gives."""

    recipients: tuple[User, ...]  # every steward and family member but the one who erased
    subject_name: str  # the subject's display name (else the memorial's, as they typed it)
    erased_by: ErasedBy
    steward_name: str  # the steward who erased it ("" otherwise)


def _display_name(user: User) -> str:
    return person_name(user) or user.email


def erasure_audience(*, memorial: Memorial, actor: User | None) -> ErasureAudience:
    """Read before the erasure starts, while the memberships and the name still exist."""
    memberships = Membership.objects.select_related("user").filter(memorial=memorial)
    subject = memorial.subject
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) and actor else None
    if actor_id is None:
        erased_by = ErasedBy.WISHES
    elif actor_id == subject.pk:
        erased_by = ErasedBy.SUBJECT
    else:
        erased_by = ErasedBy.STEWARD
    recipients = tuple(
        m.user
        for m in memberships
        if m.role != Role.SUBJECT and m.user_id != actor_id and m.user.is_active
    )
    return ErasureAudience(
        recipients=recipients,
        subject_name=person_name(subject) or memorial.name,
        erased_by=erased_by,
        steward_name=_display_name(actor) if erased_by == ErasedBy.STEWARD and actor else "",
    )


def erasure_notice_subject(*, audience: ErasureAudience) -> str:
    if audience.erased_by == ErasedBy.SUBJECT:
        return f"{audience.subject_name} has erased what they kept with {settings.LEGACY_SITE_NAME}"
    return f"What {audience.subject_name} left with {settings.LEGACY_SITE_NAME} has been erased"


def erasure_notice_send_on_commit(*, audience: ErasureAudience, certificate_id: uuid.UUID) -> None:
    """One mail to each person in `audience` (greeted by name, text and HTML: `core.mail`),
    after the caller commits."""
    subject = erasure_notice_subject(audience=audience)
    context = {
        "audience": audience,
        "support_url": settings.SITE_URL + reverse("safety"),
    }
    mail_send_on_commit(
        to=[recipient.email for recipient in audience.recipients],
        subject=subject,
        template="memorials/email/erased.txt",
        context=context,
        memorial_id=certificate_id,
        topic=f"erasure:{certificate_id}",
    )
