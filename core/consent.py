"""What the kernel knows of consent: the scopes, the refusal, and the gate's interface.

The gate itself (`consent.gate`) reads the subject's signed records, which live in the
`consent` app above this one; it installs itself here when that app is ready, so the
kernel's task base can hold it without importing upward. With no gate installed, every
check refuses: work never runs unchecked.
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from django.core.exceptions import PermissionDenied
from django.db import models


class ConsentScope(models.TextChoices):
    CORPUS = "corpus", "Your writing"
    VOICE = "voice", "Your voice"
    CONVERSATION_LIVING = "conversation_living", "Conversations while you live"
    CONVERSATION_POSTHUMOUS = "conversation_posthumous", "Conversations after your death"
    COMMERCIAL = "commercial", "Commercial use"


class ConsentRequired(PermissionDenied):
    """The memorial holds no live consent for this scope (never given, or withdrawn)."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__(
            f"This needs the subject's consent for “{ConsentScope(scope).label.lower()}”, "
            "which has not been given or has been withdrawn."
        )

    @property
    def to_subject(self) -> str:
        """The refusal said to the subject themselves, on their own pages."""
        return (
            f"This needs your consent for “{ConsentScope(self.scope).label.lower()}”, which you "
            "have not given or have withdrawn. You can read and sign it on your consent page."
        )


class ConsentGate(Protocol):
    def require(self, *, memorial_id: uuid.UUID | str, scope: str) -> Any:
        """The live consent record (or its id), or ConsentRequired."""

    def hold(self, *, memorial_id: uuid.UUID | str, scope: str) -> Any:
        """As `require`, share-locking the record until the transaction ends (its id)."""

    def start(self, *, memorial_id: uuid.UUID | str, scope: str) -> bool:
        """For work as it starts, in one query: True when the memorial was erased (its key
        destroyed); else ConsentRequired when `scope` has no live consent, or False."""


class _Closed:
    def require(self, *, memorial_id: uuid.UUID | str, scope: str) -> Any:
        raise ConsentRequired(scope)

    def hold(self, *, memorial_id: uuid.UUID | str, scope: str) -> Any:
        raise ConsentRequired(scope)

    def start(self, *, memorial_id: uuid.UUID | str, scope: str) -> bool:
        raise ConsentRequired(scope)


_gate: ConsentGate = _Closed()


def consent_gate_install(gate: ConsentGate) -> None:
    global _gate
    _gate = gate


def consent_gate() -> ConsentGate:
    return _gate
