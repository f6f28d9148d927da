"""The persona step of a twin build: facts with the passages they came from, and exemplar
passages per register, distilled by the configured language model or, with the offline
default, by rules; all written in one commit, into this version only."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence

from django.conf import settings

from core.crypto import memorial_cipher
from corpus.records import PassageRecord
from corpus.writing import passage_vectors, subject_passages
from twins.models import Exemplar, FactOrigin, PersonaFact, TwinVersion
from twins.persona.drafts import FACT_KEY_PURPOSE, FactDraft, fact_statement_normalise
from twins.persona.exemplars import ExemplarChoice, exemplars_choose
from twins.persona.llm import batches_plan, llm_distil
from twins.persona.rules import rules_chunks, rules_distil
from twins.providers import llm_provider
from twins.steps import StepProgress

RULES_LABEL = "rules that read your own words (no language model)"


def persona_build(*, version: TwinVersion, progress: StepProgress) -> None:
    """Distil the persona pack (facts with their passages, exemplars per register) and store
    it inside `progress.committing()`. Progress counts LLM batches (or chunks of passages
    read by rules), then one unit for the exemplars."""
    memorial_id = version.twin.memorial_id
    passages = list(subject_passages(memorial_id=memorial_id))
    if settings.LEGACY_LLM_PROVIDER != "offline":
        provider = llm_provider()
        batches = batches_plan(passages)
        progress.total(len(batches) + 1)
        drafts = llm_distil(
            batches, provider=provider, memorial_id=memorial_id, advance=progress.advance
        )
        origin, label = FactOrigin.LLM, provider.label
    else:
        progress.total(rules_chunks(len(passages)) + 1)
        drafts = rules_distil(passages, advance=progress.advance)
        origin, label = FactOrigin.RULES, RULES_LABEL
    exemplars = _exemplars(passages, memorial_id=memorial_id)
    progress.advance(1)
    facts = _facts(drafts, memorial_id=memorial_id, origin=origin)
    with progress.committing() as locked:
        PersonaFact.objects.bulk_create([PersonaFact(version=locked, **fields) for fields in facts])
        Exemplar.objects.bulk_create(
            Exemplar(
                version=locked,
                register=choice.register,
                passage_id=choice.passage_id,
                rank=choice.rank,
            )
            for choice in exemplars
        )
        locked.llm_label = label[:100]
        locked.save(update_fields=["llm_label", "updated_at"])
        version.llm_label = locked.llm_label


def _exemplars(
    passages: Sequence[PassageRecord], *, memorial_id: uuid.UUID
) -> list[ExemplarChoice]:
    return exemplars_choose(
        passages,
        vectors_of=lambda ids: passage_vectors(memorial_id=memorial_id, passage_ids=ids),
    )


def _facts(drafts: list[FactDraft], *, memorial_id: uuid.UUID, origin: str) -> list[dict]:
    """The drafts as PersonaFact fields, encrypted and keyed; a draft without passages (it
    could not be traced to the subject's words) is left out, and a key met twice kept once."""
    cipher = memorial_cipher(memorial_id=memorial_id)
    rows: dict[str, dict] = {}
    for draft in drafts:
        if not draft.passage_ids or not draft.text.strip():
            continue
        key = cipher.keyed_hash(
            purpose=FACT_KEY_PURPOSE, value=fact_statement_normalise(draft.kind, draft.text)
        )
        if key in rows:
            continue
        rows[key] = {
            "kind": draft.kind,
            "origin": origin,
            "text_encrypted": cipher.encrypt_text(draft.text),
            "detail_encrypted": cipher.encrypt_text(json.dumps(draft.detail, default=str)),
            "fact_key": key,
            "source_passage_ids": sorted(draft.passage_ids),
            "weight": float(draft.weight),
        }
    return list(rows.values())
