"""What a memorial is called to its people. Nobody is told of a "memorial" while its subject
lives: to them and their family it is their "Legacy". A leaf module (it reads only the row's
state), so that any service, mail or template can ask it without an import cycle."""

from __future__ import annotations

from memorials.models import Memorial, MemorialState


def memorial_subject_living(memorial: Memorial) -> bool:
    """Whether the memorial's subject lives, as its lifecycle records it (no query): preserving
    or sealed, or active because the living subject opened it to their family. Active after
    an approved activation, closed or erased: after their death."""
    if memorial.state in (MemorialState.PRESERVING, MemorialState.SEALED):
        return True
    return memorial.state == MemorialState.ACTIVE and memorial.opened_while_living_at is not None


def memorial_noun(memorial: Memorial) -> str:
    """What the memorial is called to its people: "memorial" only after the subject's death;
    while they live, their "Legacy" (nobody is told of a memorial for a living person)."""
    return "Legacy" if memorial_subject_living(memorial) else "memorial"


def memorial_place(memorial: Memorial) -> str:
    """The memorial named with its subject: "Ann's Legacy" while Ann lives, "Ann's memorial"
    after."""
    return f"{memorial.name}'s {memorial_noun(memorial)}"
