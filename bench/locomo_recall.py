"""Turn-level evidence recall of the real retrieval on LoCoMo.

Each conversation becomes one memorial: its dated turns are written as a WhatsApp export and
uploaded through the real upload service and ingest task (parser, passages, embeddings,
storage); every question with evidence (category 5, adversarial, excluded) is asked of
`corpus.retrieval.passage_retrieve`. A retrieved passage covers the turns whose text it
holds; recall@k is the share of a question's evidence turns covered by the first k
passages, averaged over questions.

    .venv/bin/python bench/locomo_recall.py [PATH]   # default ../shared/data/locomo/locomo-dev.json
"""

from __future__ import annotations

import json
import re
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from benchdb import REPO, bench_memorial, bench_setup

KS = (5, 10, 20)
_ID = re.compile(r"D(\d+):(\d+)")


def session_start(text: str) -> datetime:
    """'1:56 pm on 8 May, 2023' -> a datetime."""
    return datetime.strptime(text.replace(" on ", " ").strip(), "%I:%M %p %d %B, %Y")


def turns_of(conversation: dict) -> list[tuple[datetime, str, str, str]]:
    turns = []
    number = 1
    while f"session_{number}" in conversation:
        start = session_start(conversation[f"session_{number}_date_time"])
        for index, turn in enumerate(conversation[f"session_{number}"]):
            text = " ".join(turn["text"].split())
            if turn.get("blip_caption"):
                text += f" [shares a photo: {turn['blip_caption']}]"
            turns.append((start + timedelta(minutes=index), turn["speaker"], text, turn["dia_id"]))
        number += 1
    return turns


def whatsapp_export(turns) -> bytes:
    return "\n".join(
        f"{m:%d/%m/%Y, %H:%M} - {speaker}: {text}" for m, speaker, text, _ in turns
    ).encode()


def evidence_ids(raw: list[str]) -> set[str]:
    """Lenient: upstream has 'D8:6; D9:17' and 'D:11:26'."""
    found = set()
    for item in raw:
        for session, turn in _ID.findall(item.replace("D:", "D")):
            found.add(f"D{int(session)}:{int(turn)}")
    return found


def main() -> None:
    path = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else REPO.parent / "shared/data/locomo/locomo-dev.json"
    )
    bench_setup("legacy_bench_locomo")  # apart from the latency bench, to run both at once
    from django.core.files.uploadedfile import SimpleUploadedFile

    from corpus.models import Upload
    from corpus.retrieval import passage_retrieve
    from corpus.services.uploads import upload_create

    items = json.loads(path.read_text())
    sums = dict.fromkeys(KS, 0.0)
    questions = 0
    started = time.perf_counter()
    for item in items:
        conversation = item["conversation"]
        turns = turns_of(conversation)
        memorial = bench_memorial(conversation["speaker_a"])
        ingest_started = time.perf_counter()
        upload, _ = upload_create(
            memorial_id=memorial.id,
            file=SimpleUploadedFile("WhatsApp Chat.txt", whatsapp_export(turns)),
        )  # the task runs inline (eager) on commit
        upload = Upload.objects.get(id=upload.id)
        assert upload.status == "done", upload.error
        print(f"{item.get('sample_id', '?')}: {len(turns)} turns -> {upload.passages_count} "
              f"passages in {time.perf_counter() - ingest_started:.1f} s")  # fmt: skip
        texts = [(dia_id, text) for _, _, text, dia_id in turns]
        for qa in item["qa"]:
            evidence = evidence_ids(qa.get("evidence") or [])
            if qa.get("category") == 5 or not evidence:
                continue
            results = passage_retrieve(memorial_id=memorial.id, query=qa["question"], limit=max(KS))
            covered: list[set[str]] = []
            for passage in results:
                flat = " ".join(passage.text.split())
                covered.append({dia_id for dia_id, text in texts if text and text in flat})
            questions += 1
            for k in KS:
                found = set().union(*covered[:k]) if covered[:k] else set()
                sums[k] += len(evidence & found) / len(evidence)
    print(f"{questions} questions in {time.perf_counter() - started:.1f} s")
    for k in KS:
        print(f"recall@{k} {sums[k] / max(questions, 1):.3f}")


if __name__ == "__main__":
    main()
