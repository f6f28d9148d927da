"""Who may talk with a memorial's twin, decided in one place.

`conversation_access` is the only check, for the page and the socket alike:
- the subject, always: they preview and correct their own twin;
- family and stewards, only while the memorial is active, when the subject's wishes name
  them (everyone invited as family or steward, or the memberships named), and with the live
  consent that fits how it became active: opened by the living subject
  (`Memorial.opened_while_living_at`) needs "conversations while you live" and the wish
  that allows them; activated after a verified death needs "conversations after your
  death". An active memorial that is neither (never made so by the app) lets nobody in;
- and, for those let in, their age (guardrails.limits): a visitor who has not said their age
  group is asked first, and a visitor under 18 waits for a steward's explicit approval (the
  stewards are told once).
Every refusal says why, in plain words.

`conversation_time_check` is the one place for the visitor's time (quiet hours, the day's
time, a visit's length): not a refusal (the conversation stays readable) but a notice that
stops new messages until the time allows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, tzinfo

from accounts.models import User
from accounts.selectors import user_zone
from consent.gate import consent_is_granted
from conversations.guardrails.limits import TimeState, minor_refusal, time_state
from core.consent import ConsentScope
from memorials.activation.selectors import activation_is_approved
from memorials.models import Membership, Memorial, MemorialState, Role, VisitorRule
from memorials.naming import memorial_noun, memorial_place
from memorials.selectors import memorial_get_for
from memorials.wishes import wishes_get, wishes_name_membership


@dataclass(frozen=True)
class ConversationAccess:
    membership: Membership
    allowed: bool
    reason: str  # why not, in plain words, when not allowed
    preview: bool  # the subject trying their own twin
    # The consent the visitor's conversation stands on ("" for the subject's preview and
    # for refusals): a socket closes when it is withdrawn.
    scope: str = ""
    zone: tzinfo | None = None  # the visitor's time zone (None: not known yet, the site's)

    @property
    def memorial(self) -> Memorial:
        return self.membership.memorial


def conversation_access(*, user: User, memorial_id: uuid.UUID | str) -> ConversationAccess:
    """May `user` talk with this memorial's twin now, and if not, why. Non-members get
    MemorialNotFound (a 404), as everywhere."""
    membership = memorial_get_for(user=user, memorial_id=memorial_id)
    if membership.role == Role.SUBJECT:
        return ConversationAccess(membership, allowed=True, reason="", preview=True)
    reason, scope = _visitor_refusal(membership=membership)
    if not reason and (reason := minor_refusal(membership=membership)):
        scope = ""
    return ConversationAccess(
        membership, allowed=not reason, reason=reason, preview=False, scope=scope,
        zone=user_zone(user=user),
    )  # fmt: skip


def _visitor_refusal(*, membership: Membership) -> tuple[str, str]:
    """Why this family member or steward may not talk now ("" when they may), and the
    consent scope their conversation needs."""
    memorial = membership.memorial
    name = memorial.name
    if memorial.state == MemorialState.CLOSED:
        return (
            f"{memorial_place(memorial)} is closed: conversations with their twin have ended.",
            "",
        )
    if memorial.state == MemorialState.SEALED:
        return (
            f"{name} has sealed their {memorial_noun(memorial)}: for now, nobody but them talks "
            "with their twin.",
            "",
        )
    if memorial.state != MemorialState.ACTIVE:
        return f"{name} has not opened conversations with their twin yet.", ""
    wishes = wishes_get(memorial_id=memorial.id)
    if wishes.visitors == VisitorRule.NAMED and not wishes_name_membership(
        wishes=wishes, membership=membership
    ):
        return f"{name} has not named you among the people who may talk with their twin.", ""
    if activation_is_approved(memorial_id=memorial.id):
        scope = ConsentScope.CONVERSATION_POSTHUMOUS
        if not consent_is_granted(memorial_id=memorial.id, scope=scope):
            return f"{name} has not given their consent to conversations after their death.", ""
        return "", scope
    if memorial.opened_while_living_at is None:
        return f"{name} has not opened conversations with their twin yet.", ""
    if not wishes.talk_while_living:
        return f"{name} no longer wishes their family to talk with their twin while they live.", ""
    scope = ConsentScope.CONVERSATION_LIVING
    if not consent_is_granted(memorial_id=memorial.id, scope=scope):
        return (
            f"{name} has not given, or has withdrawn, their consent to conversations "
            "while they live.",
            "",
        )
    return "", scope


def conversation_time_check(
    *, access: ConversationAccess, now: datetime | None = None
) -> TimeState | None:
    """Where a visitor allowed to talk stands with their time (None for the subject's
    preview, which has no limits): `stop` says why new messages wait, if they do."""
    if access.preview or not access.allowed:
        return None
    return time_state(membership=access.membership, now=now, zone=access.zone)
