"""The fidelity report as the subject reads it: the newest reports of their twin, one
decrypted, and its figures in plain words (measuring is `twins.fidelity`)."""

from __future__ import annotations

import json
from typing import Any

from core.crypto import memorial_cipher
from twins.models import FidelityReport, FidelityStatus, Twin
from twins.portrait.describe import place
from twins.portrait.selectors import REGISTER_ORDER


def fidelity_report_latest(*, twin: Twin) -> tuple[FidelityReport | None, FidelityReport | None]:
    """(the newest report whatever its state, the newest measured one)."""
    reports = FidelityReport.objects.filter(twin=twin).order_by("-created_at")
    return reports.first(), reports.filter(status=FidelityStatus.DONE).first()


def fidelity_report_data(report: FidelityReport) -> dict[str, Any]:
    cipher = memorial_cipher(memorial_id=report.twin.memorial_id)
    return json.loads(cipher.decrypt_text(bytes(report.report_encrypted)))


def _questions_sentence(row: dict[str, Any]) -> str:
    replies, derived = row["prompts_from_replies"], row["prompts_derived"]
    if replies and derived:
        return (
            f"{replies} of the questions were the message you were answering; {derived} were "
            "made from key words of your own message, where you were not answering anyone."
        )
    if replies:
        return "Each question was the message you were answering."
    return (
        "You were not answering anyone in these, so each question was made from three key "
        "words of your own message."
    )


def fidelity_sentences(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Each register's figures in plain words, for the page (family first)."""
    rows = []
    ordered = sorted(data["registers"], key=lambda r: REGISTER_ORDER.index(r["register"]))
    for row in ordered:
        said = [
            f"We set aside your {row['held_out']} latest messages ({row['held_out_words']:,} "
            f"words) and let your twin learn only from the {row['training_messages']} before "
            f"them. {_questions_sentence(row)}",
        ]
        gain = row["style_gain"]
        if not row["twin_answered"]:
            said.append(
                "Your twin found nothing in your earlier writing to answer them with, so "
                "there is nothing to compare yet."
            )
        else:
            if gain is None:
                said.append("There were not enough replies to compare styles.")
            elif gain >= 1.1:
                said.append(
                    f"Its replies were {gain:.1f} times closer to your style than a generic "
                    "reply's."
                )
            elif gain > 0.9:
                said.append("Its replies were about as close to your style as a generic reply's.")
            else:
                said.append(
                    "Its replies were further from your style than a generic reply's: "
                    "it has more to learn here."
                )
            said.append(
                f"In what they said, its replies came to {row['twin_content']:.2f} of your "
                f"real messages' meaning, a generic reply to {row['baseline_content']:.2f} "
                "(1 would be the same meaning)."
            )
            said.append(
                f"It answered {row['twin_answered']} of {row['held_out']} questions; the "
                f"generic reply {row['baseline_answered']}."
            )
        rows.append({"register": row["register"], "place": place(row["register"]).capitalize(),
                     "sentences": said, "row": row})  # fmt: skip
    return rows
