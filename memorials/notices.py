"""Mail about a memorial's activation, inactivity and sunset, sent by tasks after commit."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model

from accounts.models import User
from core.mail import mail_send_on_commit
from memorials.activation.professional import professional_party_of, professional_stewards
from memorials.models import Membership, Memorial, Role


def site_link(path: str) -> str:
    return settings.SITE_URL + path


def steward_emails(*, memorial: Memorial, exclude: User | None = None) -> list[str]:
    stewards = Membership.objects.filter(memorial=memorial, role=Role.STEWARD).select_related(
        "user"
    )
    emails = [m.user.email for m in stewards if exclude is None or m.user_id != exclude.pk]
    # A professional steward (a firm) is told through the people acting for it, unless it
    # is the party `exclude` acts for.
    party = (
        professional_party_of(memorial_id=memorial.id, user=exclude)
        if exclude is not None
        else None
    )
    for steward in professional_stewards(memorial_id=memorial.id):
        if steward.party != party:
            emails.extend(steward.emails)
    return emails


def staff_emails() -> list[str]:
    users = get_user_model().objects.filter(is_staff=True, is_active=True)
    return list(users.values_list("email", flat=True))


def notice_send_on_commit(
    *, to: list[str], subject: str, template: str, context: dict[str, Any]
) -> None:
    """One mail per recipient, in plain text and HTML (nobody sees who else was told), about
    `context["memorial"]`, written to the outbox in the caller's transaction (encrypted with
    the memorial's key) and sent by a task after it commits (`core.mail`)."""
    if not to:
        return
    memorial: Memorial = context["memorial"]
    mail_send_on_commit(
        to=to,
        subject=subject,
        template=f"memorials/email/{template}.txt",
        context=context,
        memorial_id=memorial.id,
    )
