"""What the subject wrote to one person stays theirs (issue 12, point 4): for a family
member's conversation, the passages of a document the subject wrote privately to another
family member are left out of what the twin draws on, unless the subject's wishes let the
twin share between family (`MemorialWishes.share_between_family`). A passage's document
decides, by its audience and register (`corpus.selectors.documents_private_to_others`).
"""

from __future__ import annotations

import uuid

from accounts.models import short_name
from corpus.records import PassageRecord
from corpus.selectors import documents_private_to_others
from memorials.models import Membership, Memorial, Role
from memorials.wishes import wishes_share_between_family


def _names(full_name: str, email: str) -> set[str]:
    return {full_name, short_name(full_name=full_name, email=email), email} - {""}


def passages_for_visitor(
    *, memorial: Memorial, visitor_id: uuid.UUID | str, passages: list[PassageRecord]
) -> list[PassageRecord]:
    """`passages` without those the visitor may not be told: the ones from a document the
    subject wrote privately to another family member. Nothing is left out for the subject
    themselves, or when the wishes share between family."""
    if not passages or wishes_share_between_family(memorial_id=memorial.pk):
        return passages
    members = list(  # only what names them: read on every reply, for every member
        Membership.objects.filter(memorial_id=memorial.pk).values_list(
            "user_id", "role", "user__full_name", "user__email"
        )
    )
    visitor = next((m for m in members if str(m[0]) == str(visitor_id)), None)
    if visitor is not None and visitor[1] == Role.SUBJECT:
        return passages
    family = set().union(
        *(_names(*m[2:]) for m in members if m is not visitor and m[1] != Role.SUBJECT)
    )
    subject = memorial.subject
    private = documents_private_to_others(
        memorial_id=memorial.pk,
        document_ids={passage.document_id for passage in passages},
        reader=_names(*visitor[2:]) if visitor is not None else set(),
        family=family,
        subject=[memorial.name, subject.full_name, subject.email],
    )
    return [passage for passage in passages if passage.document_id not in private]
