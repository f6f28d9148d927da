"""What the subject wrote to one person stays theirs (issue 12, point 4): for a family
member's conversation, the passages of a document the subject wrote privately to another
family member are left out of what the twin draws on, unless the subject's wishes let the
twin share between family (`MemorialWishes.share_between_family`). A passage's document
decides, by its audience and register (`corpus.selectors.documents_private_to_others`).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet

from accounts.models import short_name
from core.queries import compiled_rows
from corpus.records import PassageRecord
from corpus.selectors import DocumentPeople, document_people, documents_private_to_others
from memorials.models import Membership, Memorial, Role
from memorials.wishes import wishes_share_between_family


def _names(full_name: str, email: str) -> set[str]:
    return {full_name, short_name(full_name=full_name, email=email), email} - {""}


def _members_of(memorial_id: uuid.UUID) -> QuerySet[Any]:
    return Membership.objects.filter(memorial_id=memorial_id).values_list(
        "user_id", "role", "user__full_name", "user__email"
    )


def passages_for_visitor(
    *,
    memorial: Memorial,
    visitor_id: uuid.UUID | str,
    passages: list[PassageRecord],
    documents: dict[uuid.UUID, DocumentPeople] | None = None,
    share_between_family: bool | None = None,
) -> list[PassageRecord]:
    """`passages` without those the visitor may not be told: the ones from a document the
    subject wrote privately to another family member. Nothing is left out for the subject
    themselves, or when the wishes share between family. `documents`: the passages'
    documents as `document_people` reads them, and `share_between_family`: the wishes'
    flag, when the caller has read them (else they are read here)."""
    if share_between_family is None:
        share_between_family = wishes_share_between_family(memorial_id=memorial.pk)
    if not passages or share_between_family:
        return passages
    # only what names them: read on every reply, for every member (compiled once)
    members = compiled_rows(_members_of, (uuid.UUID(int=0),), [memorial.pk])
    visitor = next((m for m in members if str(m[0]) == str(visitor_id)), None)
    if visitor is not None and visitor[1] == Role.SUBJECT:
        return passages
    family = set().union(
        *(_names(*m[2:]) for m in members if m is not visitor and m[1] != Role.SUBJECT)
    )
    if documents is None:
        documents = document_people(
            memorial_id=memorial.pk, document_ids={passage.document_id for passage in passages}
        )
    subject = memorial.subject
    private = documents_private_to_others(
        memorial_id=memorial.pk,
        documents=documents,
        reader=_names(*visitor[2:]) if visitor is not None else set(),
        family=family,
        subject=[memorial.name, subject.full_name, subject.email],
    )
    return [passage for passage in passages if passage.document_id not in private]
