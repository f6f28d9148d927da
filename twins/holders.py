"""What the twins app holds of a memorial, for the kill switch and the export
(`core.holders`): the twin's versions with their portraits and persona packs, the subject's
corrections and reviews, and the records of calls to a language model."""

from __future__ import annotations

import uuid

from core.holders import DataHolder, ExportWriter, holder_register
from twins.models import Twin
from twins.persona.selectors import persona_export
from twins.services.llm import llm_calls_count, llm_calls_erase


def _twins_count(memorial_id: uuid.UUID) -> int:
    twin = Twin.objects.filter(memorial_id=memorial_id).first()
    return 0 if twin is None else 1 + twin.versions.count()


def _twins_erase(memorial_id: uuid.UUID) -> int:
    """The twin and, by cascade, its versions, portraits, facts, exemplars, corrections
    and reviews."""
    deleted, _ = Twin.objects.filter(memorial_id=memorial_id).delete()
    return deleted


def _twins_export(memorial_id: uuid.UUID, writer: ExportWriter) -> None:
    """The persona pack of each kept version (facts with their passages' ids, exemplars)
    and the subject's reviews, in clear, as JSON."""
    writer.write_json("twins/persona.json", persona_export(memorial_id=memorial_id))


def twins_holders_register() -> None:
    holder_register(DataHolder(
        name="twins.llm_calls",
        label="records of calls to a language model for your twin (token counts only)",
        count=llm_calls_count, erase=llm_calls_erase,
    ))  # fmt: skip
    holder_register(DataHolder(
        name="twins.twin",
        label="your twin: its versions, style portrait, persona pack and your corrections",
        count=_twins_count, erase=_twins_erase, export=_twins_export, order=5,
    ))  # fmt: skip
